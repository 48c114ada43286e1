"""The public face of engine.video: `probe` and `sample_clips`, both decoding in a worker process."""

from __future__ import annotations

import os
from collections.abc import Iterator

from engine.config import DEFAULT_MAX_FRAMES, DEFAULT_SAMPLE_FPS
from engine.video.isolate import DEFAULT_STALL_S, DecoderPool, default_pool
from engine.video.types import Clip, VideoInfo

#: Probing reads a header (or, when the header lies, decodes the stream without converting pixels).
DEFAULT_PROBE_TIMEOUT_S = 120.0


def probe(
    path: str | os.PathLike[str], *, timeout_s: float | None = None, pool: DecoderPool | None = None
) -> VideoInfo:
    """Read what a video is: duration, fps, frame count, size, sample aspect, rotation, codec, transfer.

    Where the container's header is not exact (no frame count, estimated durations) the numbers come
    from demuxing the packets; the first frame is decoded for rotation and colour transfer. Runs in a
    worker process, so a hanging or crashing decoder cannot take the caller with it.

    Args:
        path: the video file.
        timeout_s: wall-clock limit in seconds (default DEFAULT_PROBE_TIMEOUT_S).
        pool: the decoder pool to use (default: the process-wide one).

    Returns:
        The VideoInfo; width and height are as displayed (after rotation).

    Raises:
        NotAVideoError (also for a single still image), NoVideoStreamError, CorruptVideoError,
        UnsupportedCodecError (naming the codec), DecodeTimeoutError, DecoderCrashedError (all
        engine.errors.VideoError) with a human reason.
    """
    limit = DEFAULT_PROBE_TIMEOUT_S if timeout_s is None else timeout_s
    return (pool or default_pool()).probe(os.fspath(path), timeout_s=limit)


def sample_clips(
    path: str | os.PathLike[str],
    fps: float = DEFAULT_SAMPLE_FPS,
    max_frames: int = DEFAULT_MAX_FRAMES,
    *,
    timeout_s: float | None = None,
    stall_s: float = DEFAULT_STALL_S,
    pool: DecoderPool | None = None,
) -> Iterator[Clip]:
    """Sample a video into clips of up to `max_frames` frames, cut at shot boundaries.

    For each target k / fps seconds the sample is a keyframe within half a sampling interval of it
    (decoded alone), else the frame nearest the target (decoded forward from the keyframe before it,
    non-reference frames skipped); see engine.video.plan. Each sample keeps its own presentation
    time. Frames are shrunk to a shorter side of about 224 px (never upscaled; the sample aspect ratio
    applied), turned upright by the rotation metadata, tone-mapped to SDR when HDR (PQ/HLG), and
    converted to RGB, each with a ~160 px JPEG thumbnail. Clips tile the video: each clip's end is the
    next one's start and the last ends at the video's end. Decoding runs in a worker process (on a
    hardware decoder first where one exists, software on any error) and streams back through a bounded
    queue; closing the iterator early stops the worker. A partly decodable file yields what decoded,
    with the last clip's `warnings` set.

    Args:
        path: the video file.
        fps: sampled frames per second of video (TeachCLIP: 1.0).
        max_frames: most frames per clip (TeachCLIP: 12).
        timeout_s: limit on decoding time in seconds, counting only time spent waiting for the
            decoder (not the consumer's); default: 60 s plus 2 s per second of video.
        stall_s: give up when the decoder shows no progress for this long.
        pool: the decoder pool to use (default: the process-wide one).

    Returns:
        An iterator of Clip in time order.

    Raises:
        NotAVideoError, NoVideoStreamError, CorruptVideoError, UnsupportedCodecError,
        DecodeTimeoutError ("timed out after N s"), DecoderCrashedError (engine.errors.VideoError).
    """
    if not fps > 0:
        raise ValueError(f"fps must be positive, not {fps}")
    if max_frames < 1:
        raise ValueError(f"max_frames must be at least 1, not {max_frames}")
    return (pool or default_pool()).clips(
        os.fspath(path), fps, max_frames, timeout_s=timeout_s, stall_s=stall_s
    )
