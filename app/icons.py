"""The app's own SVG icons (resources/icons), tinted to the palette and sharp at any scale."""

from __future__ import annotations

import logging
from functools import lru_cache

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from engine.config import RESOURCES_DIR

log = logging.getLogger(__name__)

ICONS_DIR = RESOURCES_DIR / "icons"


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


class TintedSvgIcon(QIconEngine):
    """Renders an SVG at the exact pixel size asked for, in the palette's colour for the icon's mode.

    Drawing on demand keeps icons sharp at any scale and lets them follow a light/dark palette change
    without rebuilding the widgets that show them.
    """

    def __init__(
        self, name: str, color: QColor | None = None, role: QPalette.ColorRole | None = None
    ) -> None:
        super().__init__()
        self.name = name
        self.color = color
        self.role = role  # the palette colour for the normal modes (default: button text)
        self._cache: dict[tuple[int, int, str], QPixmap] = {}

    def _tint(self, mode: QIcon.Mode) -> QColor:
        if self.color is not None:
            return self.color
        pal = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        if mode == QIcon.Mode.Selected:
            return pal.color(QPalette.ColorRole.HighlightedText)
        return pal.color(self.role if self.role is not None else QPalette.ColorRole.ButtonText)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        color = self._tint(mode).name()
        renderer = QSvgRenderer(QByteArray(_svg_bytes(self.name, color)))
        renderer.render(painter, QRectF(rect))

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        key = (size.width(), size.height(), f"{int(mode.value)}{self._tint(mode).name()}")
        cached = self._cache.get(key)
        if cached is None:
            image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.paint(painter, QRect(0, 0, size.width(), size.height()), mode, state)
            painter.end()
            cached = QPixmap.fromImage(image)
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def clone(self) -> QIconEngine:
        return TintedSvgIcon(self.name, self.color, self.role)


def icon(name: str, color: QColor | None = None, role: QPalette.ColorRole | None = None) -> QIcon:
    """A QIcon of the named SVG, tinted (default: the palette's button text, by mode), drawn at any size.

    `role` picks another palette colour that still follows theme changes, e.g. HighlightedText for an
    icon on an accent-coloured button.
    """
    if not (ICONS_DIR / f"{name}.svg").exists():
        log.warning("missing icon %s", name)
        return QIcon()
    return QIcon(TintedSvgIcon(name, color, role))


def _text_color() -> QColor:
    app = QGuiApplication.instance()
    if app is None:
        return QColor("#303030")
    return QGuiApplication.palette().color(QPalette.ColorRole.ButtonText)
