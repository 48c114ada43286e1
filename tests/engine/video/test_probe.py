"""Probing: header facts, and where containers lie, what the stream shows."""

from __future__ import annotations

from pathlib import Path

import cv2

from engine.video import probe, sample_clips
from tests.engine.video import makers


def _header(path: Path) -> tuple[float, float]:
    cap = cv2.VideoCapture(str(path))
    try:
        return cap.get(cv2.CAP_PROP_FPS), cap.get(cv2.CAP_PROP_FRAME_COUNT)
    finally:
        cap.release()


def test_estimated_frame_count_is_measured(video_dir: Path) -> None:
    frames = (makers.marked_frame(i, makers.PALETTE[(i // 25) % 8]) for i in range(150))
    path = makers.write_video(video_dir / "program.mpg", frames, 25, "MPEG")  # MPEG-PS: no index
    fps, header_count = _header(path)
    assert header_count != 150  # the container's guess (from the bitrate) is off
    info = probe(path)
    assert info.frame_count == 150
    assert abs(info.duration - 6.0) < 1e-6 and info.fps == 25.0
    frames_out = [f for c in sample_clips(path) for f in c.frames]
    assert [makers.read_index(f.rgb) for f in frames_out] == [0, 25, 50, 75, 100, 125]


def test_nonsense_frame_count_is_measured(video_dir: Path) -> None:
    path = makers.colour_seconds(
        video_dir / "raw.mjpeg", seconds=3, fps=10, fourcc="MJPG"
    )  # bare JPEG stream
    _, header_count = _header(path)
    assert header_count < 1  # OpenCV reports a negative or zero count for a stream without timing
    info = probe(path)
    assert info.frame_count == 30
    assert abs(info.duration - 30 / info.fps) < 1e-6


def test_probe_of_a_long_video_is_quick(video_dir: Path) -> None:
    frames = (makers.marked_frame(i, makers.PALETTE[0]) for i in range(600))
    path = makers.write_video(video_dir / "long.mp4", frames, 1)  # ten minutes at 1 fps
    info = probe(path)
    assert (info.frame_count, info.duration, info.fps) == (600, 600.0, 1.0)
    clips = list(sample_clips(path))
    assert len(clips) == 50 and all(len(c.frames) == 12 for c in clips)
    assert clips[-1].end == 600.0
