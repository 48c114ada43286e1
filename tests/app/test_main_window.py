"""The whole window over a real tiny-model library built by the real Indexer from generated videos."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.main_window import MainWindow, Page
from app.models.library_model import Column
from app.models.results_model import ResultRole, top_clip_id
from app.settings import AppSettings
from app.views.model_banner import BannerState
from engine.indexing.progress import IndexProgress, Phase
from tests.app.videos import RED_AGAIN, SCENES, write_broken, write_image, write_scenes

WAIT_MS = 60_000  # generous: the suite shares two cores with other work


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library of three scenes indexed with the tiny model (which has a trained-style AFA head)."""
    from engine.indexing import Indexer
    from engine.store import LibraryStore

    root = tmp_path_factory.mktemp("lib")
    folder = root / "videos"
    write_scenes(folder, {**SCENES, **RED_AGAIN})
    db = root / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(folder))
    summary = Indexer(db, model_spec="tiny").run()
    assert summary.indexed == len(SCENES) + len(RED_AGAIN)
    return db


def _settings() -> AppSettings:
    # red.mp4 and red_again.mp4 differ by a shade of red only: as content they are copies (engine.copies),
    # and these tests want to see both files.
    return AppSettings(model_spec="tiny", device="cpu", watch_folders=False, hide_copies=False)


def _window(qtbot, db: Path | None, **kwargs) -> MainWindow:
    window = MainWindow(_settings(), db, playback=False, index_on_start=kwargs.pop("index_on_start", False))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.library_ctl.snapshot_loaded, timeout=WAIT_MS)
    return window


def _search_and_wait(qtbot, window: MainWindow, text: str) -> None:
    window.search_bar.field.clear()
    qtbot.keyClicks(window.search_bar.field, text)
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _answered(window, text), timeout=WAIT_MS)
    assert window.search_ctl.last_error is None, str(window.search_ctl.last_error)


def _answered(window: MainWindow, query) -> bool:
    """True once the window shows results or an error for `query`."""
    if window.search_ctl.last_error is not None:
        return True
    return window.search_ctl.last_outcome is not None and window.search_ctl.last_outcome.query == query


def _engine_search(db: Path, window: MainWindow, query):
    from engine.search import Searcher
    from engine.store import LibraryStore

    with LibraryStore.open(db, readonly=True) as store:
        searcher = Searcher(store, window.model_ctl.model)
        searcher.hide_copies = window.settings.hide_copies
        return searcher.search(query, k=window.settings.results_k)


def test_welcome_state_without_a_library(qtbot):
    window = _window(qtbot, None)
    assert not window.library_ctl.snapshot.exists
    assert window.stack.currentIndex() == Page.WELCOME
    assert window.welcome.isVisible() and not window.library_panel.isVisible()
    assert "Add a folder" in window.welcome.step1.text() and "Search" in window.welcome.step2.text()
    for step in (window.welcome.step1, window.welcome.step2):  # wrapped text is not cut to one line
        assert step.height() >= step.heightForWidth(step.width()) > step.fontMetrics().height()
    window.search_ctl.search("anything")
    assert window.status_label.text() == "Add a folder of videos first."
    assert window.results_model.rowCount() == 0


def test_search_flow_end_to_end(qtbot, library):
    window = _window(qtbot, library)
    assert window.stack.currentIndex() == Page.RESULTS
    qtbot.waitUntil(lambda: window.search_bar.field.hasFocus(), timeout=5000)  # type at once
    _search_and_wait(qtbot, window, "a red scene with a white ball")
    expected = _engine_search(library, window, "a red scene with a white ball")
    assert len(expected) > 0 and window.results_model.rowCount() == len(expected)
    top = window.results_model.index(0, 0)
    assert top.data(ResultRole.PATH) == expected[0].path
    assert top.data(ResultRole.TITLE) == Path(expected[0].path).name
    from app.formatting import format_range

    assert top.data(ResultRole.RANGE_TEXT) == format_range(expected[0].start, expected[0].end)
    assert top.data(ResultRole.SCORE) == pytest.approx(expected[0].score, abs=1e-5)
    # The first card is selected and previewed, keyboard focus stays in the search field.
    assert window.results_view.currentIndex().row() == 0
    assert window.preview.title.text() == Path(expected[0].path).name
    assert window.search_bar.field.hasFocus()
    assert window.status_label.text().startswith(f"{len(expected)} moment")


def test_filmstrip_highlights_follow_relevance_and_show_afa(qtbot, library):
    window = _window(qtbot, library)
    _search_and_wait(qtbot, window, "green")
    assert window.model_ctl.model is not None and not window.model_ctl.model.is_zero_shot
    for row in range(window.results_model.rowCount()):
        index = window.results_model.index(row, 0)
        result = index.data(ResultRole.RESULT)
        weights = [f.weight for f in result.frames]
        relevance = [f.relevance for f in result.frames]
        highlights = index.data(ResultRole.HIGHLIGHTS)
        assert not index.data(ResultRole.ZERO_SHOT)
        assert len(highlights) == len(weights) == len(index.data(ResultRole.THUMBS)) > 1
        assert None not in relevance  # every frame knows how close it is to the query
        assert [h.top for h in highlights].index(True) == relevance.index(max(relevance))
        best = result.frames[relevance.index(max(relevance))]
        assert index.data(ResultRole.BEST_T) == pytest.approx(best.t)
        # the trained head's AFA weights ride along as bars
        assert [h.afa for h in highlights] == pytest.approx([w / max(weights) for w in weights])
        assert index.data(ResultRole.LEGEND) == "relevance+afa"
        assert not any(img.isNull() for img in index.data(ResultRole.THUMBS))


def test_more_like_this_and_image_drop(qtbot, library, tmp_path):
    from engine.search import ClipQuery, ImageQuery

    window = _window(qtbot, library)
    _search_and_wait(qtbot, window, "red")
    names = [Path(r.path).name for r in window.results_model.results()]
    seed_row = names.index("red.mp4")
    seed = window.results_model.item(seed_row).result
    query = ClipQuery(top_clip_id(seed))
    window.search_ctl.more_like_this(seed_row)
    qtbot.waitUntil(lambda: _answered(window, query), timeout=WAIT_MS)
    assert window.search_ctl.last_error is None, str(window.search_ctl.last_error)
    expected = _engine_search(library, window, query)
    shown = window.results_model.results()
    assert [(r.path, r.start, r.end) for r in shown] == [(r.path, r.start, r.end) for r in expected]
    assert Path(shown[0].path).name == "red_again.mp4"  # the other red video, not blue or green
    assert seed.path not in [r.path for r in shown]  # the seed clip itself is left out

    image = write_image(tmp_path / "red.png", *SCENES["red"])
    window.handle_drop([str(image)])
    qtbot.waitUntil(lambda: _answered(window, ImageQuery(image)), timeout=WAIT_MS)
    assert window.search_ctl.last_error is None, str(window.search_ctl.last_error)
    expected = _engine_search(library, window, ImageQuery(image))
    assert [r.path for r in window.results_model.results()] == [r.path for r in expected]
    assert Path(window.results_model.item(0).result.path).name.startswith("red")
    assert "like red.png" in window.status_label.text()


def test_copy_path_with_timestamp_and_shortcuts(qtbot, library):
    window = _window(qtbot, library)
    _search_and_wait(qtbot, window, "red")
    window.copy_result_path(0)
    r = window.results_model.item(0).result
    from app.formatting import format_time

    assert QGuiApplication.clipboard().text() == f"{r.path} @ {format_time(r.moment)}"  # the best moment
    window.activateWindow()
    window.results_view.setFocus()
    qtbot.waitUntil(lambda: window.results_view.hasFocus(), timeout=5000)
    qtbot.keyClick(window.results_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search_bar.field.hasFocus(), timeout=5000)
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.results_view.hasFocus(), timeout=5000)
    qtbot.keyClick(window.results_view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.search_bar.field.hasFocus(), timeout=5000)


def test_adding_a_folder_indexes_it_with_progress_and_failures(qtbot, tmp_path):
    folder = tmp_path / "new videos"
    write_scenes(folder, {k: SCENES[k] for k in ("red", "blue")}, seconds=3.0)
    write_broken(folder / "broken.mp4")
    window = _window(qtbot, tmp_path / "library.db")
    assert window.stack.currentIndex() == Page.WELCOME
    seen = []
    window.indexing.progress.connect(seen.append)
    window.library_ctl.add_folder(str(folder))

    def indexed() -> bool:
        rows = window.library_model.folders()
        return bool(rows) and rows[0].indexed == 2 and rows[0].failed == 1 and not window.indexing.busy

    qtbot.waitUntil(indexed, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.library_panel.failures.topLevelItemCount() == 1, timeout=WAIT_MS)
    assert window.stack.currentIndex() == Page.RESULTS and window.library_panel.isVisible()
    assert any(p.videos_total == 3 for p in seen)
    assert window.indexing_status.isVisible()
    assert window.indexing_status.bar.maximum() == 3 and window.indexing_status.bar.value() == 3
    assert window.library_model.index(0, Column.STATE).data() == "indexed \u00b7 1 failed"
    item = window.library_panel.failures.topLevelItem(0)
    assert item.text(0).endswith("broken.mp4")
    assert "not a video" in item.text(1)
    _search_and_wait(qtbot, window, "anything")
    assert {Path(r.path).name for r in window.results_model.results()} == {"red.mp4", "blue.mp4"}


def test_weights_unavailable_offers_a_local_checkpoint(qtbot, library):
    window = _window(qtbot, library)
    window.model_ctl.ensure_model("ViT-B-32-quickgelu:openai")
    qtbot.waitUntil(lambda: window.banner.state == BannerState.FAILED, timeout=WAIT_MS)
    assert "cannot be downloaded" in window.banner.text.text()
    # The engine's sentence already offers a local checkpoint: the banner does not say it twice.
    assert window.banner.text.text() == str(window.model_ctl.model_error)
    assert window.banner.choose_button.isVisible()
    window.model_ctl.ensure_model("tiny", force=True)
    qtbot.waitUntil(lambda: window.model_ctl.model is not None, timeout=WAIT_MS)
    assert window.banner.state == BannerState.HIDDEN


def test_long_names_never_squeeze_the_cards(qtbot, library):
    window = _window(qtbot, library)
    _search_and_wait(qtbot, window, "green")
    item = window.results_model.item(0)
    long_path = "/videos/" + "a_folder_name_without_spaces_" * 6 + "/" + "clip_" * 40 + ".mp4"
    window.results_model.set_items([replace(item, result=replace(item.result, path=long_path))])
    window.results_view.select_row(0)
    assert window.preview.title.text() == Path(long_path).name
    # Selecting it must not widen the preview (a wrapped label cannot break a name without spaces)...
    assert window.minimumSizeHint().width() < 1000
    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.width() == window.minimumSizeHint().width(), timeout=WAIT_MS)
    # ...and at the window's smallest the list still has room for whole cards.
    from app.views.result_delegate import MIN_CARD_WIDTH

    assert window.results_view.viewport().width() >= MIN_CARD_WIDTH
    assert "\u2026" in window.preview.title.shown_text()
    assert window.preview.title.toolTip() == Path(long_path).name
    # Nor do a long sentence in the status line or a long file name in the indexing strip.
    smallest = window.minimumSizeHint().width()
    window.status(f"Could not read {long_path}.")
    window.indexing_status.show_progress(IndexProgress(Phase.INDEXING, 1, 2, current_file=long_path))
    assert window.minimumSizeHint().width() == smallest


def test_changing_the_model_asks_before_reindexing(qtbot, library):
    window = _window(qtbot, library)
    questions: list[str] = []
    window.confirm = lambda title, text: questions.append(text) or False
    window.model_ctl.apply_settings(
        replace(window.settings, model_spec="ViT-B-32-quickgelu:openai", sample_fps=2.0)
    )
    assert len(questions) == 1 and "reindexing all 4 videos" in questions[0]
    assert window.settings.model_spec == "tiny" and window.settings.sample_fps == 2.0
    assert not window.indexing.busy
    assert AppSettings.load().model_spec == "tiny"
    # A new device reloads the same model there, without asking.
    qtbot.waitUntil(lambda: window.model_ctl.model is not None, timeout=WAIT_MS)
    before = window.model_ctl.model
    window.model_ctl.apply_settings(replace(window.settings, device="auto"))
    qtbot.waitUntil(
        lambda: window.model_ctl.model is not None and window.model_ctl.model is not before, timeout=WAIT_MS
    )
    assert (
        len(questions) == 1 and window.model_ctl.model_spec == "tiny" and AppSettings.load().device == "auto"
    )


def test_watcher_indexes_new_files_while_the_app_is_open(qtbot, tmp_path):
    from engine.indexing import Indexer
    from engine.store import LibraryStore

    folder = tmp_path / "watched"
    write_scenes(folder, {"green": SCENES["green"]}, seconds=2.0)
    db = tmp_path / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(folder))
    Indexer(db, model_spec="tiny").run()
    settings = replace(_settings(), watch_folders=True)
    window = MainWindow(settings, db, playback=False, index_on_start=True)
    window.indexing.watch_settle_s = 0.5
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.indexing.watching, timeout=WAIT_MS)
    write_scenes(folder, {"blue": SCENES["blue"]}, seconds=2.0)
    qtbot.waitUntil(
        lambda: bool(window.library_model.folders()) and window.library_model.folders()[0].indexed == 2,
        timeout=WAIT_MS,
    )
    window.model_ctl.apply_settings(replace(window.settings, watch_folders=False))  # the settings' checkbox
    qtbot.waitUntil(lambda: not window.indexing.watching, timeout=WAIT_MS)
    window.model_ctl.apply_settings(replace(window.settings, watch_folders=True))
    qtbot.waitUntil(lambda: window.indexing.watching, timeout=WAIT_MS)
    window.close()
    assert not window.indexing.watching


def test_a_bad_image_gets_one_sentence_and_keeps_the_results(qtbot, library, tmp_path):
    from engine.errors import QueryError

    window = _window(qtbot, library)
    _search_and_wait(qtbot, window, "green")
    before = [r.path for r in window.results_model.results()]
    fake = tmp_path / "holiday.png"
    fake.write_bytes(b"not really a png")
    window.handle_drop([str(fake)])
    qtbot.waitUntil(lambda: window.search_ctl.last_error is not None, timeout=WAIT_MS)
    assert isinstance(window.search_ctl.last_error, QueryError)
    sentence = str(window.search_ctl.last_error)
    assert "\n" not in sentence and "Traceback" not in sentence
    assert window.banner.state == BannerState.MESSAGE and window.banner.text.text() == sentence
    assert [r.path for r in window.results_model.results()] == before  # nothing lost


def test_exclude_patterns_drop_matching_files(qtbot, tmp_path):
    from engine.indexing import Indexer
    from engine.store import LibraryStore

    folder = tmp_path / "clips"
    write_scenes(folder, {"red": SCENES["red"]}, seconds=2.0)
    write_scenes(folder / "drafts", {"green": SCENES["green"]}, seconds=2.0)
    db = tmp_path / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(folder))
    Indexer(db, model_spec="tiny").run()
    window = _window(qtbot, db)
    qtbot.waitUntil(lambda: bool(window.library_model.folders()), timeout=WAIT_MS)
    assert window.library_model.folders()[0].indexed == 2
    window.library_ctl.set_excludes(window.library_model.folders()[0], ["drafts/*", "  "])

    def applied() -> bool:
        rows = window.library_model.folders()
        return rows[0].excludes == ("drafts/*",) and rows[0].indexed == 1 and not window.indexing.busy

    qtbot.waitUntil(applied, timeout=WAIT_MS)
    assert "drafts/*" in window.library_model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_pause_holds_indexing_until_resume(qtbot, tmp_path):
    from engine.indexing.progress import Phase

    folder = tmp_path / "paused"
    write_scenes(folder, {k: SCENES[k] for k in ("red", "blue")}, seconds=2.0)
    window = _window(qtbot, tmp_path / "library.db")
    window.indexing_status.set_busy(True)
    window.indexing_status.pause_button.click()  # pause first: the run must not index anything
    assert window.indexing.paused and window.indexing_status.paused
    seen = []
    window.indexing.progress.connect(seen.append)
    window.library_ctl.add_folder(str(folder))
    qtbot.waitUntil(lambda: window.indexing.busy, timeout=WAIT_MS)
    qtbot.wait(4000)
    assert not any(p.videos_done > 0 for p in seen if p.phase == Phase.INDEXING)
    assert all(f.indexed == 0 for f in window.library_model.folders())
    window.indexing_status.pause_button.click()  # resume
    assert not window.indexing.paused
    qtbot.waitUntil(
        lambda: not window.indexing.busy and [f.indexed for f in window.library_model.folders()] == [2],
        timeout=WAIT_MS,
    )


def test_dropping_a_folder_adds_it_and_remove_asks_first(qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPoint, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    folder = tmp_path / "dropped"
    write_scenes(folder, {"blue": SCENES["blue"]}, seconds=2.0)
    window = _window(qtbot, tmp_path / "library.db")

    def accepts_drag(urls: list[QUrl]) -> bool:
        data = QMimeData()
        data.setUrls(urls)
        buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, data, buttons, keys)
        enter.ignore()
        window.dragEnterEvent(enter)
        return enter.isAccepted()

    video = QUrl.fromLocalFile(str(folder / "blue.mp4"))
    assert not accepts_drag([video])  # a video file is neither a folder nor an image
    assert accepts_drag([QUrl.fromLocalFile(str(folder)), video])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder)), video])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    qtbot.waitUntil(
        lambda: [f.indexed for f in window.library_model.folders()] == [1] and not window.indexing.busy,
        timeout=WAIT_MS,
    )
    assert (
        window.search_ctl.last_outcome is None and window.search_ctl.last_error is None
    )  # the video started no search
    folder_row = window.library_model.folders()[0]
    answers = iter([False, True])
    window.confirm = lambda title, text: next(answers)
    window.library_ctl.remove_folder(folder_row)  # declined: nothing happens
    qtbot.wait(300)
    assert len(window.library_model.folders()) == 1
    window.library_ctl.remove_folder(folder_row)
    qtbot.waitUntil(lambda: window.library_model.rowCount() == 0, timeout=WAIT_MS)
    assert (folder / "blue.mp4").exists()  # the files on disk are left alone
    assert window.stack.currentIndex() == Page.WELCOME  # an empty library shows the welcome again


def test_retry_failed_tries_the_failed_files_again(qtbot, tmp_path):
    from engine.indexing import Indexer
    from engine.store import LibraryStore

    folder = tmp_path / "mixed"
    write_scenes(folder, {"red": SCENES["red"]}, seconds=2.0)
    write_broken(folder / "broken.mp4")
    db = tmp_path / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(folder))
    Indexer(db, model_spec="tiny").run()
    window = _window(qtbot, db)
    qtbot.waitUntil(lambda: window.library_panel.failures.topLevelItemCount() == 1, timeout=WAIT_MS)
    summaries = []
    window.indexing.run_finished.connect(summaries.append)
    window.library_ctl.index_all()  # a plain rescan leaves an unchanged failed file alone
    qtbot.waitUntil(lambda: len(summaries) == 1, timeout=WAIT_MS)
    assert summaries[0].failed == 0
    window.library_panel.retry_button.click()  # retry tries it again (and it fails again, with its reason)
    qtbot.waitUntil(lambda: len(summaries) == 2, timeout=WAIT_MS)
    assert summaries[1].failed == 1
    assert "1 failed" in window.status_label.text()
    qtbot.waitUntil(lambda: window.library_panel.failures.topLevelItemCount() == 1, timeout=WAIT_MS)


def test_switching_to_a_new_head_reuses_the_stored_frame_features(qtbot, tmp_path):
    import torch

    from engine.indexing import Indexer
    from engine.model import load_model
    from engine.store import LibraryStore

    folder = tmp_path / "videos"
    write_scenes(folder, SCENES)
    db = tmp_path / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(folder))
    Indexer(db, model_spec="tiny").run()
    other = load_model("tiny", device="cpu")
    with torch.no_grad():
        next(other.head.parameters()).add_(0.5)
    other.save(tmp_path / "head2")
    window = _window(qtbot, db)
    window.confirm = lambda title, text: True
    messages: list[str] = []
    window.indexing.progress.connect(lambda p: messages.append(p.message))
    assert window.model_ctl.change_model(str(tmp_path / "head2"))

    def switched() -> bool:
        with LibraryStore.open(db, readonly=True) as store:
            return store.model_fingerprint() == other.fingerprint and not window.indexing.busy

    qtbot.waitUntil(switched, timeout=2 * WAIT_MS)
    assert any("stored frame features" in m and "no decoding" in m for m in messages), messages
    with LibraryStore.open(db, readonly=True) as store:
        assert {v.fingerprint for v in store.videos(status="indexed")} == {other.fingerprint}


def test_preview_export_opens_at_the_preview_in_and_out(qtbot, library):
    from PySide6.QtCore import QPoint

    from app.views.export_dialog import ExportDialog

    window = _window(qtbot, library)
    _search_and_wait(qtbot, window, "a red scene with a white ball")
    r = window.results_model.item(0).result
    tl = window.preview.timeline
    assert window.preview.export_range() == (r.start, r.end)
    # drag the out handle halfway back towards the in handle
    y, target = tl.height() // 2, (r.start + r.end) / 2
    qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=QPoint(round(tl.x_for(r.end)), y))
    qtbot.mouseMove(tl, QPoint(round(tl.x_for(target)), y))
    qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=QPoint(round(tl.x_for(target)), y))
    start, end = window.preview.export_range()
    assert start == r.start and r.start < end < r.end - 0.1
    qtbot.mouseClick(window.preview.export_button, Qt.MouseButton.LeftButton)
    dialogs = window.findChildren(ExportDialog)
    assert len(dialogs) == 1
    assert (dialogs[0].timeline.start, dialogs[0].timeline.end) == pytest.approx((start, end))
    dialogs[0].close()
    # the card's own "Export clip…" still starts at the result's range
    card = window.export_result(0)
    assert card is not None and (card.timeline.start, card.timeline.end) == pytest.approx((r.start, r.end))
    card.close()
