"""A timeline with in and out handles: the part of a video to export, dragged with the mouse or the keys."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.formatting import format_range
from app.views.range_handles import MIN_RANGE_S, Handle, clamp_range, grab, moved

HANDLE_W = 8


class RangeTimeline(QWidget):
    """The whole video as a bar; the chosen [in, out] range highlighted between two handles."""

    range_changed = Signal(float, float)

    def __init__(self, duration: float, start: float, end: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = max(duration, end, MIN_RANGE_S)
        self.start, self.end = 0.0, self.duration
        self._dragging: Handle | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Clip range"))
        self.set_range(start, end)

    def sizeHint(self) -> QSize:
        return QSize(360, 32)

    def set_range(self, start: float, end: float) -> None:
        """Move the handles (clamped to the video, at least MIN_RANGE_S apart)."""
        start, end = clamp_range(start, end, self.duration)
        if (start, end) == (self.start, self.end):
            return
        self.start, self.end = start, end
        self.setToolTip(self.tr("Export {range}").format(range=format_range(start, end)))
        self.update()
        self.range_changed.emit(start, end)

    # --- geometry ---------------------------------------------------------------------------------
    def _track(self) -> QRectF:
        return QRectF(HANDLE_W, self.height() / 2 - 4, self.width() - 2 * HANDLE_W, 8)

    def x_of(self, t: float) -> float:
        """The x coordinate of time `t`."""
        track = self._track()
        return track.left() + track.width() * t / self.duration

    def _t_of(self, x: float) -> float:
        track = self._track()
        return (x - track.left()) / max(1.0, track.width()) * self.duration

    # --- input ------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._dragging = grab(event.position().x(), self.x_of(self.start), self.x_of(self.end))
        self.mouseMoveEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging is None:
            return
        self.set_range(*moved(self._dragging, self._t_of(event.position().x()), self.start, self.end))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Left/Right move the in point, with Shift the out point, by a tenth of a second."""
        step = {Qt.Key.Key_Left: -0.1, Qt.Key.Key_Right: 0.1}.get(Qt.Key(event.key()))
        if step is None:
            super().keyPressEvent(event)
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.set_range(self.start, self.end + step)
        else:
            self.set_range(self.start + step, self.end)

    # --- paint ------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        track = self._track()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(pal.color(QPalette.ColorRole.Mid))
        p.drawRoundedRect(track, 4, 4)
        chosen = QRectF(
            QPointF(self.x_of(self.start), track.top()), QPointF(self.x_of(self.end), track.bottom())
        )
        p.setBrush(pal.color(QPalette.ColorRole.Highlight))
        p.drawRect(chosen)
        p.setBrush(pal.color(QPalette.ColorRole.Text))
        for t in (self.start, self.end):
            p.drawRoundedRect(QRectF(self.x_of(t) - HANDLE_W / 2, 2, HANDLE_W, self.height() - 4), 3, 3)
