"""Group sampled frames into clips: at most `max_frames` each, cut where a shot changes.

Shot cuts are found by comparing the tiny HSV signatures of consecutive retrieved frames (the samples
and the check frames between them): a mean hue/saturation/value change above CUT_THRESHOLD between
two of them is a cut. PySceneDetect's content detector uses the same kind of score, but it needs every
frame converted, which costs far more than the whole sampling pass (see docs/benchmarks.md), so the
check runs on a few frames per second instead. A clip's `end` is the next clip's start (the cut, or its
first frame) and the last clip ends at the video's end, so the clips tile the video.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from engine.errors import CorruptVideoError
from engine.video.frames import content_delta
from engine.video.probe import header_info, open_capture
from engine.video.sample import Decoded, DecodeStats, iter_decoded
from engine.video.types import Clip, VideoInfo

log = logging.getLogger(__name__)

#: Mean HSV change (0-255) between two checked frames that counts as a shot cut.
CUT_THRESHOLD = 30.0
#: Decoding that stops this far (seconds) before the header's duration is reported as truncation.
TRUNCATION_SLACK_S = 1.0


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
        if self._prev_sig is not None and content_delta(self._prev_sig, d.sig) >= self.cut_threshold:
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


def decode_warnings(info: VideoInfo, header_exact: bool, stats: DecodeStats, end: float) -> list[str]:
    """Warnings for a pass that decoded less than the header promised or lost frames."""
    warnings = list(stats.notes)
    if header_exact and info.duration - end > max(TRUNCATION_SLACK_S, 0.02 * info.duration):
        warnings.append(f"file is truncated or corrupt: decoded up to {end:.1f} s of {info.duration:.1f} s")
    if stats.failed_retrieves:
        warnings.append(f"{stats.failed_retrieves} frame(s) could not be decoded")
    return warnings


def iter_clips_in_process(
    path: str | os.PathLike[str],
    fps: float,
    max_frames: int,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_info: Callable[[VideoInfo], None] | None = None,
) -> Iterator[Clip]:
    """Decode `path` in this process and yield its clips (the worker process runs this).

    Args:
        path: the video file.
        fps: sampled frames per second.
        max_frames: most frames per clip.
        should_stop: polled while decoding; True ends early (no further clips).
        on_info: called once with the header's VideoInfo before decoding starts.

    Returns:
        An iterator of Clip in time order.
    """
    p = str(path)
    cap = open_capture(p)
    try:
        info, exact = header_info(cap, p)
        if on_info is not None:
            on_info(info)
        stats = DecodeStats()
        builder = ClipBuilder(max_frames)
        for d in iter_decoded(
            cap, fps=fps, rotation=info.rotation, nominal_fps=info.fps, stats=stats, should_stop=should_stop
        ):
            clip = builder.feed(d)
            if clip is not None:
                yield clip
        if should_stop is not None and should_stop():
            return
        step = stats.frame_step or (1.0 / info.fps if info.fps else 0.0)
        end = stats.last_t + step
        if exact and abs(info.duration - end) <= max(TRUNCATION_SLACK_S, 0.02 * info.duration):
            end = max(end, info.duration)  # the header's duration, where decoding agrees with it
        last = builder.finish(end, decode_warnings(info, exact, stats, end))
        if last is None:
            raise CorruptVideoError(
                f"{Path(p).name}: file is truncated or corrupt (no frame could be decoded).", path=p
            )
        if last.warnings:
            log.warning("%s: %s", p, "; ".join(last.warnings))
        yield last
    finally:
        cap.release()
