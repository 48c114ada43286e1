"""Paints a result card: name, best moment and range, folder, score, and a filmstrip showing why it matched.

Outlines, the fading of the other frames and the corner badge follow each frame's relevance to the query
(every model, zero-shot included); where a trained head exists, its AFA weights are drawn as bars under
the frames in a second colour. A legend line under the strip says which is which.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QAbstractScrollArea, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.formatting import format_time
from app.models.results_model import FrameHighlight, HighlightKind, ResultRole
from app.views.copies_note import copies_note

MARGIN = 6  # between cards
PAD = 10  # inside a card
LINE_GAP = 4
THUMB_H = 56
THUMB_GAP = 4
WEIGHT_BAR_H = 3
STRIP_ROW_EXTRA = WEIGHT_BAR_H + 6  # below each row of thumbnails: the weight bar and a gap
FRAMES_PER_ROW = 12  # one clip's worth of frames (TeachCLIP samples at most 12) per filmstrip row
MAX_ROWS = 2  # a moment of more clips shrinks its frames instead of growing taller
MIN_CARD_WIDTH = 320  # narrower lists still size cards for this width (the view keeps at least this)
#: The AFA bars' colour: amber, apart from the accent the relevance outlines use.
AFA_COLOR = QColor(224, 150, 40)


def legend_text(kind: HighlightKind) -> str:
    """The line under a card's filmstrip that says what its marks mean."""
    if kind is HighlightKind.RELEVANCE_AND_AFA:
        return QCoreApplication.translate(
            "ResultDelegate", "Outlined: frames closest to the query · amber bars: the model's frame weights"
        )
    if kind is HighlightKind.RELEVANCE:
        return QCoreApplication.translate("ResultDelegate", "Outlined: frames closest to the query")
    if kind is HighlightKind.AFA:
        return QCoreApplication.translate(
            "ResultDelegate",
            "Amber bars: the model's frame weights · reindex to see the frames closest to the query",
        )
    return QCoreApplication.translate(
        "ResultDelegate", "Reindex this library to see the frames closest to the query"
    )


def accent_color(palette: QPalette) -> QColor:
    """The highlight colour cards use for outlines (the palette's accent)."""
    return palette.color(QPalette.ColorRole.Highlight)


def _fonts(base: QFont) -> tuple[QFont, QFont]:
    title = QFont(base)
    title.setBold(True)
    small = QFont(base)
    small.setPointSizeF(max(base.pointSizeF() * 0.9, 7.0))
    return title, small


def filmstrip_top(card: QRect, base: QFont) -> int:
    """The y coordinate where a card's filmstrip starts (below the two text lines)."""
    title, small = _fonts(base)
    return (
        card.top() + PAD + QFontMetrics(title).height() + LINE_GAP + QFontMetrics(small).height() + LINE_GAP
    )


def card_rect(option_rect: QRect) -> QRect:
    """The card inside a row's rectangle (margins between cards)."""
    return option_rect.adjusted(MARGIN, MARGIN // 2, -MARGIN, -MARGIN // 2)


def _natural_widths(aspects: Sequence[float], count: int) -> list[int]:
    return [max(8, round(THUMB_H * (aspects[i] if i < len(aspects) else 16 / 9))) for i in range(count)]


def filmstrip_rows(avail: int, widths: list[int]) -> tuple[int, float]:
    """Rows of up to FRAMES_PER_ROW frames (one clip's worth; at most MAX_ROWS), and the scale that fits."""
    count = len(widths)
    if count == 0:
        return 1, 1.0
    rows = min(MAX_ROWS, -(-count // FRAMES_PER_ROW))
    per_row = -(-count // rows)
    widest = max(
        sum(widths[i : i + per_row]) + THUMB_GAP * (len(widths[i : i + per_row]) - 1)
        for i in range(0, count, per_row)
    )
    return rows, min(1.0, avail / widest)


def filmstrip_rects(card: QRect, top: int, aspects: Sequence[float], count: int) -> list[QRect]:
    """Where each frame goes: thumbnails keep their aspect and shrink together to fit, one clip per row."""
    widths = _natural_widths(aspects, count)
    avail = card.width() - 2 * PAD
    rows, scale = filmstrip_rows(avail, widths)
    per_row = -(-count // rows) if count else 1
    h = max(8, int(THUMB_H * scale))
    gap = THUMB_GAP * scale
    rects = []
    x = 0.0
    for i, w in enumerate(widths):
        row, col = divmod(i, per_row)
        if col == 0:
            x = float(card.left() + PAD)
        y = top + row * (h + STRIP_ROW_EXTRA)
        # Float positions, truncated at the end, so rounding never pushes the last frame past the edge.
        x_end = x + w * scale
        rects.append(QRect(int(x), y, max(4, int(x_end) - int(x)), h))
        x = x_end + gap
    return rects


def filmstrip_height(card_width: int, aspects: Sequence[float], count: int) -> int:
    """The strip's height (rows of thumbnails with their weight bars) for a card this wide."""
    if count == 0:
        return THUMB_H + STRIP_ROW_EXTRA
    rects = filmstrip_rects(QRect(0, 0, card_width, 10), 0, aspects, count)
    return rects[-1].bottom() + 1 + STRIP_ROW_EXTRA


def card_height(base: QFont, legend: bool = True, strip_h: int = THUMB_H + WEIGHT_BAR_H + 2 + 4) -> int:
    """The card's height for the given font and filmstrip height (plus the legend line)."""
    title, small = _fonts(base)
    h = 2 * PAD + QFontMetrics(title).height() + LINE_GAP + QFontMetrics(small).height() + LINE_GAP
    h += strip_h
    if legend:
        h += LINE_GAP + QFontMetrics(small).height()
    return h + MARGIN


class ResultDelegate(QStyledItemDelegate):
    """Draws ResultsModel rows as cards."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._heights: dict[tuple[int, int, int], int] = {}  # (result id, width, font px) -> card height

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        width = option.rect.width()
        view = option.widget
        if isinstance(view, QAbstractScrollArea):
            width = view.viewport().width()  # cards fill the list's width; the strip wraps to fit it
        width = max(width, MIN_CARD_WIDTH)
        key = (
            id(index.data(ResultRole.RESULT)),
            width,
            option.font.pixelSize() or round(option.font.pointSizeF()),
        )
        height = self._heights.get(key)
        if height is None:
            aspects = index.data(ResultRole.ASPECTS) or []
            strip_h = filmstrip_height(card_rect(QRect(0, 0, width, 10)).width(), aspects, len(aspects))
            height = card_height(option.font, True, strip_h)
            if len(self._heights) > 2000:
                self._heights.clear()
            self._heights[key] = height
        return QSize(width, height)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        pal = option.palette
        card = card_rect(option.rect)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        self._paint_frame(painter, pal, card, selected, focused)

        title_font, small_font = _fonts(option.font)
        text = pal.color(QPalette.ColorRole.Text)
        muted = QColor(text)
        muted.setAlphaF(0.65)
        y = card.top() + PAD
        fm_title, fm_small = QFontMetrics(title_font), QFontMetrics(small_font)

        # Line 1: file name, and at the right the time range.
        range_text = str(index.data(ResultRole.RANGE_TEXT) or "")
        best = index.data(ResultRole.BEST_T)
        if isinstance(best, float):
            range_text = f"@ {format_time(best)}  ({range_text})"
        painter.setFont(title_font)
        range_w = fm_title.horizontalAdvance(range_text)
        painter.setPen(text)
        name_w = card.width() - 2 * PAD - range_w - 12
        name = fm_title.elidedText(
            str(index.data(ResultRole.TITLE) or ""), Qt.TextElideMode.ElideMiddle, name_w
        )
        painter.drawText(
            QRect(card.left() + PAD, y, name_w, fm_title.height()), Qt.AlignmentFlag.AlignLeft, name
        )
        painter.drawText(
            QRect(card.right() - PAD - range_w, y, range_w, fm_title.height()),
            Qt.AlignmentFlag.AlignRight,
            range_text,
        )
        y += fm_title.height() + LINE_GAP

        # Line 2: folder, and at the right the score.
        painter.setFont(small_font)
        painter.setPen(muted)
        score = index.data(ResultRole.SCORE)
        score_text = self.tr("score {score}").format(score=f"{score:.3f}") if isinstance(score, float) else ""
        if index.data(ResultRole.OFFLINE):
            score_text = f"{self.tr('offline')} · {score_text}" if score_text else self.tr("offline")
        score_w = fm_small.horizontalAdvance(score_text)
        folder_w = card.width() - 2 * PAD - score_w - 12
        folder = fm_small.elidedText(
            str(index.data(ResultRole.FOLDER) or "") + copies_note(index.data(ResultRole.RESULT)),
            Qt.TextElideMode.ElideMiddle,
            folder_w,
        )
        painter.drawText(
            QRect(card.left() + PAD, y, folder_w, fm_small.height()), Qt.AlignmentFlag.AlignLeft, folder
        )
        painter.drawText(
            QRect(card.right() - PAD - score_w, y, score_w, fm_small.height()),
            Qt.AlignmentFlag.AlignRight,
            score_text,
        )
        y += fm_small.height() + LINE_GAP

        thumbs: list[QImage] = index.data(ResultRole.THUMBS) or []
        highlights: list[FrameHighlight] = index.data(ResultRole.HIGHLIGHTS) or []
        legend = index.data(ResultRole.LEGEND)  # a StrEnum may come back from Qt as its plain str
        kind = HighlightKind(legend) if legend in set(HighlightKind) else HighlightKind.NONE
        y = filmstrip_top(card, option.font)
        rects = filmstrip_rects(card, y, index.data(ResultRole.ASPECTS) or [], len(highlights))
        for i, (rect, hl) in enumerate(zip(rects, highlights, strict=True)):
            img = thumbs[i] if i < len(thumbs) else QImage()
            self._paint_frame_thumb(painter, pal, rect, img, hl, kind is not HighlightKind.NONE)
        y = (rects[-1].bottom() + 1 if rects else y + THUMB_H) + STRIP_ROW_EXTRA

        painter.setFont(small_font)
        painter.setPen(muted)
        note = fm_small.elidedText(legend_text(kind), Qt.TextElideMode.ElideRight, card.width() - 2 * PAD)
        painter.drawText(QRect(card.left() + PAD, y, card.width() - 2 * PAD, fm_small.height()), 0, note)
        painter.restore()

    def _paint_frame(
        self, painter: QPainter, pal: QPalette, card: QRect, selected: bool, focused: bool
    ) -> None:
        path = QPainterPath()
        path.addRoundedRect(QRectF(card).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        base = pal.color(QPalette.ColorRole.Base)
        if selected:
            tint = QColor(accent_color(pal))
            tint.setAlphaF(0.14)
            painter.fillPath(path, base)
            painter.fillPath(path, tint)
        else:
            painter.fillPath(path, base)
        border = accent_color(pal) if selected else pal.color(QPalette.ColorRole.Mid)
        painter.setPen(QPen(border, 2.0 if selected else 1.0))
        painter.drawPath(path)
        if focused and not selected:
            pen = QPen(accent_color(pal), 1.0, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawPath(path)

    def _paint_frame_thumb(
        self, painter: QPainter, pal: QPalette, rect: QRect, img: QImage, hl: FrameHighlight, marks: bool
    ) -> None:
        accent = accent_color(pal)
        # Frames far from the query (or, without relevance, of low weight) fade back.
        painter.setOpacity(0.35 + 0.65 * hl.intensity if marks else 1.0)
        if img.isNull():
            painter.fillRect(rect, pal.color(QPalette.ColorRole.Mid))
        else:
            painter.drawImage(rect, img)
        painter.setOpacity(1.0)
        if not marks:
            return
        if hl.afa is not None:
            # The trained head's AFA weight: a bar under the frame, in its own colour.
            bar = QRect(rect.left(), rect.bottom() + 2, max(1, round(rect.width() * hl.afa)), WEIGHT_BAR_H)
            bar_color = QColor(AFA_COLOR)
            bar_color.setAlphaF(0.45 + 0.55 * hl.afa)
            painter.fillRect(bar, bar_color)
        if hl.highlighted:
            color = QColor(accent)
            color.setAlphaF(0.4 + 0.6 * hl.intensity)
            width = 1.0 + 2.0 * hl.intensity
            painter.setPen(QPen(color, width))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            half = width / 2
            painter.drawRect(QRectF(rect).adjusted(half, half, -half, -half))
        if hl.top:
            self._paint_top_badge(painter, pal, rect)

    def _paint_top_badge(self, painter: QPainter, pal: QPalette, rect: QRect) -> None:
        # A corner flag, not a label: it marks the frame without hiding it, even on small thumbnails.
        size = max(9.0, min(20.0, rect.height() * 0.6))
        flag = QPainterPath()
        flag.moveTo(rect.left(), rect.top())
        flag.lineTo(rect.left() + size, rect.top())
        flag.lineTo(rect.left(), rect.top() + size)
        flag.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.fillPath(flag, accent_color(pal))


def paint_card(
    delegate: ResultDelegate,
    index: QModelIndex,
    width: int,
    palette: QPalette,
    font: QFont,
    scale: float = 1.0,
) -> QImage:
    """Render one card to an image (for tests and the screenshot script)."""
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, width, 10)
    option.font = font
    option.rect = QRect(0, 0, width, delegate.sizeHint(option, index).height())
    option.palette = palette
    option.state = QStyle.StateFlag.State_Enabled
    image = QImage(
        round(option.rect.width() * scale),
        round(option.rect.height() * scale),
        QImage.Format.Format_ARGB32_Premultiplied,
    )
    image.setDevicePixelRatio(scale)
    image.fill(palette.color(QPalette.ColorRole.Window))
    painter = QPainter(image)
    delegate.paint(painter, option, index)
    painter.end()
    return image
