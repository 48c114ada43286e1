"""Group sampled frames into clips: at most `max_frames` each, cut where a shot changes.

Shot cuts are found by comparing the tiny HSV signatures of consecutive decoded frames: the samples,
and the reference frames decoded on the way to a sample that is not a keyframe (engine.video.sample):
a mean hue/saturation/value change above CUT_THRESHOLD between two of them, with their colour histograms
HIST_CUT_THRESHOLD apart, is a cut. The histogram test is there because decoded frames may be a whole
second apart: motion within a shot then moves pixels a lot (mean change 25-35 on a zooming fractal)
but leaves the mix of colours nearly as it was (0.15-0.21), while a hard cut changes both (0.86-0.96).
PySceneDetect's content detector uses the same kind of score, but it needs every frame decoded and
converted, which costs far more than the whole sampling pass (see docs/benchmarks.md). Keyframe-aware
sampling decodes fewer frames, so a cut is placed at the first decoded frame after it: within one
sampling interval (1 s at TeachCLIP's rate) on short-GOP footage, where only the samples are decoded,
and within half an interval where frames are decoded on the way to a sample. A clip's `end` is the
next clip's start (the cut, or its first frame) and the last clip ends at the video's end, so the clips
tile the video.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Generator, Iterator

import av
import av.container
import av.video.stream
import numpy as np

from engine.video.container import open_container, video_stream
from engine.video.frames import content_delta, histogram_delta
from engine.video.hwaccel import HardwareChoice, hardware_choice, mark_broken
from engine.video.plan import PacketIndex, Wanted, plan_samples
from engine.video.probing import (
    header_info,
    measured,
    no_frame_error,
    read_index,
    refuse_still_image,
)
from engine.video.sample import Decoded, DecodeStats, HardwareDecodeError, iter_decoded
from engine.video.types import Clip, VideoInfo

log = logging.getLogger(__name__)

#: Mean HSV change (0-255) between two checked frames that counts as a shot cut ...
CUT_THRESHOLD = 30.0
#: ... when their colour histograms are also this far apart (0-1; see frames.histogram_delta).
HIST_CUT_THRESHOLD = 0.35
#: Decoding that stops this far (seconds) before the header's duration is reported as truncation.
TRUNCATION_SLACK_S = 1.0
#: Containers whose seek to the start lands on the first packet (an index of every sample): the survey's
#: open is reused for decoding. Opening costs a decoded frame (FFmpeg's stream probing), 1 s of phone video.
_REWINDABLE = ("mov", "matroska")


class ClipBuilder:
    """Feeds on decoded frames in time order; hands back each clip once the next one has begun."""

    def __init__(self, max_frames: int, cut_threshold: float = CUT_THRESHOLD) -> None:
        self.max_frames = max_frames
        self.cut_threshold = cut_threshold
        self._current = Clip(index=0, start=0.0, end=0.0)
        self._prev_sig: np.ndarray | None = None
        self._cut_at: float | None = None

    def feed(self, d: Decoded) -> Clip | None:
        """Take one decoded frame; return the clip it closes, if any."""
        prev = self._prev_sig
        if (
            prev is not None
            and content_delta(prev, d.sig) >= self.cut_threshold
            and histogram_delta(prev, d.sig) >= HIST_CUT_THRESHOLD
        ):
            self._cut_at = d.t  # the first frame seen of the new shot
        self._prev_sig = d.sig
        if d.sample is None:
            return None
        done = None
        cur = self._current
        if cur.frames and (self._cut_at is not None or len(cur.frames) >= self.max_frames):
            boundary = self._cut_at if self._cut_at is not None else d.t
            cur.end = boundary
            done = cur
            self._current = Clip(index=cur.index + 1, start=boundary, end=boundary)
        self._cut_at = None
        self._current.frames.append(d.sample)
        return done

    def finish(self, end: float, warnings: list[str]) -> Clip | None:
        """Close the last clip at the video's `end`; None when no frame was ever sampled."""
        cur = self._current
        if not cur.frames:
            return None
        cur.end = max(end, cur.frames[-1].t)
        cur.warnings.extend(warnings)
        return cur


def decode_warnings(
    info: VideoInfo, header_exact: bool, damaged: bool, stats: DecodeStats, end: float
) -> list[str]:
    """Warnings for a file that holds less than its header promised, or lost frames."""
    warnings = list(stats.notes)
    short = header_exact and info.duration - end > max(TRUNCATION_SLACK_S, 0.02 * info.duration)
    if short or damaged:
        warnings.append(f"file is truncated or corrupt: decoded up to {end:.1f} s of {info.duration:.1f} s")
    if stats.failed:
        warnings.append(f"{stats.failed} frame(s) could not be decoded")
    return warnings


def _survey(path: str) -> tuple[VideoInfo, bool, PacketIndex, bool, av.container.InputContainer]:
    """Header and packet index (demux only): (info, header exact, index, ended in damage, the open file).

    The caller closes the returned container (or decodes from it: see `_rewound`).
    """
    container = open_container(path)
    try:
        stream = video_stream(container, path)
        info, exact = header_info(container, stream, path)
        index, damaged = read_index(container, stream)
        counted = measured(info, index)
        refuse_still_image(container, counted, len(index))
    except BaseException:
        container.close()
        raise
    # Rotation and transfer are left to the frames themselves (each carries them): no extra open here.
    return (info if exact else counted), exact, index, damaged, container


def _rewound(
    container: av.container.InputContainer, path: str, index: PacketIndex
) -> tuple[av.video.stream.VideoStream, Iterator[av.Packet]] | None:
    """The surveyed container back at its first video packet, with its packets; None where unsure.

    Only for containers that index every sample, and only when the first packet after the seek is the
    index's first (same time, same keyframe flag): anything else reopens the file.
    """
    if container.format.name.split(",")[0] not in _REWINDABLE or not len(index):
        return None
    stream = video_stream(container, path)  # the survey's stream: the same choice again
    try:
        container.seek(0)
        packets = (p for p in container.demux(stream) if p.size)
        first = next(packets)
    except (av.FFmpegError, StopIteration):
        return None
    t = first.pts if first.pts is not None else first.dts
    if t is None or int(t) != int(index.pts[0]) or bool(first.is_keyframe) != bool(index.key[0]):
        return None
    return stream, itertools.chain([first], packets)


def _decode_attempt(
    path: str,
    hardware: HardwareChoice | None,
    plan: list[Wanted],
    survey: tuple[VideoInfo, PacketIndex],
    fps: float,
    stats: DecodeStats,
    should_stop: Callable[[], bool] | None,
    reuse: av.container.InputContainer | None = None,
) -> Iterator[Decoded]:
    info, index = survey
    rewound = _rewound(reuse, path, index) if reuse is not None and hardware is None else None
    if reuse is not None and rewound is None:
        reuse.close()
    container = reuse if rewound is not None and reuse is not None else open_container(path, hardware)
    try:
        stream, packets = rewound if rewound is not None else (video_stream(container, path), None)
        yield from iter_decoded(
            container,
            stream,
            index=index,
            plan=plan,
            info=info,
            fps=fps,
            stats=stats,
            hardware=hardware is not None,
            should_stop=should_stop,
            packets=packets,
        )
    finally:
        container.close()


def iter_decoded_with_fallback(
    path: str,
    plan: list[Wanted],
    survey: tuple[VideoInfo, PacketIndex],
    fps: float,
    stats: DecodeStats,
    *,
    hardware: HardwareChoice | None,
    should_stop: Callable[[], bool] | None = None,
    reuse: av.container.InputContainer | None = None,
) -> Generator[Decoded, None, None]:
    """Decode on `hardware` first; on any error there, the rest of the plan in software (never a failure).

    `reuse`: the surveyed, still open file, decoded from (software) or closed here (hardware reopens).
    """
    last_t = -1.0
    if hardware is not None:
        if reuse is not None:
            reuse.close()
            reuse = None
        try:
            for d in _decode_attempt(path, hardware, plan, survey, fps, stats, should_stop):
                last_t = d.t
                yield d
            return
        except av.FFmpegError as err:  # the device would not open this file (or at all)
            if stats.fed == 0:
                mark_broken(hardware, err)
            log.info("%s: hardware decoding (%s) failed, using software: %s", path, hardware.device_type, err)
        except HardwareDecodeError as err:
            log.info("%s: hardware decoding (%s) failed, using software: %s", path, hardware.device_type, err)
        index = survey[1]
        plan = [w for w in plan if index.seconds(w.pts) > last_t]
        stats.fed = stats.decoded = stats.failed = 0  # software takes the rest of the plan afresh
    for d in _decode_attempt(path, None, plan, survey, fps, stats, should_stop, reuse):
        if d.t > last_t:
            yield d


def iter_clips_in_process(
    path: str | os.PathLike[str],
    fps: float,
    max_frames: int,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_info: Callable[[VideoInfo], None] | None = None,
    hardware: HardwareChoice | None | str = "auto",
) -> Iterator[Clip]:
    """Decode `path` in this process and yield its clips (the worker process runs this).

    Args:
        path: the video file.
        fps: sampled frames per second.
        max_frames: most frames per clip.
        should_stop: polled while decoding; True ends early (no further clips).
        on_info: called once with the probed VideoInfo before decoding starts.
        hardware: the hardware decoder to try first, None for software only, "auto" to pick one.

    Returns:
        An iterator of Clip in time order.
    """
    p = str(path)
    info, exact, index, damaged, surveyed = _survey(p)
    reuse = None if damaged else surveyed  # a damaged file's demuxer may be stuck at its error
    if damaged:
        surveyed.close()
    try:
        if on_info is not None:
            on_info(info)
        choice = hardware_choice() if hardware == "auto" else hardware
    except BaseException:
        surveyed.close()
        raise
    stats = DecodeStats()
    builder = ClipBuilder(max_frames)
    plan = plan_samples(index, fps)
    decoded = iter_decoded_with_fallback(
        p,
        plan,
        (info, index),
        fps,
        stats,
        hardware=choice if isinstance(choice, HardwareChoice) else None,
        should_stop=should_stop,
        reuse=reuse,
    )
    try:
        for d in decoded:
            clip = builder.feed(d)
            if clip is not None:
                yield clip
    finally:
        decoded.close()
        if reuse is not None:
            reuse.close()  # closing twice is harmless; here for a consumer gone before decoding began
    if should_stop is not None and should_stop():
        return
    end = index.end()
    if exact and abs(info.duration - end) <= max(TRUNCATION_SLACK_S, 0.02 * info.duration):
        end = max(end, info.duration)  # the header's duration, where the packets agree with it
    last = builder.finish(end, decode_warnings(info, exact, damaged, stats, end))
    if last is None:
        raise no_frame_error(info)
    if last.warnings:
        log.warning("%s: %s", p, "; ".join(last.warnings))
    yield last
