"""Test videos with known content, written by PyAV (and edited by mp4edit where an encoder cannot)."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

#: A colour per second (BGR), distinct in hue so sampled frames can be told apart.
PALETTE = [
    (40, 40, 220),
    (40, 220, 40),
    (220, 40, 40),
    (40, 220, 220),
    (220, 40, 220),
    (220, 220, 40),
    (30, 120, 240),
    (240, 120, 30),
]
BITS = 8
W, H = 160, 120
BLOCK = W // BITS


def marked_frame(index: int, colour: tuple[int, int, int], background: int = 110) -> np.ndarray:
    """A BGR frame: a coloured square (top left) and the frame index in binary blocks along the bottom."""
    img = np.full((H, W, 3), background, np.uint8)
    img[10:60, 10:60] = colour
    for bit in range(BITS):
        on = (index >> bit) & 1
        img[H - BLOCK :, bit * BLOCK : (bit + 1) * BLOCK] = 255 if on else 0
    return img


def read_index(rgb: np.ndarray) -> int:
    """The frame index written by `marked_frame` (from an RGB or BGR frame of the original size)."""
    index = 0
    for bit in range(BITS):
        block = rgb[H - BLOCK + 4 : H - 4, bit * BLOCK + 4 : (bit + 1) * BLOCK - 4]
        if block.mean() > 128:
            index |= 1 << bit
    return index


def patch_colour(rgb: np.ndarray) -> np.ndarray:
    """Mean RGB colour of the marker square."""
    return rgb[20:50, 20:50].reshape(-1, 3).mean(axis=0)


def nearest_palette(rgb_colour: np.ndarray) -> int:
    """Index of the palette colour (given as BGR) closest to an RGB colour."""
    rgb_palette = np.array([c[::-1] for c in PALETTE], float)
    return int(np.argmin(((rgb_palette - rgb_colour) ** 2).sum(axis=1)))


#: OpenCV FourCCs the tests name, as PyAV encoders (and the pixel format each takes).
_ENCODERS = {
    "mp4v": ("mpeg4", "yuv420p"),
    "FMP4": ("mpeg4", "yuv420p"),
    "MJPG": ("mjpeg", "yuvj420p"),
    "WMV2": ("wmv2", "yuv420p"),
    "FLV1": ("flv", "yuv420p"),
    "VP80": ("libvpx", "yuv420p"),
    "MPEG": ("mpeg2video", "yuv420p"),
}


def write_video(
    path: Path,
    frames,
    fps: float,
    fourcc: str = "mp4v",
    key_interval: int | None = None,
    max_b_frames: int = 0,
) -> Path:
    """Write BGR frames with PyAV, a keyframe every `key_interval` frames (default: every second).

    A keyframe a second is what phones record; sampling at 1 fps then lands exactly on the targets.
    `fourcc` names the codec as OpenCV would (see _ENCODERS) or is a PyAV encoder name.
    """
    codec, pix_fmt = _ENCODERS.get(fourcc, (fourcc, "yuv420p"))
    frames = iter(frames)
    first = next(frames)
    h, w = first.shape[:2]
    with av.open(str(path), "w", format="mjpeg" if path.suffix == ".mjpeg" else None) as out:
        options = {"x264-params": "scenecut=0:log-level=none"} if codec == "libx264" else {}
        stream = out.add_stream(codec, rate=Fraction(fps).limit_denominator(1001), options=options)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        stream.codec_context.gop_size = key_interval or max(1, round(fps))
        stream.codec_context.max_b_frames = max_b_frames
        stream.bit_rate = 4_000_000
        for img in itertools.chain([first], frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="bgr24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def colour_seconds(path: Path, seconds: int = 6, fps: int = 10, fourcc: str = "mp4v") -> Path:
    """A video whose marker colour changes every second and whose frames carry their index."""
    frames = (marked_frame(i, PALETTE[(i // fps) % len(PALETTE)]) for i in range(seconds * fps))
    return write_video(path, frames, fps, fourcc)


def two_shots(path: Path, cut_frame: int, total: int, fps: int = 10) -> Path:
    """Two visibly different shots (each with motion inside) with a hard cut at frame `cut_frame`."""
    rng = np.random.default_rng(7)
    texture_a = rng.integers(0, 60, (H, W, 3), dtype=np.uint8)
    texture_b = rng.integers(0, 60, (H, W, 3), dtype=np.uint8)

    def frame(i: int) -> np.ndarray:
        if i < cut_frame:
            img = (texture_a + np.array([150, 90, 20], np.uint8)).astype(np.uint8)  # blue-ish shot
        else:
            img = (texture_b + np.array([20, 60, 180], np.uint8)).astype(np.uint8)  # red-ish shot
        x = (i * 7) % (W - 30)
        img[40:70, x : x + 30] = 230  # a moving object inside each shot
        return img

    return write_video(path, (frame(i) for i in range(total)), fps)
