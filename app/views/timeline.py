"""A timeline strip: the whole video, the clip's range and its best moment marked, the playhead; click or
arrow keys to seek (Home goes to the best moment). In and out handles (the range "Export clip…" starts
with) start at the clip's range; drag them, or press I / O to put them at the playhead."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.formatting import format_range, format_time
from app.views.range_handles import MIN_RANGE_S, Handle, clamp_range, grab, moved

#: How near (px) a press must be to a handle to drag it rather than seek.
HANDLE_REACH = 6.0


class ClipTimeline(QWidget):
    """Draws [0, duration] with the clip's [start, end] in the accent colour and the playhead."""

    seek_requested = Signal(float)  # seconds
    range_changed = Signal(float, float)  # the in and out points

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = 0.0
        self.clip_start = 0.0
        self.clip_end = 0.0
        self.best_t: float | None = None
        self.position = 0.0
        self.in_point = self.out_point = 0.0
        self._dragging: Handle | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(self.tr("Timeline"))

    def sizeHint(self) -> QSize:
        return QSize(240, 22)

    def set_clip(self, duration: float, start: float, end: float, best_t: float | None = None) -> None:
        """Show a video of `duration` seconds with the clip [start, end] and its best moment marked."""
        self.duration = max(duration, end, 0.0)
        self.clip_start, self.clip_end = start, end
        self.best_t = None if best_t is None else min(max(best_t, start), end)
        self.position = start
        self.in_point = self.out_point = -1.0  # so that set_range always tells
        self.set_range(start, end)

    def set_range(self, start: float, end: float) -> None:
        """Move the in and out handles (clamped to the video, at least MIN_RANGE_S apart)."""
        start, end = clamp_range(start, end, self.duration)
        if (start, end) == (self.in_point, self.out_point):
            return
        self.in_point, self.out_point = start, end
        self._set_tooltip()
        self.update()
        self.range_changed.emit(start, end)

    def _set_tooltip(self) -> None:
        start, end = self.clip_start, self.clip_end
        if self.best_t is None:
            tip = self.tr("Clip {range}").format(range=format_range(start, end))
        else:
            tip = self.tr("Clip {range}, best moment {best}").format(
                range=format_range(start, end), best=format_time(self.best_t)
            )
        if self.duration > 0:
            tip += "\n" + self.tr(
                "Export {range}: drag the handles, or press I / O to set the in / out point at the playhead"
            ).format(range=format_range(self.in_point, self.out_point))
        self.setToolTip(tip)

    def set_position(self, seconds: float) -> None:
        """Move the playhead."""
        self.position = seconds
        self.update()

    def x_for(self, seconds: float) -> float:
        """Widget x coordinate of a time (exposed for tests)."""
        bar = self._bar()
        if self.duration <= 0:
            return bar.left()
        return bar.left() + bar.width() * min(max(seconds / self.duration, 0.0), 1.0)

    def _bar(self) -> QRectF:
        return QRectF(6, self.height() / 2 - 3, max(1, self.width() - 12), 6)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        bar = self._bar()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(bar, 3, 3)
        if self.duration > 0 and self.clip_end > self.clip_start:
            x0, x1 = self.x_for(self.clip_start), self.x_for(self.clip_end)
            painter.setBrush(pal.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(QRectF(x0, bar.top() - 2, max(2.0, x1 - x0), bar.height() + 4), 2, 2)
        if self.duration > 0 and self.best_t is not None:
            # The best moment: a tick across the bar in the text colour, above the range's accent.
            bx = self.x_for(self.best_t)
            painter.setBrush(pal.color(QPalette.ColorRole.HighlightedText))
            painter.drawRect(QRectF(bx - 1.5, bar.top() - 5, 3, bar.height() + 10))
        painter.setBrush(pal.color(QPalette.ColorRole.Text))
        if self.duration > 0:
            for t in (self.in_point, self.out_point):  # the in and out handles: thin bars, full height
                painter.drawRoundedRect(QRectF(self.x_for(t) - 1.5, 1, 3, self.height() - 2), 1, 1)
        x = self.x_for(self.position)
        painter.drawEllipse(QRectF(x - 5, self.height() / 2 - 5, 10, 10))
        if self.hasFocus():
            pen_color = QColor(pal.color(QPalette.ColorRole.Highlight))
            painter.setPen(pen_color)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()

    def _t_at(self, x: float) -> float:
        bar = self._bar()
        return min(max((x - bar.left()) / bar.width(), 0.0), 1.0) * self.duration

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Near a handle: drag it (the preview follows it); elsewhere: seek."""
        if self.duration <= 0:
            return
        x = event.position().x()
        self._dragging = grab(x, self.x_for(self.in_point), self.x_for(self.out_point), HANDLE_REACH)
        self.mouseMoveEvent(event)
        if self._dragging is None:
            self.seek_requested.emit(self._t_at(x))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging is None:
            return
        t = self._t_at(event.position().x())
        self.set_range(*moved(self._dragging, t, self.in_point, self.out_point))
        self.seek_requested.emit(self.in_point if self._dragging is Handle.IN else self.out_point)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._dragging = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = 5.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
        if event.key() == Qt.Key.Key_Left:
            self.seek_requested.emit(max(0.0, self.position - step))
        elif event.key() == Qt.Key.Key_Right:
            self.seek_requested.emit(min(self.duration, self.position + step))
        elif event.key() == Qt.Key.Key_Home:
            self.seek_requested.emit(self.clip_start if self.best_t is None else self.best_t)
        elif event.key() == Qt.Key.Key_I and self.duration > 0:
            self.set_range(self.position, max(self.out_point, self.position))
        elif event.key() == Qt.Key.Key_O and self.duration > 0:
            self.set_range(min(self.in_point, self.position - MIN_RANGE_S), self.position)
        else:
            super().keyPressEvent(event)
