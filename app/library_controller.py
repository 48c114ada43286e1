"""The library's controller: read it, add/remove folders, exclude patterns, start indexing.

Every library read and edit runs on the library pool; indexing waits for the model. The window
shows what this controller reports through its signals (snapshots, status lines, errors).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from app import operations as ops
from app.asker import Asker
from app.indexing_controller import IndexingController
from app.library_snapshot import FolderSummary, LibrarySnapshot, read_snapshot
from app.model_holder import ModelHolder
from app.tasks import Pool, TaskRunner

if TYPE_CHECKING:
    from pathlib import Path

    from engine.indexing import IndexSummary

log = logging.getLogger(__name__)

LIBRARY_REFRESH_MS = 1000  # at most one library re-read a second while indexing


class LibraryController(QObject):
    """Owns the latest LibrarySnapshot and every edit of the library's folders."""

    snapshot_changed = Signal(object)  # LibrarySnapshot, after every read
    opened = Signal(object)  # LibrarySnapshot: the first read found a library (not the welcome state)
    folder_added = Signal(str)  # the stored path; its indexing is queued
    status = Signal(str)  # a line for the status bar
    failed = Signal(object)  # an exception whose str() is a sentence for a person

    def __init__(
        self,
        runner: TaskRunner,
        db: Path,
        models: ModelHolder,
        indexing: IndexingController,
        asker: Asker,
        window: QWidget,
        *,
        index_on_start: bool = True,
    ) -> None:
        super().__init__(window)
        self._runner = runner
        self._db = db
        self._models = models
        self._indexing = indexing
        self._asker = asker
        self._window = window  # the parent of this controller's dialogs
        self._index_on_start = index_on_start
        self._started = False
        self.snapshot = LibrarySnapshot(exists=False)
        self.snapshot_loaded = False
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(LIBRARY_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        indexing.progress.connect(self._on_progress)
        indexing.run_finished.connect(self._on_index_finished)
        indexing.run_failed.connect(self._on_index_failed)

    # --- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read folders, counts and failures on a worker thread."""
        db = self._db
        self._runner.submit(
            Pool.LIBRARY,
            lambda _r: read_snapshot(db),
            name="Reading the library",
            on_done=self._on_snapshot,
            on_error=self.failed.emit,
        )

    def _on_snapshot(self, snapshot: LibrarySnapshot) -> None:
        self.snapshot = snapshot
        self.snapshot_loaded = True
        self.snapshot_changed.emit(snapshot)
        if not self._started:
            self._started = True
            if not snapshot.is_empty:
                self._models.ensure()
                if self._index_on_start:
                    self.index_all()
                self.opened.emit(snapshot)

    # --- folders -------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        """Ask for a folder to add."""
        path = QFileDialog.getExistingDirectory(self._window, "Add a folder of videos")
        if path:
            self.add_folder(path)

    def add_folder(self, path: str) -> None:
        """Add a folder to the library and index it in the background."""
        self.status.emit(self.tr("Adding {path}\u2026").format(path=path))
        db = self._db
        self._runner.submit(
            Pool.LIBRARY,
            lambda _r: ops.add_folder(db, path),
            name="Adding the folder",
            on_done=self._on_folder_added,
            on_error=self.failed.emit,
        )

    def _on_folder_added(self, stored: str) -> None:
        self.status.emit(self.tr("Added {path}; indexing starts in the background.").format(path=stored))
        self._started = True
        self.refresh()
        self.folder_added.emit(stored)
        self._models.ensure()
        self._models.when_ready(lambda: self._indexing.index([stored]))

    def remove_folder(self, folder: FolderSummary) -> None:
        """Remove a folder from the library after asking (the files stay on disk)."""
        if not self._asker.confirm(
            self.tr("Remove folder"),
            self.tr(
                "Remove {path} and its {n} indexed videos from the library? "
                "The files on disk are not touched."
            ).format(path=folder.path, n=folder.indexed),
        ):
            return
        db = self._db
        self._runner.submit(
            Pool.LIBRARY,
            lambda _r: ops.remove_folder(db, folder.path),
            name="Removing the folder",
            on_done=lambda _r: self.refresh(),
            on_error=self.failed.emit,
        )

    def edit_excludes(self, folder: FolderSummary) -> None:
        """Edit a folder's exclude patterns, then rescan it."""
        text, ok = QInputDialog.getMultiLineText(
            self._window,
            self.tr("Exclude patterns"),
            self.tr(
                "Files under {path} matching these patterns are left out\n"
                "(one glob pattern per line, e.g. */drafts/* or *.tmp.mp4):"
            ).format(path=folder.path),
            "\n".join(folder.excludes),
        )
        if ok:
            self.set_excludes(folder, text.splitlines())

    def set_excludes(self, folder: FolderSummary, patterns: list[str]) -> None:
        """Store new exclude patterns for `folder` and reindex it."""
        db = self._db
        self._runner.submit(
            Pool.LIBRARY,
            lambda _r: ops.set_excludes(db, folder.folder_id, patterns),
            name="Saving exclude patterns",
            on_done=lambda _r: self._rescan_folder(folder.path),
            on_error=self.failed.emit,
        )

    def _rescan_folder(self, path: str) -> None:
        self.refresh()
        self._models.when_ready(lambda: self._indexing.index([path]))

    # --- indexing ------------------------------------------------------------------------------
    def index_all(self) -> None:
        """Bring the whole library in step with the disk (F5)."""
        if not self.snapshot.is_empty:
            self._models.when_ready(lambda: self._indexing.index())

    def retry_failed(self) -> None:
        """Index the files that failed before once more."""
        self._models.when_ready(lambda: self._indexing.index(retry_failed=True))

    def _on_progress(self, _progress: object) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _on_index_finished(self, summary: IndexSummary) -> None:
        self.refresh()
        if not summary.failed and not summary.indexed:
            self.status.emit(self.tr("The library is up to date."))
            return
        done = self.tr("Indexing finished: {n} indexed").format(n=summary.indexed)
        more = self.tr(", {n} failed").format(n=summary.failed) if summary.failed else ""
        self.status.emit(done + more + self.tr("."))

    def _on_index_failed(self, exc: BaseException) -> None:
        self.refresh()
        self.failed.emit(exc)
