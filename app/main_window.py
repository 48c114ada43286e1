"""The main window: search bar, library panel, result cards, preview, indexing strip; wiring only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import operations as ops
from app.formatting import path_with_timestamp
from app.heap import freeze_long_lived
from app.i18n.engine_messages import engine_sentence
from app.icons import icon
from app.indexing_controller import IndexingController
from app.library_actions import LibraryActions
from app.library_snapshot import LibrarySnapshot
from app.model_actions import ModelActions
from app.model_holder import ModelHolder
from app.models.library_model import LibraryModel
from app.models.results_model import ResultsModel, top_clip_id
from app.settings import AppSettings
from app.style import stylesheet
from app.system_player import open_containing_folder, open_in_system_player
from app.tasks import Pool, TaskRunner
from app.views.elided_label import ElidedLabel
from app.views.export_dialog import ExportDialog
from app.views.indexing_status import IndexingStatus
from app.views.library_panel import LibraryPanel
from app.views.model_banner import BannerState, ModelBanner
from app.views.preview import PreviewPane
from app.views.results_view import ResultsView
from app.views.search_bar import SearchBar
from app.views.welcome import WelcomePage
from engine import config

log = logging.getLogger(__name__)

LIBRARY_REFRESH_MS = 1000  # at most one library re-read a second while indexing


def describe_query(query: Any) -> str:
    """A few words for the status line about a query that is not typed text ("like holiday.jpg ")."""
    path = getattr(query, "path", None)
    if path is not None:
        return QCoreApplication.translate("MainWindow", "like {name} ").format(name=Path(path).name)
    if hasattr(query, "clip_id"):
        return QCoreApplication.translate("MainWindow", "like the chosen moment ")
    return ""


class MainWindow(LibraryActions, ModelActions, QMainWindow):
    """Glimpse's window. Every engine call goes through `runner`; the UI thread only paints and routes."""

    def __init__(
        self,
        settings: AppSettings | None = None,
        db: Path | None = None,
        *,
        playback: bool = True,
        index_on_start: bool = True,
    ) -> None:
        super().__init__()
        freeze_long_lived()  # modules imported so far (Qt, numpy, the engine) live as long as the app
        self.settings = settings or AppSettings.load()
        self.db = config.db_path(db)
        self.setWindowTitle("Glimpse")
        self.setWindowIcon(icon("glimpse"))
        self.setAcceptDrops(True)
        self.runner = TaskRunner(self)
        self.indexing = IndexingController(self.runner, self.db, self.settings, self)
        self.results_model = ResultsModel(self)
        self.library_model = LibraryModel(self)
        self.snapshot = LibrarySnapshot(exists=False)
        self.snapshot_loaded = False
        self.models = ModelHolder(
            self.runner, self.wanted_model_spec, lambda: self.settings.device_or_none, self
        )
        self._search_gen = 0
        self._k = self.settings.results_k  # grows by results_k each time the results are scrolled to the end
        self._keep_place: tuple[int, int] | None = None  # (row, scroll) to restore after loading more
        self._loading = False
        self.last_outcome: ops.SearchOutcome | None = None
        self.last_error: BaseException | None = None  # of the latest search, shown in the banner
        self._index_on_start = index_on_start
        self._started = False
        self._build(playback)
        self._wire()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(LIBRARY_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_library)
        self.apply_style()
        self.resize(QSize(1280, 800))
        self.search_bar.focus()
        self.refresh_library()

    # --- building ------------------------------------------------------------------------------
    def _build(self, playback: bool) -> None:
        self.search_bar = SearchBar(self)
        self.settings_button = QToolButton(self)
        self.settings_button.setIcon(icon("settings"))
        self.settings_button.setToolTip(self.tr("Settings (Ctrl+,)"))
        self.settings_button.setAccessibleName(self.tr("Settings"))
        top = QHBoxLayout()
        top.setContentsMargins(12, 12, 12, 8)
        top.setSpacing(8)
        top.addWidget(self.search_bar, 1)
        top.addWidget(self.settings_button)

        self.banner = ModelBanner(self)
        self.welcome = WelcomePage(self)
        self.results_view = ResultsView(self.results_model, self)
        self.empty_label = QLabel("", self)
        self.empty_label.setObjectName("muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setContentsMargins(0, 12, 0, 0)  # level with the panel headings
        results_box = QWidget(self)
        rl = QVBoxLayout(results_box)
        rl.setContentsMargins(6, 0, 6, 0)
        rl.addWidget(self.empty_label)
        rl.addWidget(self.results_view, 1)
        self.preview = PreviewPane(self, playback=playback)
        self.results_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.results_split.addWidget(results_box)
        self.results_split.addWidget(self.preview)
        self.results_split.setStretchFactor(0, 3)
        self.results_split.setStretchFactor(1, 2)
        self.results_split.setSizes([570, 380])  # 3:2 of the room beside the library panel
        self.results_split.setCollapsible(0, False)  # dragging the preview wide must not hide every card
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.results_split)

        self.library_panel = LibraryPanel(self.library_model, self)
        self.library_panel.setVisible(False)  # until the first read shows there is a library
        self.main_split = QSplitter(Qt.Orientation.Horizontal, self)
        self.main_split.addWidget(self.library_panel)
        self.main_split.addWidget(self.stack)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setCollapsible(1, False)
        self.main_split.setSizes([330, 950])

        self.indexing_status = IndexingStatus(self)
        self.indexing_status.setVisible(False)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.main_split, 1)
        layout.addWidget(self.indexing_status)
        self.setCentralWidget(central)
        self.status_label = ElidedLabel("", self, Qt.TextElideMode.ElideRight)  # long errors: tooltip
        self.status_label.setContentsMargins(10, 0, 0, 0)  # in line with the 12 px margins above
        self.statusBar().addWidget(self.status_label, 1)
        self.setTabOrder(self.search_bar.field, self.results_view)
        self.setTabOrder(self.results_view, self.preview.timeline)

    def _wire(self) -> None:
        shortcuts: list[tuple[QKeySequence, Callable[[], None]]] = [
            (QKeySequence(QKeySequence.StandardKey.Find), self.search_bar.focus),
            (QKeySequence("Ctrl+L"), self.search_bar.focus),
            (QKeySequence("Ctrl+O"), self.choose_folder),
            (QKeySequence("Ctrl+I"), self.choose_image),
            (QKeySequence("Ctrl+,"), self.open_settings),
            (QKeySequence("F5"), self.index_all),
        ]
        for keys, slot in shortcuts:
            QShortcut(keys, self).activated.connect(slot)
        self.search_bar.submitted.connect(self.search)
        self.search_bar.image_requested.connect(self.choose_image)
        self.search_bar.field.move_to_results.connect(self._focus_results)
        self.settings_button.clicked.connect(self.open_settings)
        self.welcome.add_folder_requested.connect(self.choose_folder)
        self.banner.choose_checkpoint.connect(self.choose_checkpoint)
        self.banner.retry.connect(lambda: self.ensure_model(force=True))
        rv = self.results_view
        rv.current_result.connect(self._show_preview)
        rv.activated_result.connect(self.open_result)
        rv.open_folder_requested.connect(
            lambda row: open_containing_folder(self.results_model.item(row).result.path)
        )
        rv.copy_path_requested.connect(self.copy_result_path)
        rv.more_like_this_requested.connect(self.more_like_this)
        bar = rv.verticalScrollBar()
        bar.valueChanged.connect(lambda v: v > 0 and v == bar.maximum() and self.load_more())
        rv.back_to_search.connect(self.search_bar.focus)
        self.preview.open_requested.connect(lambda: self.open_result(self.results_view.currentIndex().row()))
        self.preview.export_requested.connect(
            lambda: self.export_result(self.results_view.currentIndex().row(), self.preview.export_range())
        )
        self.results_view.export_requested.connect(self.export_result)
        lp = self.library_panel
        lp.add_requested.connect(self.choose_folder)
        lp.remove_requested.connect(self.remove_folder)
        lp.excludes_requested.connect(self.edit_excludes)
        lp.retry_requested.connect(
            lambda: self.when_model_ready(lambda: self.indexing.index(retry_failed=True))
        )
        self.models.loading.connect(self.banner.show_loading)
        self.models.ready.connect(self._on_model)
        self.models.failed.connect(self._on_model_error)
        ix = self.indexing
        ix.progress.connect(self._on_progress)
        ix.busy_changed.connect(self.indexing_status.set_busy)
        ix.run_finished.connect(self._on_index_finished)
        ix.run_failed.connect(self._on_index_failed)
        self.indexing_status.pause_requested.connect(ix.pause)
        self.indexing_status.resume_requested.connect(ix.resume)

    def apply_style(self) -> None:
        """Fill the style sheet from the current palette (light or dark)."""
        self.setStyleSheet(stylesheet(QGuiApplication.palette()))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_style()
        super().changeEvent(event)

    # --- search -----------------------------------------------------------------------------
    def search(self, query: Any) -> None:
        """Search off the UI thread; a text, an ImageQuery or a ClipQuery."""
        if self.snapshot.is_empty and self.snapshot_loaded:
            self.status(self.tr("Add a folder of videos first."))
            return
        self._search_gen += 1
        gen = self._search_gen
        self._k, self._keep_place = self.settings.results_k, None
        self.status(self.tr("Searching\u2026"))
        self.when_model_ready(lambda: self._start_search(gen, query))

    def _start_search(self, gen: int, query: Any) -> None:
        if gen != self._search_gen:
            return
        db, model, k, hide = self.db, self.model, self._k, self.settings.hide_copies
        self.runner.submit(
            Pool.SEARCH,
            lambda _r: ops.run_search(db, model, query, k, hide_copies=hide),
            name="Searching",
            on_done=lambda out: self._on_results(gen, out),
            on_error=lambda e: self._on_search_error(gen, e),
        )

    def _on_results(self, gen: int, outcome: ops.SearchOutcome) -> None:
        if gen != self._search_gen:
            return  # a newer search is on its way
        self._loading = False
        self.last_outcome, self.last_error = outcome, None
        if self.banner.state == BannerState.MESSAGE:
            self.banner.hide_banner()
        self.results_model.set_items(outcome.items)
        n = len(outcome.items)
        note = "".join(f" {engine_sentence(w)}" for w in outcome.warnings)
        what = describe_query(outcome.query)
        found = self.tr("1 moment {what}in {s} s.") if n == 1 else self.tr("{n} moments {what}in {s} s.")
        self.status(found.format(n=n, what=what, s=f"{outcome.elapsed_s:.2f}") + note)
        self.empty_label.setVisible(n == 0)
        if n == 0:
            self.empty_label.setText(
                self.tr("Nothing matched. Try other words, or drop an image on the window.")
            )
        elif self._keep_place is not None:  # more of the same results: stay where the user was
            row, scroll = self._keep_place
            self.results_view.select_row(row)
            self.results_view.verticalScrollBar().setValue(scroll)
        else:
            self.results_view.select_row(0)

    def load_more(self) -> None:
        """The results were scrolled to the end: ask for results_k more moments of the same query."""
        outcome = self.last_outcome
        if outcome is None or self._loading or len(outcome.items) < self._k:  # all there is, or on its way
            return
        self._k += self.settings.results_k
        self._search_gen += 1
        self._loading = True
        rv = self.results_view
        self._keep_place = (rv.currentIndex().row(), rv.verticalScrollBar().value())
        self._start_search(self._search_gen, outcome.query)

    def _on_search_error(self, gen: int, exc: BaseException) -> None:
        if gen == self._search_gen:
            self._loading = False
            self.last_error = exc
            self._show_error(exc)

    def choose_image(self) -> None:
        """Pick an image file and search by it."""
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Search by image"),
            "",
            self.tr("Images") + " (*.jpg *.jpeg *.png *.bmp *.webp *.gif *.tif *.tiff)",
        )
        if path:
            self.search_image(path)

    def search_image(self, path: str) -> None:
        """Search for moments that look like the image at `path`."""
        from engine.search import ImageQuery

        self.search(ImageQuery(Path(path)))

    def more_like_this(self, row: int) -> None:
        """Search with the clip of a result as the query."""
        from engine.search import ClipQuery

        clip_id = top_clip_id(self.results_model.item(row).result)
        if clip_id is not None:
            self.search(ClipQuery(clip_id))

    # --- results ----------------------------------------------------------------------------
    def _show_preview(self, row: int) -> None:
        self.preview.show_item(self.results_model.item(row) if row >= 0 else None)

    def open_result(self, row: int) -> None:
        """Open a result in the system player just before its best moment."""
        if 0 <= row < self.results_model.rowCount():
            r = self.results_model.item(row).result
            self.preview.stop()
            if not open_in_system_player(r.path, r.play_from()):
                self.status(self.tr("No program is set up to play this file."))

    def export_result(self, row: int, span: tuple[float, float] | None = None) -> ExportDialog | None:
        """Open "Export clip…" for a result, its range preset to `span` (the preview's in and out) or else
        the moment's (the dialog is returned)."""
        if not 0 <= row < self.results_model.rowCount():
            return None
        r = self.results_model.item(row).result
        start, end = span or (r.start, r.end)
        dialog = ExportDialog(self.runner, r.path, start, end, r.duration, self)
        dialog.finished_export.connect(lambda res: self.status(dialog.message.text()))
        dialog.setModal(False)
        dialog.show()
        return dialog

    def copy_result_path(self, row: int) -> None:
        """Put "path @ mm:ss" of a result on the clipboard."""
        r = self.results_model.item(row).result
        QGuiApplication.clipboard().setText(path_with_timestamp(r.path, r.moment))
        self.status(self.tr("Copied the path with its timestamp."))

    def _focus_results(self) -> None:
        if self.results_model.rowCount():
            self.results_view.setFocus(Qt.FocusReason.TabFocusReason)
            if not self.results_view.currentIndex().isValid():
                self.results_view.select_row(0)

    # --- drops, messages, closing ---------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self._dropped_paths(event.mimeData())
        if not paths:
            return
        event.acceptProposedAction()
        self.handle_drop(paths)

    def handle_drop(self, paths: list[str]) -> None:
        """Folders are added to the library; an image searches by it."""
        for p in paths:
            if Path(p).is_dir():
                self.add_folder(p)
        images = [p for p in paths if ops.is_image_path(p) and Path(p).is_file()]
        if images:
            self.search_image(images[0])

    @staticmethod
    def _dropped_paths(mime: Any) -> list[str]:
        if not mime.hasUrls():
            return []
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        return [p for p in paths if Path(p).is_dir() or ops.is_image_path(p)]

    def status(self, text: str) -> None:
        """Show a line in the status bar."""
        self.status_label.setText(text)

    def _show_error(self, exc: BaseException) -> None:
        log.info("shown to the user: %s", exc)
        self.status(engine_sentence(str(exc)))
        self.banner.show_message(engine_sentence(str(exc)))

    def confirm(self, title: str, text: str) -> bool:
        """Ask a yes/no question (tests replace this)."""
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        self.preview.stop()
        self.indexing.shutdown()
        self.runner.wait(15_000)
        super().closeEvent(event)
