"""Keyframe-aware sampling: keyframes near a target decoded alone, other targets decoded forward exactly."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from engine.video import DecoderPool, sample_clips
from engine.video.clips import iter_clips_in_process
from engine.video.container import open_container, video_stream
from engine.video.hwaccel import HardwareChoice
from engine.video.plan import PacketIndex, plan_samples
from engine.video.probing import probe_in_process, read_index
from engine.video.sample import DecodeStats, iter_decoded
from tests.engine.video import makers


def _index(count: int, keys: set[int], fps: int = 10) -> PacketIndex:
    return PacketIndex(
        np.arange(count, dtype=np.int64), np.array([i in keys for i in range(count)]), Fraction(1, fps), 0
    )


def test_plan_takes_keyframes_near_targets_and_decodes_forward_elsewhere() -> None:
    index = _index(60, {0, 12, 24, 36, 48})  # a keyframe every 1.2 s at 10 fps
    plan = plan_samples(index, fps=1.0)
    assert [(w.pts, w.start) for w in plan] == [(0, 0), (12, 12), (24, 24), (30, 24), (36, 36), (48, 48)]
    # target 3 s: the nearest keyframes (2.4 s, 3.6 s) are 0.6 s away, so frame 30 is decoded from 24


def test_plan_decodes_forward_on_long_gops() -> None:
    plan = plan_samples(_index(100, {0}), fps=1.0)  # one keyframe in 10 s
    assert [(w.pts, w.start) for w in plan] == [(10 * k, 0) for k in range(10)]


def _long_gop(video_dir: Path) -> Path:
    frames = (makers.marked_frame(i, makers.PALETTE[(i // 10) % 8]) for i in range(60))
    return makers.write_video(
        video_dir / "long_gop.mp4", frames, 10, "libx264", key_interval=60, max_b_frames=3
    )


def _decode_stats(path: Path, fps: float) -> tuple[list[float], DecodeStats, int]:
    container = open_container(str(path))
    stream = video_stream(container, str(path))
    index, _ = read_index(container, stream)
    container.close()
    info = probe_in_process(str(path))
    container = open_container(str(path))
    stream = video_stream(container, str(path))
    stats = DecodeStats()
    plan = plan_samples(index, fps)
    items = list(iter_decoded(container, stream, index=index, plan=plan, info=info, fps=fps, stats=stats))
    container.close()
    return [d.t for d in items if d.sample is not None], stats, len(index)


def test_long_gop_samples_are_exact_and_skip_non_reference_frames(video_dir: Path) -> None:
    path = _long_gop(video_dir)
    frames = [f for c in sample_clips(path) for f in c.frames]
    assert [f.t for f in frames] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert [makers.read_index(f.rgb) for f in frames] == [0, 10, 20, 30, 40, 50]  # B-frames in between
    times, stats, packets = _decode_stats(path, 1.0)
    assert times == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert stats.failed == 0 and stats.decoded < packets  # non-reference frames were never reconstructed


def test_short_gop_decodes_only_the_keyframes(video_dir: Path) -> None:
    frames = (makers.marked_frame(i, makers.PALETTE[(i // 10) % 8]) for i in range(60))
    path = makers.write_video(video_dir / "gop7.mp4", frames, 10, "libx264", key_interval=7, max_b_frames=2)
    times, stats, _ = _decode_stats(path, 1.0)
    assert times == [0.0, 0.7, 2.1, 2.8, 4.2, 4.9]  # each keyframe nearest its target (within 0.5 s)
    assert stats.fed == len(times) and stats.decoded == len(times)  # each decoded alone: its GOP skipped
    sampled = [f for c in sample_clips(path) for f in c.frames]
    assert [makers.read_index(f.rgb) for f in sampled] == [0, 7, 21, 28, 42, 49]


def test_unavailable_hardware_falls_back_to_software(
    colour_mp4: Path, caplog: pytest.LogCaptureFixture
) -> None:
    software = list(iter_clips_in_process(colour_mp4, 1.0, 12, hardware=None))
    with caplog.at_level(logging.INFO, logger="engine.video"):
        clips = list(iter_clips_in_process(colour_mp4, 1.0, 12, hardware=HardwareChoice("cuda")))
    if not Path("/dev/nvidia0").exists():  # here the device cannot start: the file went to software
        assert any("hardware decoding (cuda)" in r.getMessage() for r in caplog.records)
    assert [c.timestamps for c in clips] == [c.timestamps for c in software]
    assert all(
        np.array_equal(a.rgb, b.rgb)
        for x, y in zip(clips, software, strict=True)
        for a, b in zip(x.frames, y.frames, strict=True)
    )


def test_forced_hardware_through_the_worker_never_fails_the_file(
    colour_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GLIMPSE_HWACCEL", "cuda")  # the worker inherits it: asked for, absent here
    pool = DecoderPool()
    try:
        frames = [f for c in sample_clips(colour_mp4, pool=pool) for f in c.frames]
    finally:
        pool.close()
    assert [f.t for f in frames] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
