"""A result with copies says so on its card and offers each copy in the context menu."""

from __future__ import annotations

from app.models.results_model import ResultItem, ResultsModel
from app.views.copies_note import copies_note
from app.views.results_view import ResultsView
from engine.results import CopyRef


def test_card_note_and_menu_list_the_copies(qtbot, result_factory):
    result = result_factory([0.5, 0.5])
    assert copies_note(result) == ""
    result.copies += [CopyRef("/backup/beach_4k.mp4", 83.0, 95.0), CopyRef("/old/beach.avi", 83.0, 95.0)]
    assert copies_note(result) == " \u00b7 also in 2 other files"
    model = ResultsModel()
    model.set_items([ResultItem(result, [])])
    view = ResultsView(model)
    qtbot.addWidget(view)
    texts = [a.text() for a in view.build_menu(0).actions()]
    assert "Open the copy beach_4k.mp4" in texts and "Open the copy beach.avi" in texts
    assert "Export clip\u2026" in texts
