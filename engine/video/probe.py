"""Open a video with OpenCV's FFmpeg backend and read what it is: duration, fps, size, rotation, codec.

Containers lie (frame count 0, -1 or wrong, fps wrong, variable frame rate); where the header is useless
the numbers come from decoding the stream instead. These functions run inside the decode worker
(engine.video.isolate); the public `probe` sends them there.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

import cv2

from engine.errors import CorruptVideoError, NotAVideoError, UnsupportedCodecError
from engine.video.sniff import classify_unopenable, container_kind
from engine.video.types import VideoInfo

log = logging.getLogger(__name__)

#: Refuse frames bigger than this (in either side or in area): 8K UHD decodes, far beyond it does not.
MAX_SIDE = 16384
MAX_PIXELS = 8192 * 8192
#: FFmpeg's own I/O timeouts (network mounts that stop answering); the worker's wall clock backs them up.
_IO_TIMEOUT_MS = 30_000
#: Containers without an index: their frame count and duration are estimates (from bitrate or headers).
_ESTIMATED_TIMING = {"mpeg", "mpeg-ts", "flv", "asf", "ogg", None}
#: An fps outside this range is a container lie.
_FPS_RANGE = (0.1, 1000.0)

_CODEC_NAMES = {
    "fmp4": "mpeg4",
    "mp4v": "mpeg4",
    "xvid": "mpeg4",
    "divx": "mpeg4",
    "dx50": "mpeg4",
    "avc1": "h264",
    "h264": "h264",
    "x264": "h264",
    "hev1": "hevc",
    "hvc1": "hevc",
    "hevc": "hevc",
    "mjpg": "mjpeg",
    "vp08": "vp8",
    "vp80": "vp8",
    "vp09": "vp9",
    "vp90": "vp9",
    "av01": "av1",
    "mpg1": "mpeg1video",
    "mpg2": "mpeg2video",
    "wmv2": "wmv2",
    "flv1": "flv1",
}


def open_capture(path: str | os.PathLike[str]) -> cv2.VideoCapture:
    """Open `path` for sequential decoding with auto-rotation off (frames are turned after shrinking).

    Raises the typed error `classify_unopenable` picks when FFmpeg refuses the file.
    """
    p = str(path)
    if not os.path.isfile(p):
        if os.path.exists(p):  # a folder, FIFO or device: never a library video (a pipe could block forever)
            raise NotAVideoError(f"{Path(p).name}: not a video (not a regular file).", path=p)
        raise NotAVideoError(f"{Path(p).name}: not a video (no such file).", path=p)
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, _IO_TIMEOUT_MS, cv2.CAP_PROP_READ_TIMEOUT_MSEC, _IO_TIMEOUT_MS]
    cap = cv2.VideoCapture(p, cv2.CAP_FFMPEG, params)
    if not cap.isOpened():
        cap.release()
        raise classify_unopenable(p)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 0)
    return cap


def codec_name(cap: cv2.VideoCapture) -> str:
    """The stream's codec as a short lower-case name ("h264", "mpeg4", "mjpeg", ...)."""
    code = int(cap.get(cv2.CAP_PROP_FOURCC)) & 0xFFFFFFFF
    tag = code.to_bytes(4, "little").decode("latin-1").strip("\x00 ").lower()
    return _CODEC_NAMES.get(tag, tag or "unknown")


def header_info(cap: cv2.VideoCapture, path: str) -> tuple[VideoInfo, bool]:
    """VideoInfo from the container's header, and whether its timing is exact (an indexed container).

    Where the header gives fps and frame count, the duration is their quotient even when only
    estimated; otherwise it is 0 (unknown).
    """
    raw_w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    raw_h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    check_size(raw_w, raw_h, path)
    rotation = int(round(cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0)) % 360
    rotation = rotation if rotation in (0, 90, 180, 270) else 0
    width, height = (raw_h, raw_w) if rotation in (90, 270) else (raw_w, raw_h)
    fps = cap.get(cv2.CAP_PROP_FPS)
    count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    fps_ok = math.isfinite(fps) and _FPS_RANGE[0] <= fps <= _FPS_RANGE[1]
    count_ok = math.isfinite(count) and count >= 1
    fps = fps if fps_ok else 0.0
    frame_count = int(count) if count_ok else 0
    duration = round(frame_count / fps, 6) if fps_ok and count_ok else 0.0
    exact = fps_ok and count_ok and container_kind(path) not in _ESTIMATED_TIMING
    info = VideoInfo(path, duration, fps, frame_count, width, height, rotation, codec_name(cap))
    return info, exact


def check_size(width: int, height: int, path: str) -> None:
    """Refuse frame sizes beyond the cap (and nonsense sizes) before any frame is decoded."""
    name = Path(path).name
    if width <= 0 or height <= 0:
        raise CorruptVideoError(f"{name}: file is truncated or corrupt (no frame size).", path=path)
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise UnsupportedCodecError(
            f"{name}: unsupported resolution {width}x{height} (the limit is {MAX_SIDE} px a side, "
            f"{MAX_PIXELS // 1_000_000} megapixels).",
            path=path,
        )


def frame_time(cap: cv2.VideoCapture) -> float:
    """Presentation time in seconds of the frame the last grab() decoded."""
    return round(cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0, 6)


def probe_in_process(path: str | os.PathLike[str]) -> VideoInfo:
    """Probe in this process: the header where its timing is exact, otherwise what the stream shows."""
    p = str(path)
    cap = open_capture(p)
    try:
        info, exact = header_info(cap, p)
        if exact:
            return info
        log.info(
            "%s: header timing not exact (fps %.3f, %d frames); reading the stream",
            p,
            info.fps,
            info.frame_count,
        )
    finally:
        cap.release()
    return measured_info(info)


def measured_info(info: VideoInfo) -> VideoInfo:
    """Count the video packets and find the last timestamp by demuxing alone (no decoding: fast)."""
    cap = open_capture(info.path)
    count = 0
    last_t = 0.0
    try:
        cap.set(cv2.CAP_PROP_FORMAT, -1)  # raw mode: grab() reads packets without decoding them
        while cap.grab():
            count += 1
            last_t = max(last_t, frame_time(cap))
    finally:
        cap.release()
    if count == 0:
        name = Path(info.path).name
        raise CorruptVideoError(
            f"{name}: file is truncated or corrupt (no frame could be read).", path=info.path
        )
    fps = info.fps or ((count - 1) / last_t if last_t > 0 and count > 1 else 25.0)
    # Raw packets come in decode order and may carry decode timestamps, which lag the presentation
    # times by the reorder delay: a constant-rate count is the better figure where it is larger.
    duration = round(max(last_t + 1.0 / fps, count / fps), 6)
    return VideoInfo(info.path, duration, fps, count, info.width, info.height, info.rotation, info.codec)
