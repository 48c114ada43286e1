"""Decoding in a worker: hangs are killed on a clock, crashes stay in the worker, early stops free it."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest

from engine import errors
from engine.video import DecoderPool, VideoInfo, probe, sample_clips
from engine.video.isolate import TIMEOUT_UNKNOWN_DURATION_S, default_timeout

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs POSIX signals to fake hangs")


def _one_worker(pool: DecoderPool) -> int:
    pool.warm()
    (pid,) = pool.idle_pids()
    return pid


def test_worker_is_reused_across_videos(pool: DecoderPool, colour_mp4: Path, cut_mp4: Path) -> None:
    pid = _one_worker(pool)
    assert len(list(sample_clips(colour_mp4, pool=pool))) == 1
    assert probe(cut_mp4, pool=pool).frame_count == 90
    assert pool.idle_pids() == [pid]


def test_hang_hits_the_stall_limit(pool: DecoderPool, colour_mp4: Path) -> None:
    pid = _one_worker(pool)
    clips = sample_clips(colour_mp4, fps=10, max_frames=1, stall_s=1.0, pool=pool)
    next(clips)
    os.kill(pid, signal.SIGSTOP)  # the decoder stops making progress, as a hung one would
    with pytest.raises(errors.DecodeTimeoutError, match=r"timed out after 1 s"):  # the stall limit fired
        list(clips)
    assert pool.idle_pids() == []  # the hung worker was killed, not kept
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # reaped by now or within a moment
            os.kill(pid, 0)
            time.sleep(0.1)


def test_overall_time_limit(pool: DecoderPool, colour_mp4: Path) -> None:
    pid = _one_worker(pool)
    clips = sample_clips(colour_mp4, fps=10, max_frames=1, timeout_s=1.0, stall_s=60.0, pool=pool)
    next(clips)
    os.kill(pid, signal.SIGSTOP)
    with pytest.raises(errors.DecodeTimeoutError, match=r"timed out after 1 s"):  # not the 60 s stall limit
        list(clips)


def test_crash_is_contained_and_the_pool_recovers(pool: DecoderPool, colour_mp4: Path) -> None:
    pid = _one_worker(pool)
    clips = sample_clips(colour_mp4, fps=10, max_frames=1, pool=pool)
    next(clips)
    os.kill(pid, signal.SIGKILL)  # what a segfault in the decoder looks like from outside
    with pytest.raises(errors.DecoderCrashedError, match="the decoder crashed"):
        list(clips)
    again = list(sample_clips(colour_mp4, pool=pool))  # a fresh worker takes over
    assert [f.t for f in again[0].frames] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert pool.idle_pids() and pool.idle_pids() != [pid]


def test_early_close_stops_the_worker_and_keeps_it(
    pool: DecoderPool, colour_mp4: Path, cut_mp4: Path
) -> None:
    pid = _one_worker(pool)
    clips = sample_clips(colour_mp4, fps=10, max_frames=1, pool=pool)
    first = next(clips)
    assert first.frames[0].t == 0.0
    clips.close()
    assert pool.idle_pids() == [pid]  # the worker is back in the pool, ready
    # nothing of the abandoned video leaks into the next one
    nxt = list(sample_clips(cut_mp4, pool=pool))
    assert [c.timestamps for c in nxt] == [[0.0, 1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]


def test_typed_error_keeps_the_worker(pool: DecoderPool, tmp_path: Path) -> None:
    pid = _one_worker(pool)
    bad = tmp_path / "bad.mov"
    bad.write_bytes(b"\x00\x00\x00\x18ftypqt  " + bytes(500))
    with pytest.raises(errors.CorruptVideoError, match="truncated or corrupt"):
        list(sample_clips(bad, pool=pool))
    assert pool.idle_pids() == [pid]


def test_consumer_time_does_not_count_against_the_limit(pool: DecoderPool, colour_mp4: Path) -> None:
    _one_worker(pool)
    clips = []
    for clip in sample_clips(colour_mp4, fps=2, max_frames=2, timeout_s=0.5, pool=pool):
        time.sleep(0.3)  # a slow consumer (the model) between clips
        clips.append(clip)
    assert len(clips) == 6


def test_bounded_queue_holds_the_worker_back(pool: DecoderPool, colour_mp4: Path) -> None:
    pid = _one_worker(pool)
    clips = sample_clips(colour_mp4, fps=10, max_frames=1, stall_s=1.0, pool=pool)
    next(clips)
    time.sleep(0.5)  # the worker could decode the whole video in this time, but the queue is full
    os.kill(pid, signal.SIGSTOP)
    try:
        buffered = 0
        deadline = time.monotonic() + 2.0
        with pytest.raises(errors.DecodeTimeoutError):
            for _ in sample_clips_drain(clips, deadline):
                buffered += 1
        # The inbox's clips, the reader's, what the OS pipe holds (1-2 of these ~60 KB clips; 5 seen
        # on main about one run in four), not the video's 60.
        assert buffered <= 6
    finally:
        with contextlib.suppress(ProcessLookupError):  # killed on the stall, as it should be
            os.kill(pid, signal.SIGCONT)


def sample_clips_drain(clips, deadline: float):
    for clip in clips:
        yield clip
        if time.monotonic() > deadline:
            raise AssertionError("kept receiving clips from a stopped worker")


def test_default_timeout_scales_with_duration() -> None:
    def info(duration: float) -> VideoInfo:
        return VideoInfo("v.mp4", duration, 30.0, int(duration * 30), 640, 480, 0, "h264")

    short, long = default_timeout(info(10)), default_timeout(info(3600))
    assert 10 < short < long
    assert long >= 2 * 3600  # a slow machine may decode at half real time
    assert default_timeout(info(0)) == TIMEOUT_UNKNOWN_DURATION_S  # unknown length: a fixed cap
