"""In and out handles on a timeline, shared by the preview's timeline and the export dialog's: which handle
a press grabs, and where a drag or a key puts the range (at least MIN_RANGE_S long, inside the video)."""

from __future__ import annotations

from enum import StrEnum

#: The shortest range the handles allow (seconds).
MIN_RANGE_S = 0.1


class Handle(StrEnum):
    IN = "in"
    OUT = "out"


def clamp_range(start: float, end: float, duration: float) -> tuple[float, float]:
    """[start, end] moved inside [0, duration], at least MIN_RANGE_S long where the video allows."""
    start = min(max(0.0, start), max(0.0, duration - MIN_RANGE_S))
    return start, min(max(end, start + MIN_RANGE_S), duration)


def grab(x: float, x_in: float, x_out: float, reach: float = float("inf")) -> Handle | None:
    """The handle nearer to a press at `x` (the in handle on a tie), or None when both are over `reach` px."""
    d_in, d_out = abs(x - x_in), abs(x - x_out)
    if min(d_in, d_out) > reach:
        return None
    return Handle.IN if d_in <= d_out else Handle.OUT


def moved(handle: Handle, t: float, start: float, end: float) -> tuple[float, float]:
    """The range after `handle` goes to time `t`; it stops MIN_RANGE_S short of the other handle."""
    if handle is Handle.IN:
        return min(t, end - MIN_RANGE_S), end
    return start, max(t, start + MIN_RANGE_S)
