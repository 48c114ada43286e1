"""A timeline strip: the whole video, the clip's range and its best moment marked, the playhead; click or
arrow keys to seek (Home goes to the best moment)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.formatting import format_range, format_time


class ClipTimeline(QWidget):
    """Draws [0, duration] with the clip's [start, end] in the accent colour and the playhead."""

    seek_requested = Signal(float)  # seconds

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration = 0.0
        self.clip_start = 0.0
        self.clip_end = 0.0
        self.best_t: float | None = None
        self.position = 0.0
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
        if self.best_t is None:
            self.setToolTip(self.tr("Clip {range}").format(range=format_range(start, end)))
        else:
            self.setToolTip(
                self.tr("Clip {range}, best moment {best}").format(
                    range=format_range(start, end), best=format_time(self.best_t)
                )
            )
        self.update()

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
        x = self.x_for(self.position)
        painter.setBrush(pal.color(QPalette.ColorRole.Text))
        painter.drawEllipse(QRectF(x - 5, self.height() / 2 - 5, 10, 10))
        if self.hasFocus():
            pen_color = QColor(pal.color(QPalette.ColorRole.Highlight))
            painter.setPen(pen_color)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        bar = self._bar()
        if self.duration > 0 and bar.width() > 0:
            share = (event.position().x() - bar.left()) / bar.width()
            self.seek_requested.emit(min(max(share, 0.0), 1.0) * self.duration)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = 5.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
        if event.key() == Qt.Key.Key_Left:
            self.seek_requested.emit(max(0.0, self.position - step))
        elif event.key() == Qt.Key.Key_Right:
            self.seek_requested.emit(min(self.duration, self.position + step))
        elif event.key() == Qt.Key.Key_Home:
            self.seek_requested.emit(self.clip_start if self.best_t is None else self.best_t)
        else:
            super().keyPressEvent(event)
