"""Frames by timestamp: one sequential pass with grab(), pixels retrieved only for the frames kept.

Every decoded frame's presentation time decides whether it is kept: the first frame at or past each
sampling target (k / fps seconds) becomes a sampled frame. Between two samples a few extra "check"
frames are retrieved and reduced to a tiny signature so shot cuts can be found without converting
every frame (see engine.video.clips).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from engine.video.frames import shrink, signature, upright_rgb
from engine.video.probe import frame_time
from engine.video.thumbs import make_thumb
from engine.video.types import SampledFrame

#: Signatures taken per sampling interval (the sample itself plus evenly spaced checks between samples).
CHECKS_PER_SAMPLE = 2


@dataclass
class Decoded:
    """One retrieved frame: its time, its cut-check signature and, when it is a sampled frame, the sample."""

    t: float
    sig: np.ndarray
    sample: SampledFrame | None = None


@dataclass
class DecodeStats:
    """What one pass saw: frames decoded, the last timestamp, frames that failed to convert."""

    grabbed: int = 0
    retrieved: int = 0
    failed_retrieves: int = 0
    last_t: float = 0.0
    frame_step: float = 0.0  # time between the last two decoded frames
    notes: list[str] = field(default_factory=list)


class _Schedule:
    """Targets k * step; a frame is due when its time is within half a frame of the next target."""

    def __init__(self, step: float, tolerance: float) -> None:
        self.step = step
        self.tolerance = tolerance
        self.k = 0

    def due(self, t: float) -> bool:
        return t + self.tolerance >= self.k * self.step

    def advance(self, t: float) -> None:
        # Skip targets a gap in the stream (variable frame rate, dropped frames) already passed.
        self.k = max(self.k + 1, math.floor((t + self.tolerance) / self.step) + 1)


def iter_decoded(
    cap: cv2.VideoCapture,
    *,
    fps: float,
    rotation: int,
    nominal_fps: float,
    stats: DecodeStats,
    should_stop: Callable[[], bool] | None = None,
    checks_per_sample: int = CHECKS_PER_SAMPLE,
) -> Iterator[Decoded]:
    """Decode `cap` once from its current position, yielding sampled frames and cut-check signatures.

    Args:
        cap: an opened capture (auto-rotation off).
        fps: sampled frames per second of video.
        rotation: degrees clockwise to turn frames upright.
        nominal_fps: the stream's frame rate as far as known (0 when unknown): sets the half-frame tolerance.
        stats: filled in while decoding.
        should_stop: polled between frames; True ends the pass early.
        checks_per_sample: signatures per sampling interval, the sample included (>= 1).

    Returns:
        An iterator of Decoded, in presentation order.
    """
    nominal_step = 1.0 / nominal_fps if nominal_fps > 0 else 0.04
    interval = 1.0 / fps
    samples = _Schedule(interval, 0.5 * nominal_step)
    checks = _Schedule(interval / max(1, checks_per_sample), 0.5 * nominal_step)
    prev_t = -1.0
    while cap.grab():
        stats.grabbed += 1
        t = frame_time(cap)
        if not math.isfinite(t) or t <= prev_t:  # a missing or repeated timestamp: assume one frame on
            t = prev_t + nominal_step if prev_t >= 0 else 0.0
        if prev_t >= 0:
            # Within half a frame of a target counts as on it; the local frame step (variable frame
            # rate) decides what half a frame is, so the frame nearest the target is the one kept.
            stats.frame_step = t - prev_t
            samples.tolerance = checks.tolerance = 0.5 * min(stats.frame_step, nominal_step)
        prev_t = t
        stats.last_t = t
        if should_stop is not None and stats.grabbed % 8 == 0 and should_stop():
            return
        if not checks.due(t):
            continue
        checks.advance(t)
        ok, bgr = cap.retrieve()
        if not ok or bgr is None:
            stats.failed_retrieves += 1
            continue
        stats.retrieved += 1
        decoded = Decoded(t, signature(bgr))  # check frames are never shrunk: only samples need pixels
        if samples.due(t):
            samples.advance(t)
            rgb = upright_rgb(shrink(bgr), rotation)
            decoded.sample = SampledFrame(t=t, rgb=rgb, thumb=make_thumb(rgb))
        yield decoded
