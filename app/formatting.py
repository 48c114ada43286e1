"""Human-readable times, ranges and rates for cards, the status bar and the clipboard."""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication


def format_time(seconds: float) -> str:
    """ "01:23" under an hour, "1:02:03" from an hour on; negative or NaN shows as "00:00"."""
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def format_range(start: float, end: float) -> str:
    """A clip's time range with an en dash: "01:23–01:35"."""
    return f"{format_time(start)}\u2013{format_time(end)}"


def format_eta(seconds: float | None) -> str:
    """ "about 3 min left" style; empty when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return ""
    if seconds < 60:
        return QCoreApplication.translate("Formatting", "about {n} s left").format(n=max(1, round(seconds)))
    if seconds < 3600:
        return QCoreApplication.translate("Formatting", "about {n} min left").format(n=round(seconds / 60))
    return QCoreApplication.translate("Formatting", "about {n} h left").format(n=f"{seconds / 3600:.1f}")


def format_score(score: float) -> str:
    """A cosine similarity as a short number ("0.312")."""
    return f"{score:.3f}"


def path_with_timestamp(path: str, seconds: float) -> str:
    """What "Copy path with timestamp" puts on the clipboard: "/videos/a.mp4 @ 01:23"."""
    return f"{path} @ {format_time(seconds)}"
