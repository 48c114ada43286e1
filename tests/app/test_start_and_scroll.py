"""A start-up rescan that finds nothing new says so and hides the strip; scrolling to the end loads more."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.main_window import MainWindow
from app.settings import AppSettings
from engine.indexing import Indexer
from engine.store import LibraryStore
from tests.app.videos import SCENES, write_scenes

WAIT_MS = 60_000


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scroll") / "videos"
    write_scenes(folder, SCENES, seconds=6.0)  # several clips per video
    db = folder.parent / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(folder))
    Indexer(db, model_spec="tiny").run()
    return db


def _settings(**kw) -> AppSettings:
    return replace(AppSettings(model_spec="tiny", device="cpu", watch_folders=False), **kw)


def test_rescan_with_nothing_new_says_up_to_date(qtbot, library):
    window = MainWindow(_settings(), library, playback=False, index_on_start=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "up to date" in window.status_label.text(), timeout=WAIT_MS)
    assert not window.indexing_status.isVisible()
    assert "0 of 0" not in window.indexing_status.label.text()


def test_scrolling_to_the_end_loads_more(qtbot, library):
    window = MainWindow(_settings(results_k=2), library, playback=False, index_on_start=False)
    qtbot.addWidget(window)
    window.show()
    window.results_view.setFixedHeight(150)  # two cards overflow: the view scrolls
    qtbot.waitUntil(lambda: window.library_ctl.snapshot_loaded, timeout=WAIT_MS)
    window.search_ctl.search("red")
    qtbot.waitUntil(lambda: window.results_model.rowCount() == 2, timeout=WAIT_MS)
    bar = window.results_view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=WAIT_MS)
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: window.results_model.rowCount() > 2, timeout=WAIT_MS)
    assert window.results_model.rowCount() <= 4  # one more page of results_k
    assert window.results_view.currentIndex().row() == 0  # the place is kept, not reset
