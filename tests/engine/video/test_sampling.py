"""Sampling by timestamp: right frames, right colours, clips that tile the video, thumbnails."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engine.video import probe, sample_clips
from tests.engine.video import makers


def _frames(clips):
    return [f for c in clips for f in c.frames]


def test_probe_reads_header(colour_mp4: Path) -> None:
    info = probe(colour_mp4)
    assert (info.width, info.height, info.rotation) == (160, 120, 0)
    assert info.fps == 10.0
    assert info.frame_count == 60
    assert abs(info.duration - 6.0) < 1e-6
    assert info.codec == "mpeg4"


def test_one_frame_per_second_by_timestamp(colour_mp4: Path) -> None:
    clips = list(sample_clips(colour_mp4))
    frames = _frames(clips)
    assert [round(f.t, 3) for f in frames] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    for k, f in enumerate(frames):
        assert abs(f.t - k) <= 0.1  # within one frame of the target
        assert makers.read_index(f.rgb) == round(f.t * 10)  # the pixels are the frame the timestamp names
        assert makers.nearest_palette(makers.patch_colour(f.rgb)) == k  # colour of second k, in RGB order
        assert f.rgb.dtype == np.uint8 and f.rgb.shape == (120, 160, 3)  # small video: never upscaled


def test_rgb_channel_order(colour_mp4: Path) -> None:
    first = next(iter(sample_clips(colour_mp4))).frames[0]
    r, g, b = makers.patch_colour(first.rgb)
    bgr = makers.PALETTE[0]
    assert abs(r - bgr[2]) < 20 and abs(b - bgr[0]) < 20 and abs(g - bgr[1]) < 20


def test_configurable_rate_and_clip_size(colour_mp4: Path) -> None:
    clips = list(sample_clips(colour_mp4, fps=4.0, max_frames=5))
    frames = _frames(clips)
    assert len(frames) == 24
    for k, f in enumerate(frames):
        assert abs(f.t - k * 0.25) <= 0.1 + 1e-9
        assert makers.read_index(f.rgb) == round(f.t * 10)
    assert [len(c.frames) for c in clips] == [5, 5, 5, 5, 4]
    assert [c.index for c in clips] == list(range(5))


def test_clips_tile_the_video(colour_mp4: Path) -> None:
    clips = list(sample_clips(colour_mp4, fps=2.0, max_frames=4))
    assert clips[0].start == 0.0
    for a, b in zip(clips, clips[1:], strict=False):
        assert a.end == b.start
        assert a.start <= a.frames[0].t and a.frames[-1].t < a.end
    assert abs(clips[-1].end - 6.0) < 1e-6
    assert all(not c.warnings for c in clips)


def test_short_video_is_one_clip(video_dir: Path) -> None:
    path = makers.colour_seconds(video_dir / "short.mp4", seconds=3, fps=10)
    clips = list(sample_clips(path))
    assert len(clips) == 1
    assert (clips[0].start, len(clips[0].frames)) == (0.0, 3)
    assert abs(clips[0].end - 3.0) < 1e-6


def test_large_frames_shrink_to_224_short_side(video_dir: Path) -> None:
    frames = [cv2.resize(makers.marked_frame(i, makers.PALETTE[i // 5]), (640, 480)) for i in range(10)]
    path = makers.write_video(video_dir / "vga.avi", frames, 5, "MJPG")
    clips = list(sample_clips(path))
    rgb = clips[0].frames[0].rgb
    assert rgb.shape == (224, 299, 3)
    assert makers.nearest_palette(makers.patch_colour(cv2.resize(rgb, (160, 120)))) == 0


def test_thumbnails_are_small_jpegs(video_dir: Path) -> None:
    frames = [cv2.resize(makers.marked_frame(i, makers.PALETTE[1]), (640, 480)) for i in range(5)]
    path = makers.write_video(video_dir / "thumbs.avi", frames, 5, "MJPG")
    frame = next(iter(sample_clips(path))).frames[0]
    assert frame.thumb[:2] == b"\xff\xd8"
    thumb = cv2.imdecode(np.frombuffer(frame.thumb, np.uint8), cv2.IMREAD_COLOR)
    assert thumb.shape[0] == 160 and abs(thumb.shape[1] - 213) <= 1
    # the thumbnail shows the same picture: the marker square is green (BGR order after imdecode)
    b, g, r = thumb[20:40, 20:40].reshape(-1, 3).mean(axis=0)
    assert g > 150 and r < 100 and b < 100


def test_avi_mjpeg_and_other_writers(video_dir: Path) -> None:
    writers = [("c.avi", "MJPG"), ("c.mkv", "FMP4"), ("c.wmv", "WMV2"), ("c.ts", "mp4v"), ("c.flv", "FLV1")]
    writers += [("c.mov", "mp4v"), ("c.m4v", "mp4v"), ("c.3gp", "mp4v"), ("c.webm", "VP80")]
    for name, fourcc in writers:
        path = makers.colour_seconds(video_dir / name, seconds=3, fps=10, fourcc=fourcc)
        frames = _frames(sample_clips(path))
        assert [makers.nearest_palette(makers.patch_colour(f.rgb)) for f in frames] == [0, 1, 2], name
        assert [makers.read_index(f.rgb) for f in frames] == [0, 10, 20], name
