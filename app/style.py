"""The style sheet (resources/styles/app.qss) filled with the system palette's colours."""

from __future__ import annotations

from string import Template

from PySide6.QtGui import QColor, QPalette

from engine.config import RESOURCES_DIR

STYLE_PATH = RESOURCES_DIR / "styles" / "app.qss"


def _mix(a: QColor, b: QColor, share_b: float) -> QColor:
    return QColor(
        round(a.red() * (1 - share_b) + b.red() * share_b),
        round(a.green() * (1 - share_b) + b.green() * share_b),
        round(a.blue() * (1 - share_b) + b.blue() * share_b),
    )


def is_dark(palette: QPalette) -> bool:
    """True when the palette's window is darker than its text (a dark theme)."""
    return (
        palette.color(QPalette.ColorRole.Window).lightness()
        < palette.color(QPalette.ColorRole.WindowText).lightness()
    )


def stylesheet(palette: QPalette) -> str:
    """The app's style sheet for `palette`."""
    r = QPalette.ColorRole
    text = palette.color(r.WindowText)
    window = palette.color(r.Window)
    accent = palette.color(r.Highlight)
    colors = {
        "text": text.name(),
        "muted": _mix(text, window, 0.4).name(),
        "window": window.name(),
        "base": palette.color(r.Base).name(),
        "mid": _mix(text, window, 0.78).name(),
        "accent": accent.name(),
        "accent_text": palette.color(r.HighlightedText).name(),
        "banner": _mix(window, accent, 0.12).name(),
    }
    return Template(STYLE_PATH.read_text(encoding="utf-8")).safe_substitute(colors)
