"""Probing (module named `probing`: `engine.video.probe` is the public function): what a video is, by PyAV.

Containers lie (frame count 0 or wrong, durations estimated from the bitrate, variable frame rates);
where the header is not exact the numbers come from demuxing the packets (no decoding: fast). The
first frame is decoded for what only frames carry (the display matrix's rotation, the colour transfer)
and to tell a video from a single still picture behind a video name. These functions run inside the
decode worker (engine.video.isolate); the public `probe` sends them there.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.video.stream
import numpy as np

from engine.errors import CorruptVideoError, UnsupportedCodecError
from engine.video.container import (
    STILL_CODECS,
    is_image_demuxer,
    open_container,
    still_image_error,
    video_stream,
)
from engine.video.frames import frame_rotation
from engine.video.plan import PacketIndex
from engine.video.tonemap import transfer_name
from engine.video.types import VideoInfo

log = logging.getLogger(__name__)

#: Refuse frames bigger than this (in either side or in area): 8K UHD decodes, far beyond it does not.
MAX_SIDE = 16384
MAX_PIXELS = 8192 * 8192
#: Containers whose headers give exact frame counts and durations (an index of every sample).
_EXACT_TIMING = ("mov", "mp4", "avi")
#: An fps outside this range is a container lie.
_FPS_RANGE = (0.1, 1000.0)
_NO_PTS = -(2**62)


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


def read_index(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[PacketIndex, bool]:
    """Demux every video packet (no decoding): the PacketIndex, and whether the file ended in damage.

    A packet without a presentation time takes its decode time; one with neither is kept (decoders
    may need it) under a sentinel time no sample ever asks for.
    """
    pts: list[int] = []
    key: list[bool] = []
    damaged = False
    try:
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            t = packet.pts if packet.pts is not None else packet.dts
            pts.append(_NO_PTS if t is None else int(t))
            key.append(bool(packet.is_keyframe))
            if should_stop is not None and len(pts) % 256 == 0 and should_stop():
                break
    except av.FFmpegError as err:  # a cut-off or damaged file: what was read stays usable
        log.info("%s: demuxing stopped after %d packets: %s", container.name, len(pts), err)
        damaged = True
    times = np.array(pts, np.int64)
    known = times[times != _NO_PTS]
    origin = int(known.min()) if len(known) else 0
    time_base = stream.time_base or Fraction(1, 90000)
    return PacketIndex(times, np.array(key, bool), time_base, origin), damaged


def _rate(stream: av.video.stream.VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and _FPS_RANGE[0] <= float(rate) <= _FPS_RANGE[1]:
            return float(rate)
    return 0.0


def header_info(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, path: str
) -> tuple[VideoInfo, bool]:
    """VideoInfo from the container's header (rotation and transfer unknown yet), and whether it is exact."""
    cc = stream.codec_context
    check_size(cc.width, cc.height, path)
    fps = _rate(stream)
    count = stream.frames if stream.frames and stream.frames > 0 else 0
    duration = 0.0
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / 1_000_000
    if not math.isfinite(duration) or duration < 0:
        duration = 0.0
    exact = bool(count and duration and fps) and container.format.name.split(",")[0] in _EXACT_TIMING
    if exact and container.format.name.startswith("avi"):
        duration = count / fps  # AVI's header counts frames at a constant rate
    sar = float(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else 1.0
    info = VideoInfo(
        path, round(duration, 6), fps, count, cc.width, cc.height, 0, cc.name, sample_aspect=sar or 1.0
    )
    return info, exact


def with_first_frame(info: VideoInfo, frame: av.VideoFrame) -> VideoInfo:
    """The info completed from a decoded frame: rotation (display matrix) and colour transfer."""
    rotation = frame_rotation(frame)
    width, height = (info.height, info.width) if rotation in (90, 270) else (info.width, info.height)
    return VideoInfo(
        info.path,
        info.duration,
        info.fps,
        info.frame_count,
        width,
        height,
        rotation,
        info.codec,
        sample_aspect=info.sample_aspect,
        transfer=transfer_name(frame.color_trc),
    )


def measured(info: VideoInfo, index: PacketIndex) -> VideoInfo:
    """The info with frame count, duration and (if missing) fps measured from the packets."""
    if not len(index):
        raise CorruptVideoError(
            f"{Path(info.path).name}: file is truncated or corrupt (no frame could be read).", path=info.path
        )
    step = index.frame_step()
    fps = info.fps or (1.0 / step if step > 0 else 25.0)
    duration = index.end() if step > 0 else round(len(index) / fps, 6)
    return VideoInfo(
        info.path,
        duration,
        fps,
        len(index),
        info.width,
        info.height,
        info.rotation,
        info.codec,
        info.sample_aspect,
        info.transfer,
    )


def first_frame(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> av.VideoFrame | None:
    """Decode frames until the first one comes out; None when none does."""
    try:
        for frame in container.decode(stream):
            return frame
    except av.FFmpegError as err:
        log.info("%s: no first frame: %s", container.name, err)
    return None


def refuse_still_image(container: av.container.InputContainer, info: VideoInfo, packets: int) -> None:
    """A single still picture (a JPEG or PNG named .mp4) is not a video."""
    if is_image_demuxer(container) or (packets <= 1 and info.codec in STILL_CODECS):
        raise still_image_error(info.path, info.codec)


def probe_in_process(path: str) -> VideoInfo:
    """Probe in this process: the header where its timing is exact, otherwise what the packets show."""
    container = open_container(path)
    try:
        stream = video_stream(container, path)
        info, exact = header_info(container, stream, path)
        if not exact or is_image_demuxer(container):
            log.info(
                "%s: header timing not exact (fps %.3f, %d frames); demuxing",
                path,
                info.fps,
                info.frame_count,
            )
            index, _ = read_index(container, stream)
            info = measured(info, index)
            refuse_still_image(container, info, len(index))
    finally:
        container.close()
    return complete(info)


def complete(info: VideoInfo) -> VideoInfo:
    """Decode the first frame (a fresh open) for rotation and transfer; typed error when nothing decodes."""
    container = open_container(info.path)
    try:
        stream = video_stream(container, info.path)
        frame = first_frame(container, stream)
        if frame is None:
            raise no_frame_error(info)
        return with_first_frame(info, frame)
    finally:
        container.close()


def no_frame_error(info: VideoInfo) -> CorruptVideoError | UnsupportedCodecError:
    """Nothing decoded: corrupt, unless the codec is one this build cannot decode without hardware."""
    name = Path(info.path).name
    if info.codec in ("av1",) and "libdav1d" not in av.codecs_available:
        return UnsupportedCodecError(
            f"{name}: unsupported codec: the AV1 codec is not supported by this build of Glimpse.",
            path=info.path,
        )
    return CorruptVideoError(
        f"{name}: file is truncated or corrupt (no frame could be decoded).", path=info.path
    )
