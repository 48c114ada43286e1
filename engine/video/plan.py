"""Keyframe-aware sampling plans: which frames to decode, worked out from the demuxed packets alone.

Demuxing reads packet headers (timestamps and keyframe flags) without decoding: milliseconds per minute of
video. From them, for each sampling target k / fps:
- a keyframe within half a sampling interval is the sample, decoded alone (the rest of its GOP is skipped);
- otherwise the frame nearest the target is decoded, forward from the keyframe before it, with
  non-reference frames skipped on the way (nothing refers to them).
Short-GOP footage (phones: a keyframe a second) then costs about a keyframes-only decode; long GOPs
(screen recordings, x264's default of 10 s) cost at most one forward decode per target.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction

import numpy as np


@dataclass(frozen=True)
class PacketIndex:
    """The video packets of a file in decode order: presentation timestamps and keyframe flags."""

    pts: np.ndarray  # int64, in the stream's time base; decode order
    key: np.ndarray  # bool
    time_base: Fraction
    origin: int  # pts of the first frame presented: time 0

    def __len__(self) -> int:
        return len(self.pts)

    def seconds(self, pts: int) -> float:
        """Seconds since the first presented frame."""
        return round(float((pts - self.origin) * self.time_base), 6)

    def presented(self) -> np.ndarray:
        """Timestamps in presentation order (unique)."""
        return np.unique(self.pts)

    def frame_step(self) -> float:
        """The typical time between two frames (median), in seconds; 0 when unknown."""
        shown = self.presented()
        if len(shown) < 2:
            return 0.0
        return float(np.median(np.diff(shown)) * self.time_base)

    def end(self) -> float:
        """Where the video ends: the last frame's time plus one frame step."""
        if not len(self.pts):
            return 0.0
        return round(self.seconds(int(self.pts.max())) + self.frame_step(), 6)


@dataclass(frozen=True)
class Wanted:
    """A frame to decode: its pts, its packet's position, and the packet decoding starts from."""

    pts: int
    packet: int  # decode-order position of this frame's packet
    start: int  # decode-order position decoding starts from (== packet: a keyframe decoded alone)


def _targets(index: PacketIndex, fps: float) -> list[float]:
    end = index.end()
    half_frame = 0.5 * index.frame_step()
    count = int(np.floor((end - half_frame) * fps + 1e-9)) + 1 if end > 0 else 1
    return [k / fps for k in range(max(1, count))]


def plan_samples(index: PacketIndex, fps: float) -> list[Wanted]:
    """The frames to decode for sampling at `fps`, in presentation order (one per target, no repeats).

    Args:
        index: the file's packets.
        fps: sampled frames per second.

    Returns:
        Wanted frames sorted by pts.
    """
    if not len(index):
        return []
    interval = 1.0 / fps
    position = {int(p): i for i, p in enumerate(index.pts)}  # pts -> its packet (the first, if repeated)
    shown = index.presented()
    shown_t = [index.seconds(int(p)) for p in shown]
    key_positions = np.flatnonzero(index.key)
    key_pts = sorted({int(index.pts[i]) for i in key_positions})
    key_t = [index.seconds(p) for p in key_pts]
    # Each keyframe belongs to the target nearest it; a target takes the nearest of its own keyframes.
    by_target: dict[int, int] = {}
    for p, t in zip(key_pts, key_t, strict=True):
        k = int(np.floor(t * fps + 0.5))
        if abs(t - k * interval) <= 0.5 * interval + 1e-9:
            best = by_target.get(k)
            if best is None or abs(t - k * interval) < abs(index.seconds(best) - k * interval):
                by_target[k] = p
    chosen: dict[int, Wanted] = {}
    for k, target in enumerate(_targets(index, fps)):
        if k in by_target:
            p = by_target[k]
            chosen.setdefault(p, Wanted(p, position[p], position[p]))
            continue
        j = bisect.bisect_left(shown_t, target)
        near = [i for i in (j - 1, j) if 0 <= i < len(shown)]
        p = int(shown[min(near, key=lambda i: abs(shown_t[i] - target))])
        packet = position[p]
        before = bisect.bisect_right(key_positions.tolist(), packet) - 1
        start = int(key_positions[before]) if before >= 0 else 0
        chosen.setdefault(p, Wanted(p, packet, start))
    return [chosen[p] for p in sorted(chosen)]


def fed_packets(plan: list[Wanted], count: int) -> np.ndarray:
    """Which packets (decode order) the decoder must see for `plan`: a bool per packet."""
    feed = np.zeros(count, bool)
    for w in plan:
        feed[w.start : w.packet + 1] = True
    return feed
