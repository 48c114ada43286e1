"""The preview's timeline carries the export's in and out points: dragged, set by I / O, reset per result."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from app.models.results_model import ResultItem
from app.views.preview import PreviewPane


def _pane(qtbot) -> PreviewPane:
    pane = PreviewPane(playback=False)
    qtbot.addWidget(pane)
    pane.resize(420, 400)
    pane.show()
    return pane


def _drag(qtbot, tl, t_from: float, t_to: float) -> None:
    y = tl.height() // 2
    qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=QPoint(round(tl.x_for(t_from)), y))
    qtbot.mouseMove(tl, QPoint(round(tl.x_for(t_to)), y))
    qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=QPoint(round(tl.x_for(t_to)), y))


def test_handles_start_at_the_result_range_drag_and_reset_per_result(qtbot, result_factory):
    pane = _pane(qtbot)
    pane.show_item(ResultItem(result_factory([0.5, 0.5], start=83.0, end=95.0), []))
    tl = pane.timeline
    assert pane.export_range() == (83.0, 95.0)
    seeks: list[float] = []
    tl.seek_requested.connect(seeks.append)
    _drag(qtbot, tl, 95.0, 150.0)  # the out handle, dragged later; the preview follows it
    start, end = pane.export_range()
    assert start == 83.0 and abs(end - 150.0) < 1.0
    assert seeks and seeks[-1] == end
    assert "Export 01:23\u2013" in tl.toolTip() and "I / O" in tl.toolTip()
    _drag(qtbot, tl, 83.0, 200.0)  # the in handle cannot pass the out handle
    assert pane.export_range()[0] < pane.export_range()[1] == end
    # A press away from both handles seeks and leaves the range alone.
    before = pane.export_range()
    qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=QPoint(round(tl.x_for(20.0)), tl.height() // 2))
    assert abs(seeks[-1] - 20.0) < 1.0 and pane.export_range() == before
    pane.show_item(ResultItem(result_factory([0.5], start=10.0, end=14.0), []))
    assert pane.export_range() == (10.0, 14.0)


def test_i_and_o_set_the_in_and_out_points_at_the_playhead(qtbot, result_factory):
    pane = _pane(qtbot)
    pane.show_item(ResultItem(result_factory([0.5], start=83.0, end=95.0), []))
    tl = pane.timeline
    pane.seek(90.0)
    qtbot.keyClick(tl, Qt.Key.Key_I)
    assert pane.export_range() == (90.0, 95.0)
    pane.seek(120.0)
    qtbot.keyClick(tl, Qt.Key.Key_O)
    assert pane.export_range() == (90.0, 120.0)
    pane.seek(50.0)  # an out point before the in point pulls the in point back with it
    qtbot.keyClick(tl, Qt.Key.Key_O)
    start, end = pane.export_range()
    assert end == 50.0 and abs(start - 49.9) < 1e-9
    pane.seek(60.0)  # an in point past the out point pushes the out point on
    qtbot.keyClick(tl, Qt.Key.Key_I)
    start, end = pane.export_range()
    assert start == 60.0 and abs(end - 60.1) < 1e-9
