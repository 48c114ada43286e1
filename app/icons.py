"""The app's own SVG icons (resources/icons), tinted to the palette and sharp at any scale."""

from __future__ import annotations

import logging
from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from engine.config import RESOURCES_DIR

log = logging.getLogger(__name__)

ICONS_DIR = RESOURCES_DIR / "icons"
#: Pixel sizes rendered into each icon: 16-32 logical px at 100% and 200% scaling.
_SIZES = (16, 20, 24, 32, 40, 48, 64)


def icon_names() -> list[str]:
    """The names of every icon shipped in resources/icons."""
    return sorted(p.stem for p in ICONS_DIR.glob("*.svg"))


@lru_cache(maxsize=256)
def _svg_bytes(name: str, color: str) -> bytes:
    text = (ICONS_DIR / f"{name}.svg").read_text(encoding="utf-8")
    return text.replace("currentColor", color).encode("utf-8")


def render_icon(name: str, size: int, color: QColor | None = None) -> QImage:
    """Render one icon to an ARGB image of size x size pixels."""
    tint = (color or _text_color()).name()
    renderer = QSvgRenderer(QByteArray(_svg_bytes(name, tint)))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def icon(name: str, color: QColor | None = None) -> QIcon:
    """A QIcon of the named SVG, tinted (default: the palette's text colour), at several sizes."""
    result = QIcon()
    if not (ICONS_DIR / f"{name}.svg").exists():
        log.warning("missing icon %s", name)
        return result
    for size in _SIZES:
        result.addPixmap(QPixmap.fromImage(render_icon(name, size, color)))
    return result


def _text_color() -> QColor:
    app = QGuiApplication.instance()
    if app is None:
        return QColor("#303030")
    return QGuiApplication.palette().color(QPalette.ColorRole.ButtonText)
