"""Open a video with PyAV and read its stream: typed errors for every file that is not a playable video.

FFmpeg (bundled in PyAV's wheel) opens the container; what it refuses is classified by engine.video.sniff
(not a video, no video stream, damaged), and a stream it has no decoder for is "unsupported", named,
never "corrupt". These functions run inside the decode worker (engine.video.isolate).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import av
import av.container
import av.video.stream

from engine.errors import NotAVideoError, NoVideoStreamError
from engine.video.hwaccel import HardwareChoice
from engine.video.sniff import audio_only_kind, classify_unopenable, codec_tag, unsupported_codec

log = logging.getLogger(__name__)

#: FFmpeg's I/O timeouts in seconds (network mounts that stop answering); the worker's clock backs them up.
_IO_TIMEOUT_S = 30.0

#: Demuxers that read one still picture (a JPEG or PNG named .mp4): such a file is not a video.
_IMAGE_DEMUXERS = ("image2", "_pipe")
#: Codecs of still pictures: one frame of these is a photo, not a video.
STILL_CODECS = frozenset({"mjpeg", "png", "bmp", "gif", "webp", "tiff", "jpeg2000", "jpegxl", "qoi", "apng"})


def _name(path: str) -> str:
    return Path(path).name


def check_regular_file(path: str) -> None:
    """Refuse folders, FIFOs, devices and missing files before FFmpeg opens them (a pipe may block)."""
    if not os.path.isfile(path):
        if os.path.exists(path):
            raise NotAVideoError(f"{_name(path)}: not a video (not a regular file).", path=path)
        raise NotAVideoError(f"{_name(path)}: not a video (no such file).", path=path)


def open_container(path: str, hardware: HardwareChoice | None = None) -> av.container.InputContainer:
    """Open `path` for reading, on the hardware decoder `hardware` names when given.

    Raises the typed error `classify_unopenable` picks when FFmpeg refuses the file.
    """
    check_regular_file(path)
    kwargs: dict[str, Any] = {"timeout": (_IO_TIMEOUT_S, _IO_TIMEOUT_S)}
    if hardware is not None:
        kwargs["hwaccel"] = hardware.hwaccel()
    try:
        container = av.open(path, "r", **kwargs)
    except av.FFmpegError as err:
        if hardware is not None:
            raise  # the caller falls back to software; the file may be fine
        log.debug("%s: FFmpeg cannot open it: %s", path, err)
        raise classify_unopenable(path) from None
    if not isinstance(container, av.container.InputContainer):  # pragma: no cover - mode "r" gives input
        container.close()
        raise NotAVideoError(f"{_name(path)}: not a video.", path=path)
    return container


def video_stream(container: av.container.InputContainer, path: str) -> av.video.stream.VideoStream:
    """The file's main video stream, set up for threaded decoding; typed errors where there is none."""
    streams = [s for s in container.streams.video if not (s.disposition & av.stream.Disposition.attached_pic)]
    if not streams:
        container.close()
        if container.streams.video:
            raise NotAVideoError(f"{_name(path)}: not a video (only a cover picture).", path=path)
        audio = audio_only_kind(path) or ("audio" if container.streams.audio else "no picture")
        raise NoVideoStreamError(f"{_name(path)}: no video stream (the file holds {audio}).", path=path)
    stream = streams[0]
    if stream.codec_context is None:
        container.close()
        raise unsupported_codec(path, codec_tag(path))
    stream.codec_context.thread_type = "AUTO"
    return stream


def is_image_demuxer(container: av.container.InputContainer) -> bool:
    """True when FFmpeg read the file as a still picture (image2, jpeg_pipe, png_pipe, ...)."""
    names = container.format.name.split(",")
    return any(n == "image2" or n.endswith(_IMAGE_DEMUXERS[1]) for n in names)


def still_image_error(path: str, codec: str) -> NotAVideoError:
    """The error for a single still picture behind a video name."""
    kind = {"mjpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WebP", "bmp": "BMP", "tiff": "TIFF"}
    label = kind.get(codec, codec.upper())
    return NotAVideoError(f"{_name(path)}: not a video (a single {label} still image).", path=path)
