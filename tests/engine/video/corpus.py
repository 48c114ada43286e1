"""A tiny file of every codec a library holds, encoded by PyAV's bundled FFmpeg (3 s, low resolution)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from tests.engine.video import makers

os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1's banner on stderr: errors only


@dataclass(frozen=True)
class Kind:
    """One corpus file: its name, encoder, container and the stream settings it needs."""

    name: str
    codec: str
    pix_fmt: str
    size: tuple[int, int] = (makers.W, makers.H)
    fps: int = 10
    gop: int = 10
    b_frames: int = 0
    format: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    container_options: dict[str, str] = field(default_factory=dict)
    tag: str | None = None


KINDS = [
    Kind("h264.mp4", "libx264", "yuv420p", gop=25, b_frames=2),
    Kind(
        "hevc_hlg10.mp4",
        "libx265",
        "yuv420p10le",
        gop=10,
        options={"x265-params": "log-level=none:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc"},
    ),
    Kind("av1.mp4", "libsvtav1", "yuv420p", size=(192, 128), gop=10, options={"preset": "12"}),
    Kind("vp9.webm", "libvpx-vp9", "yuv420p", gop=10, options={"deadline": "realtime", "cpu-used": "8"}),
    Kind("prores.mov", "prores_ks", "yuv422p10le"),
    Kind("xvid.avi", "mpeg4", "yuv420p", gop=12, b_frames=2, tag="XVID"),
    Kind("divx.divx", "mpeg4", "yuv420p", gop=12, format="avi", tag="DX50"),
    Kind("wmv.wmv", "wmv2", "yuv420p"),
    Kind("flash.flv", "flv", "yuv420p"),
    Kind("h263.3gp", "h263", "yuv420p", size=(176, 144)),
    Kind("mpeg2.ts", "mpeg2video", "yuv420p", gop=12, b_frames=2),
    Kind("dvd.vob", "mpeg2video", "yuv420p", size=(352, 288), fps=25, gop=12, b_frames=2, format="vob"),
    Kind(
        "avchd.mts",
        "libx264",
        "yuv420p",
        size=(320, 240),
        fps=25,
        gop=25,
        b_frames=2,
        format="mpegts",
        options={"flags": "+ildct+ilme", "x264-params": "interlaced=1:tff=1"},
        container_options={"mpegts_m2ts_mode": "1"},
    ),
    Kind("camcorder.dv", "dvvideo", "yuv420p", size=(720, 576), fps=25, gop=1, format="dv"),
    Kind("motion.avi", "mjpeg", "yuvj420p", gop=1),
]


def frame_for(i: int, kind: Kind) -> np.ndarray:
    """The marked frame (colour of its second, index in binary) at the corpus file's size."""
    img = makers.marked_frame(i, makers.PALETTE[(i // kind.fps) % len(makers.PALETTE)])
    if kind.size != (makers.W, makers.H):
        img = cv2.resize(img, kind.size, interpolation=cv2.INTER_NEAREST)
    return img


def write(folder: Path, kind: Kind, seconds: int = 3) -> Path:
    """Encode the corpus file `kind` into `folder`."""
    path = folder / kind.name
    if path.exists():
        return path
    with av.open(str(path), "w", format=kind.format, options=kind.container_options) as out:
        stream = out.add_stream(kind.codec, rate=Fraction(kind.fps), options=kind.options)
        stream.width, stream.height = kind.size
        stream.pix_fmt = kind.pix_fmt
        stream.codec_context.gop_size = kind.gop
        stream.codec_context.max_b_frames = kind.b_frames
        if kind.tag:
            stream.codec_tag = kind.tag
        if kind.codec not in ("libx264", "libx265", "libsvtav1", "libvpx-vp9", "prores_ks", "dvvideo"):
            stream.bit_rate = 2_000_000
        for i in range(seconds * kind.fps):
            frame = av.VideoFrame.from_ndarray(frame_for(i, kind), format="bgr24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path
