"""Shot cuts split clips; rotation metadata is honoured; variable frame rates sample by timestamp."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.video import probe, sample_clips
from tests.engine.video import makers, mp4edit


def _shot(rgb: np.ndarray) -> str:
    """Which of the two shots of makers.two_shots a frame shows: 'a' (blue-ish) or 'b' (red-ish)."""
    r, _, b = rgb.reshape(-1, 3).mean(axis=0)
    return "a" if b > r else "b"


def test_cut_splits_clips_at_the_cut(cut_mp4: Path) -> None:
    clips = list(sample_clips(cut_mp4))
    assert len(clips) == 2
    first, second = clips
    # the cut is at 4.3 s; with a keyframe a second only the samples are decoded (keyframe-aware
    # sampling), so the boundary is the first decoded frame after the cut: within one sampling interval
    assert 4.3 <= first.end <= 5.0 + 1e-6
    assert second.start == first.end
    assert {_shot(f.rgb) for f in first.frames} == {"a"}
    assert {_shot(f.rgb) for f in second.frames} == {"b"}
    assert [round(f.t) for f in first.frames] == [0, 1, 2, 3, 4]
    assert abs(second.end - 9.0) < 1e-6


def test_cut_also_splits_full_clips(cut_mp4: Path) -> None:
    clips = list(sample_clips(cut_mp4, fps=2.0, max_frames=4))
    for clip in clips:
        assert len({_shot(f.rgb) for f in clip.frames}) == 1, "a clip straddles the cut"
        assert len(clip.frames) <= 4
    assert any(4.3 <= c.start <= 4.9 for c in clips)


def test_small_changes_are_not_cuts(colour_mp4: Path) -> None:
    # the marker square changes colour every second, the rest of the picture does not: one shot
    clips = list(sample_clips(colour_mp4))
    assert len(clips) == 1


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotation_metadata_is_honoured(video_dir: Path, degrees: int) -> None:
    src = makers.colour_seconds(video_dir / "upright_src.mp4", seconds=2, fps=10)
    path = video_dir / f"rot{degrees}.mp4"
    path.write_bytes(mp4edit.set_rotation(src.read_bytes(), degrees))

    info = probe(path)
    assert info.rotation == degrees
    assert (info.width, info.height) == ((120, 160) if degrees in (90, 270) else (160, 120))

    frames = [f for c in sample_clips(path) for f in c.frames]
    rgb = frames[1].rgb
    assert rgb.shape[:2] == (info.height, info.width)
    # undoing a clockwise turn restores the stored picture: marker colour and frame index readable again
    stored = np.rot90(rgb, k=degrees // 90)
    assert makers.read_index(stored) == 10
    assert makers.nearest_palette(makers.patch_colour(stored)) == 1
    # and the upright picture matches OpenCV's own auto-rotation of the same frame
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    cap.set(cv2.CAP_PROP_POS_FRAMES, 10)
    ok, ref = cap.read()
    cap.release()
    assert ok and ref.shape[:2] == rgb.shape[:2]
    assert np.abs(cv2.cvtColor(ref, cv2.COLOR_BGR2RGB).astype(int) - rgb.astype(int)).mean() < 6


def test_variable_frame_rate_samples_by_timestamp(video_dir: Path) -> None:
    src = makers.colour_seconds(video_dir / "vfr_src.mp4", seconds=6, fps=10)
    data = src.read_bytes()
    scale = mp4edit.media_timescale(data)
    # 20 frames at 10 fps, 20 at 20 fps, 20 at 5 fps: frame i's time is known exactly
    durations = [scale // 10] * 20 + [scale // 20] * 20 + [scale // 5] * 20
    times = np.concatenate([[0.0], np.cumsum(durations)[:-1] / scale])
    path = video_dir / "vfr.mp4"
    path.write_bytes(mp4edit.set_frame_durations(data, durations))

    info = probe(path)
    assert abs(info.duration - 7.0) < 1e-3 and info.frame_count == 60

    frames = [f for c in sample_clips(path) for f in c.frames]
    assert len(frames) == 7
    for k, f in enumerate(frames):
        index = makers.read_index(f.rgb)
        assert abs(f.t - times[index]) < 1e-3  # the timestamp is the kept frame's own
        nearest = int(np.argmin(np.abs(times - k)))
        assert index == nearest, f"second {k}: kept frame {index}, nearest is {nearest}"
