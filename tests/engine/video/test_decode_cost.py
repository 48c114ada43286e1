"""What a sampled frame costs besides its decode: one open per file; the decoder's priority on request."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import engine.video.clips as clips_module
from engine.video import DecoderPool, sample_clips
from engine.video.clips import iter_clips_in_process
from engine.video.priority import DECODE_NICE
from tests.engine.video.makers import colour_seconds, nearest_palette, patch_colour


def _opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = clips_module.open_container

    def counting(path: str, hardware=None):  # type: ignore[no-untyped-def]
        seen.append(path)
        return real(path, hardware)

    monkeypatch.setattr(clips_module, "open_container", counting)
    return seen


@pytest.mark.parametrize(("suffix", "fourcc", "opens"), [(".mp4", "libx264", 1), (".mkv", "libx264", 1)])
def test_an_indexed_container_is_opened_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, fourcc: str, opens: int
) -> None:
    path = colour_seconds(tmp_path / f"c{suffix}", seconds=4, fourcc=fourcc)
    seen = _opens(monkeypatch)
    clips = list(iter_clips_in_process(path, 1.0, 12, hardware=None))
    assert len(seen) == opens  # the survey's open is rewound and decoded from
    frames = [f for c in clips for f in c.frames]
    assert [f.t for f in frames] == [0.0, 1.0, 2.0, 3.0]
    assert [nearest_palette(patch_colour(f.rgb)) for f in frames] == [0, 1, 2, 3]


def test_other_containers_are_reopened_and_decode_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = colour_seconds(tmp_path / "c.avi", seconds=4, fourcc="mp4v")
    seen = _opens(monkeypatch)
    frames = [f for c in iter_clips_in_process(path, 1.0, 12, hardware=None) for f in c.frames]
    assert len(seen) == 2  # AVI: no rewinding, a fresh open for decoding
    assert [nearest_palette(patch_colour(f.rgb)) for f in frames] == [0, 1, 2, 3]


def test_a_rewind_that_lands_elsewhere_reopens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = colour_seconds(tmp_path / "c.mp4", seconds=3, fourcc="libx264")
    seen = _opens(monkeypatch)
    real_survey = clips_module._survey

    def shifted(p: str):  # type: ignore[no-untyped-def]
        info, exact, index, damaged, container = real_survey(p)
        index.pts[0] += 1  # as if the seek had not come back to the first packet
        return info, exact, index, damaged, container

    monkeypatch.setattr(clips_module, "_survey", shifted)
    list(iter_clips_in_process(path, 1.0, 12, hardware=None))
    assert len(seen) == 2


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="POSIX priorities")
def test_the_decoder_priority_follows_the_setting(colour_mp4: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = os.getpriority(os.PRIO_PROCESS, 0)
    for env, added in ((None, DECODE_NICE), ("0", 0), ("3", 3), ("x", DECODE_NICE)):
        if env is None:
            monkeypatch.delenv("GLIMPSE_DECODE_NICE", raising=False)
        else:
            monkeypatch.setenv("GLIMPSE_DECODE_NICE", env)  # the spawned worker inherits it
        pool = DecoderPool()
        try:
            assert len(list(sample_clips(colour_mp4, pool=pool))) == 1
            (pid,) = pool.idle_pids()
            assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, base + added)
        finally:
            pool.close()
