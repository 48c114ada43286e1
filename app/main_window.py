"""The main window: search bar, library panel, result cards, preview, indexing strip; wiring only.

The work is done by controllers the window composes, each given what it uses: LibraryController
(folders, snapshots, starting runs), ModelController (the model, the settings), SearchController
(queries and their results), IndexingController (runs and the watcher) and VectorIndexMonitor (the
vector index build). They report through signals; the window routes those to its widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QSize, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
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
from app.library_controller import LibraryController
from app.library_snapshot import LibrarySnapshot
from app.model_controller import ModelController
from app.models.library_model import LibraryModel
from app.models.results_model import ResultsModel
from app.search_controller import SearchController
from app.settings import AppSettings
from app.style import stylesheet
from app.system_player import open_containing_folder, open_in_system_player
from app.tasks import TaskRunner
from app.vector_index_monitor import VectorIndexMonitor
from app.views.elided_label import ElidedLabel
from app.views.export_dialog import ExportDialog
from app.views.indexing_status import IndexingStatus
from app.views.library_panel import LibraryPanel
from app.views.model_banner import ModelBanner
from app.views.preview import PreviewPane
from app.views.results_view import ResultsView
from app.views.search_bar import SearchBar
from app.views.welcome import WelcomePage
from engine import config

log = logging.getLogger(__name__)


class Page:
    """Indices of the central stack."""

    WELCOME = 0
    RESULTS = 1


class MainWindow(QMainWindow):
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
        self.results_model = ResultsModel(self)
        self.library_model = LibraryModel(self)
        self._build(playback)
        self.indexing = IndexingController(self.runner, self.db, self.settings, self)
        self.model_ctl = ModelController(self.runner, self.settings, self.indexing, self.banner, self, self)
        models = self.model_ctl.models
        self.library_ctl = LibraryController(
            self.runner, self.db, models, self.indexing, self, self, index_on_start=index_on_start
        )
        self.search_ctl = SearchController(
            self.runner,
            self.db,
            self.settings,
            models,
            self.results_model,
            self.results_view,
            self.empty_label,
            self.banner,
            self,
        )
        self.vector_index = VectorIndexMonitor(self.runner, self.db, self)
        self._wire()
        self.apply_style()
        self.resize(QSize(1280, 800))
        self.search_bar.focus()
        self.library_ctl.refresh()

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
        self.results_split.setSizes([534, 356])  # 3:2 of the room beside the library panel
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
        self.main_split.setSizes([390, 890])  # room for the folder names beside four count/state columns

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
        lib, mod, find, ix = self.library_ctl, self.model_ctl, self.search_ctl, self.indexing
        shortcuts: list[tuple[QKeySequence, Callable[[], None]]] = [
            (QKeySequence(QKeySequence.StandardKey.Find), self.search_bar.focus),
            (QKeySequence("Ctrl+L"), self.search_bar.focus),
            (QKeySequence("Ctrl+O"), lib.choose_folder),
            (QKeySequence("Ctrl+I"), find.choose_image),
            (QKeySequence("Ctrl+,"), mod.open_settings),
            (QKeySequence("F5"), lib.index_all),
        ]
        for keys, slot in shortcuts:
            QShortcut(keys, self).activated.connect(slot)
        self.search_bar.submitted.connect(find.search)
        self.search_bar.image_requested.connect(find.choose_image)
        self.search_bar.field.move_to_results.connect(self._focus_results)
        self.settings_button.clicked.connect(mod.open_settings)
        self.welcome.add_folder_requested.connect(lib.choose_folder)
        rv = self.results_view
        rv.current_result.connect(self._show_preview)
        rv.activated_result.connect(self.open_result)
        rv.open_folder_requested.connect(
            lambda row: open_containing_folder(self.results_model.item(row).result.path)
        )
        rv.copy_path_requested.connect(self.copy_result_path)
        rv.back_to_search.connect(self.search_bar.focus)
        rv.export_requested.connect(self.export_result)
        self.preview.open_requested.connect(lambda: self.open_result(rv.currentIndex().row()))
        self.preview.export_requested.connect(
            lambda: self.export_result(rv.currentIndex().row(), self.preview.export_range())
        )
        lp = self.library_panel
        lp.add_requested.connect(lib.choose_folder)
        lp.remove_requested.connect(lib.remove_folder)
        lp.excludes_requested.connect(lib.edit_excludes)
        lp.retry_requested.connect(lib.retry_failed)
        for snapshot_changed in (mod.set_snapshot, find.set_snapshot, self._show_snapshot):
            lib.snapshot_changed.connect(snapshot_changed)
        lib.snapshot_changed.connect(lambda _s: self.vector_index.check())
        lib.opened.connect(self._set_empty_text)
        lib.folder_added.connect(lambda _path: self._show_library(True))
        for ctl in (lib, find):
            ctl.status.connect(self.status)
            ctl.failed.connect(self._show_error)
        ix.progress.connect(self.indexing_status.show_progress)
        ix.busy_changed.connect(self.indexing_status.set_busy)
        self.indexing_status.pause_requested.connect(ix.pause)
        self.indexing_status.resume_requested.connect(ix.resume)
        self.vector_index.changed.connect(self.indexing_status.show_vector_index)

    def _show_snapshot(self, snapshot: LibrarySnapshot) -> None:
        self.library_panel.show_snapshot(snapshot)
        self._show_library(not snapshot.is_empty)

    def _show_library(self, shown: bool) -> None:
        """The library panel beside the results, or the welcome page standing alone."""
        self.stack.setCurrentIndex(Page.RESULTS if shown else Page.WELCOME)
        self.library_panel.setVisible(shown)

    def _set_empty_text(self, snapshot: LibrarySnapshot) -> None:
        if self.results_model.rowCount() == 0:
            n = sum(f.indexed for f in snapshot.folders)
            self.empty_label.setText(
                self.tr("Type what you are looking for and press Enter. {n} videos are indexed.").format(n=n)
                if n
                else self.tr("Videos appear here once they are indexed.")
            )
            self.empty_label.setVisible(True)

    def apply_style(self) -> None:
        """Fill the style sheet from the current palette (light or dark)."""
        self.setStyleSheet(stylesheet(QGuiApplication.palette()))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_style()
        super().changeEvent(event)

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
                self.library_ctl.add_folder(p)
        images = [p for p in paths if ops.is_image_path(p) and Path(p).is_file()]
        if images:
            self.search_ctl.search_image(images[0])

    @staticmethod
    def _dropped_paths(mime: QMimeData) -> list[str]:
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
