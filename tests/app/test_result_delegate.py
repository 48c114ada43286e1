"""The card delegate paints real pixels: outlines and the badge follow query relevance, AFA bars apart."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPalette

from app.models.results_model import HighlightKind, ResultItem, ResultRole, ResultsModel
from app.operations import decode_thumbs
from app.views.result_delegate import (
    MARGIN,
    PAD,
    STRIP_ROW_EXTRA,
    THUMB_H,
    ResultDelegate,
    card_rect,
    filmstrip_height,
    filmstrip_rects,
    filmstrip_top,
    legend_text,
    paint_card,
)

WIDTH = 720


def _render(result, palette: QPalette, scale: float = 1.0):
    model = ResultsModel()
    model.set_items([ResultItem(result, decode_thumbs([f.thumb for f in result.frames]))])
    index = model.index(0, 0)
    font = QFont(QGuiApplication.font())
    image = paint_card(ResultDelegate(), index, WIDTH, palette, font, scale=scale)
    card = card_rect(QRect(0, 0, WIDTH, image.height()))
    rects = filmstrip_rects(
        card, filmstrip_top(card, font), index.data(ResultRole.ASPECTS), len(result.frames)
    )
    return image, rects


def _palette() -> QPalette:
    pal = QPalette(QGuiApplication.palette())
    pal.setColor(QPalette.ColorRole.Highlight, QColor(255, 0, 0))  # a pure accent makes outlines easy to find
    return pal


def _redness(image: QImage, point: QPoint, scale: float = 1.0) -> int:
    c = image.pixelColor(round(point.x() * scale), round(point.y() * scale))
    return c.red() - (c.green() + c.blue()) // 2


def test_outline_follows_the_top_weight(qapp, result_factory):
    for weights in ([0.05, 0.8, 0.05, 0.1], [0.7, 0.1, 0.1, 0.1]):
        result = result_factory(weights)
        image, rects = _render(result, _palette())
        top = max(range(len(weights)), key=weights.__getitem__)
        for i, rect in enumerate(rects):
            # The left edge at mid height: outline colour on highlighted frames, grey thumbnail elsewhere.
            edge = max(_redness(image, QPoint(rect.left() + dx, rect.center().y())) for dx in (0, 1))
            if i == top:
                assert edge > 120, (weights, i)
            else:
                assert edge < 40, (weights, i)
        # Low-weight frames fade: the top frame's centre is brighter grey-on-base than a faded one.
        low = min(range(len(weights)), key=weights.__getitem__)
        top_c = image.pixelColor(rects[top].center())
        low_c = image.pixelColor(rects[low].center())
        assert abs(top_c.red() - 128) < abs(low_c.red() - 128)


def test_top_badge_is_sharp_at_200_percent(qapp, result_factory):
    result = result_factory([0.45, 0.1, 0.7, 0.1])  # frame 0 is outlined too, but only frame 2 is the top
    image, rects = _render(result, _palette(), scale=2.0)
    assert image.width() == WIDTH * 2
    badge = QPoint(rects[2].left() + 4, rects[2].top() + 4)
    assert _redness(image, badge, scale=2.0) > 120
    assert _redness(image, QPoint(rects[0].left() + 4, rects[0].top() + 4), scale=2.0) < 40
    # At 200% the flag's diagonal edge goes from accent to grey within two device pixels (no blur).
    y = round((rects[2].top() + 5) * 2)
    row = [image.pixelColor(x, y) for x in range(rects[2].left() * 2 + 8, rects[2].left() * 2 + 50)]
    redness = [c.red() - (c.green() + c.blue()) // 2 for c in row]
    assert redness[0] > 120 and redness[-1] < 40
    assert sum(40 <= r <= 120 for r in redness) <= 2


def test_zero_shot_card_outlines_the_frames_closest_to_the_query(qapp, result_factory):
    relevance = [0.20, 0.21, 0.31, 0.22]
    result = result_factory([0.25, 0.25, 0.25, 0.25], zero_shot=True, relevance=relevance)
    image, rects = _render(result, _palette())
    for i, rect in enumerate(rects):
        edge = max(_redness(image, QPoint(rect.left() + dx, rect.center().y())) for dx in (0, 1))
        assert (edge > 120) == (i == 2), (i, edge)
    # far frames fade, the best one is drawn at full strength
    assert abs(image.pixelColor(rects[2].center()).red() - 128) < 12
    assert abs(image.pixelColor(rects[0].center()).red() - 128) > 20
    # no AFA bars on a zero-shot card; the legend line says what outlines mean
    for rect in rects:
        assert not _amber(image.pixelColor(rect.left() + 1, rect.bottom() + 3))
    note_top = rects[-1].bottom() + 1 + STRIP_ROW_EXTRA
    assert _text_pixels(image, note_top, note_top + 12) > 20
    assert legend_text(HighlightKind.RELEVANCE) != legend_text(HighlightKind.RELEVANCE_AND_AFA)
    assert "not available" not in legend_text(HighlightKind.RELEVANCE)


def test_trained_card_draws_afa_bars_apart_from_relevance_outlines(qapp, result_factory):
    result = result_factory([0.7, 0.1, 0.1, 0.1], relevance=[0.1, 0.1, 0.4, 0.1])
    image, rects = _render(result, _palette())
    edge = [max(_redness(image, QPoint(r.left() + dx, r.center().y())) for dx in (0, 1)) for r in rects]
    assert edge[2] > 120 and edge[0] < 40  # outlines follow relevance, not the AFA weight
    bars = [image.pixelColor(r.left() + 1, r.bottom() + 3) for r in rects]
    assert all(_amber(c) for c in bars)  # every frame has an amber AFA bar...
    assert _amber(image.pixelColor(rects[0].right() - 3, rects[0].bottom() + 3))  # ...full for the top weight
    assert not _amber(image.pixelColor(rects[1].right() - 3, rects[1].bottom() + 3))


def _amber(c: QColor) -> bool:
    return c.red() - c.blue() > 60 and c.green() - c.blue() > 25


def _text_pixels(image: QImage, y0: int, y1: int) -> int:
    text = QGuiApplication.palette().color(QPalette.ColorRole.Text)
    base = image.pixelColor(MARGIN + 3, y0)
    count = 0
    for y in range(y0, y1):
        for x in range(MARGIN + PAD, WIDTH - MARGIN - PAD, 2):
            c = image.pixelColor(x, y)
            if abs(c.lightness() - base.lightness()) > 60 and abs(c.lightness() - text.lightness()) < 120:
                count += 1
    return count


def test_filmstrip_puts_one_clip_per_row():
    one_row = filmstrip_rects(QRect(0, 0, 1400, 200), 10, [], 12)
    assert len({r.top() for r in one_row}) == 1 and one_row[-1].right() <= 1400 - PAD
    assert one_row[0].height() == THUMB_H  # room enough: full size
    narrow = filmstrip_rects(QRect(0, 0, 500, 200), 10, [], 12)
    assert len({r.top() for r in narrow}) == 1 and narrow[0].height() < THUMB_H  # shrunk to fit
    assert all(r.right() <= 500 - PAD for r in narrow)
    two_clips = filmstrip_rects(QRect(0, 0, 500, 200), 10, [], 24)
    assert len({r.top() for r in two_clips}) == 2
    assert filmstrip_height(500, [], 24) > filmstrip_height(500, [], 12)
    # Never more than two rows: a long moment's frames shrink instead.
    many = filmstrip_rects(QRect(0, 0, 500, 200), 10, [], 60)
    assert len({r.top() for r in many}) == 2 and all(r.right() <= 500 - PAD for r in many)


def test_an_offline_card_says_so_beside_the_score(qapp, result_factory):
    online, _ = _render(result_factory([0.5, 0.5]), _palette())
    result = result_factory([0.5, 0.5])
    result.offline = True
    offline, _ = _render(result, _palette())
    font = QFont(QGuiApplication.font())
    line2 = MARGIN + PAD + int(font.pointSizeF() * 2)  # the folder/score line, below the title
    assert offline.height() == online.height()
    assert offline.copy(0, line2, WIDTH, 20) != online.copy(0, line2, WIDTH, 20)
