"""Every kind of bad input gives decoded frames plus a warning, or a typed error with a human reason."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import numpy as np
import pytest

from engine import errors
from engine.video import probe, sample_clips
from tests.engine.video import makers, mp4edit

#: No bad file may take longer than this to be answered (well under any timeout in the product).
QUICK_S = 10.0


def _answer(path: Path) -> tuple[list, BaseException | None]:
    """Sample `path`; return (clips, error). A hang would end in DecodeTimeoutError, which _expect refuses."""
    clips: list = []
    err: BaseException | None = None
    try:
        for clip in sample_clips(path, timeout_s=QUICK_S, stall_s=QUICK_S):
            clips.append(clip)
    except errors.VideoError as exc:
        err = exc
    return clips, err


def _expect(path: Path, cls: type[errors.VideoError], reason: str) -> None:
    clips, err = _answer(path)
    assert clips == []
    assert type(err) is cls, f"{path.name}: {err!r}"
    assert reason in str(err) and path.name in str(err)
    assert err.path == str(path)
    with pytest.raises(cls, match=reason):
        probe(path, timeout_s=QUICK_S)


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    _expect(path, errors.NotAVideoError, "not a video")


def test_random_bytes_with_video_extension(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    _expect(path, errors.NotAVideoError, "not a video")


def test_text_file_named_mkv(tmp_path: Path) -> None:
    path = tmp_path / "readme.mkv"
    path.write_text("These are my holiday notes, not a video.\n" * 50)
    _expect(path, errors.NotAVideoError, "not a video")


@pytest.mark.parametrize("name", ["voice.mp4", "voice.mkv"])
def test_audio_only_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.sin(np.arange(8000) / 5) * 8000).astype("<i2").tobytes())
    _expect(path, errors.NoVideoStreamError, "no video stream")


def test_mp4_with_only_a_sound_track(colour_mp4: Path, tmp_path: Path) -> None:
    path = tmp_path / "sound_only.m4v"
    path.write_bytes(mp4edit.set_handler(colour_mp4.read_bytes(), b"soun"))
    _expect(path, errors.NoVideoStreamError, "no video stream")


def test_mp4_truncated_without_its_index(colour_mp4: Path, tmp_path: Path) -> None:
    data = colour_mp4.read_bytes()  # OpenCV writes the index (moov) last: cutting the file loses it
    path = tmp_path / "cut_short.mp4"
    path.write_bytes(data[: len(data) // 2])
    _expect(path, errors.CorruptVideoError, "truncated or corrupt")


def test_mp4_truncated_with_its_index(colour_mp4: Path, tmp_path: Path) -> None:
    data = mp4edit.faststart(colour_mp4.read_bytes())  # index first, so a cut file still has it
    path = tmp_path / "cut_fast.mp4"
    path.write_bytes(data[: len(data) // 2])
    clips, err = _answer(path)
    assert err is None
    frames = [f for c in clips for f in c.frames]
    assert 1 <= len(frames) < 6
    for f in frames:
        assert makers.read_index(f.rgb) == round(f.t * 10)
    assert any("truncated" in w for w in clips[-1].warnings)
    assert clips[-1].end < 6.0


def test_avi_truncated(video_dir: Path, tmp_path: Path) -> None:
    data = makers.colour_seconds(video_dir / "whole.avi", seconds=6, fps=10, fourcc="MJPG").read_bytes()
    path = tmp_path / "cut.avi"
    path.write_bytes(data[: len(data) * 6 // 10])
    clips, err = _answer(path)
    assert err is None
    frames = [f for c in clips for f in c.frames]
    assert [makers.nearest_palette(makers.patch_colour(f.rgb)) for f in frames] == list(range(len(frames)))
    assert 2 <= len(frames) < 6
    assert "truncated" in " ".join(clips[-1].warnings)


def test_unsupported_codec(colour_mp4: Path, tmp_path: Path) -> None:
    path = tmp_path / "strange.mp4"
    path.write_bytes(mp4edit.set_codec(colour_mp4.read_bytes(), b"zzzz"))
    _expect(path, errors.UnsupportedCodecError, "the 'zzzz' codec is not supported by this build of Glimpse")


def test_resolution_beyond_the_cap(tmp_path: Path) -> None:
    frames = [np.zeros((16, 16400, 3), np.uint8)] * 2
    path = makers.write_video(tmp_path / "wide.avi", frames, 2, "MJPG")
    _expect(path, errors.UnsupportedCodecError, "unsupported resolution 16400x16")


def test_8k_video_is_sampled_small(tmp_path: Path) -> None:
    frames = [np.full((4320, 7680, 3), (30, 160, 60), np.uint8)] * 2
    path = makers.write_video(tmp_path / "8k.avi", frames, 1, "MJPG")
    clips, err = _answer(path)
    assert err is None
    rgb = clips[0].frames[0].rgb
    assert rgb.shape == (224, 398, 3)  # shrunk right after decoding
    assert abs(int(rgb[..., 1].mean()) - 160) < 8


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("named pipes need a POSIX system")
    path = tmp_path / "stream.ts"
    os.mkfifo(path)  # opening it for reading would block forever: no writer ever comes
    _expect(path, errors.NotAVideoError, "not a regular file")


def test_endless_device_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    path = tmp_path / "endless.ts"
    path.symlink_to("/dev/zero")  # an endless stream behind a video name
    _expect(path, errors.NotAVideoError, "not a regular file")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    _expect(tmp_path / "gone.mp4", errors.NotAVideoError, "no such file")
    folder = tmp_path / "folder.mp4"
    folder.mkdir()
    _expect(folder, errors.NotAVideoError, "not a regular file")


def test_avi_cut_off_inside_its_header_is_truncated_not_an_unsupported_codec(
    video_dir: Path, tmp_path: Path
) -> None:
    data = makers.colour_seconds(video_dir / "whole.avi", seconds=6, fps=10, fourcc="MJPG").read_bytes()
    path = tmp_path / "cut.avi"
    path.write_bytes(data[:3000])  # the stream headers survive, the frames and the index do not
    _expect(path, errors.CorruptVideoError, "truncated or corrupt")


@pytest.mark.parametrize("ext", [".jpg", ".png"])
def test_still_image_named_mp4_is_not_a_video(tmp_path: Path, ext: str) -> None:
    import cv2  # issue 14, item 8: FFmpeg reads a photo as a 0.04 s "video"; one still picture is not one

    photo = tmp_path / f"photo{ext}"
    cv2.imwrite(str(photo), makers.marked_frame(3, makers.PALETTE[2]))
    path = tmp_path / "holiday.mp4"
    path.write_bytes(photo.read_bytes())
    kind = "JPEG" if ext == ".jpg" else "PNG"
    _expect(path, errors.NotAVideoError, f"a single {kind} still image")


def test_mjpeg_video_is_not_mistaken_for_a_still(tmp_path: Path) -> None:
    path = makers.colour_seconds(tmp_path / "clip.avi", seconds=2, fps=10, fourcc="MJPG")
    clips, err = _answer(path)
    assert err is None and [f.t for c in clips for f in c.frames] == [0.0, 1.0]
