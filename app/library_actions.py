"""The window's library actions: read it, add/remove folders, exclude patterns, start indexing."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog

from app import operations as ops
from app.library_snapshot import FolderSummary, LibrarySnapshot, read_snapshot
from app.tasks import Pool

log = logging.getLogger(__name__)


class Page:
    """Indices of the central stack."""

    WELCOME = 0
    RESULTS = 1


class LibraryActions:
    """Mixed into MainWindow (which provides runner, db, snapshot, the panels and the controllers).

    Every library read and edit runs on the library pool; indexing waits for the model.
    """

    def refresh_library(self) -> None:
        """Re-read folders, counts and failures on a worker thread."""
        db = self.db
        self.runner.submit(
            Pool.LIBRARY,
            lambda _r: read_snapshot(db),
            name="Reading the library",
            on_done=self._on_snapshot,
            on_error=self._show_error,
        )

    def _on_snapshot(self, snapshot: LibrarySnapshot) -> None:
        self.snapshot = snapshot
        self.snapshot_loaded = True
        self.library_panel.show_snapshot(snapshot)
        self.stack.setCurrentIndex(Page.WELCOME if snapshot.is_empty else Page.RESULTS)
        self.library_panel.setVisible(not snapshot.is_empty)  # the welcome page stands alone
        if not self._started:
            self._started = True
            if not snapshot.is_empty:
                self.ensure_model()
                if self._index_on_start:
                    self.index_all()
                self._set_empty_text()

    def _set_empty_text(self) -> None:
        if self.results_model.rowCount() == 0:
            n = sum(f.indexed for f in self.snapshot.folders)
            self.empty_label.setText(
                QCoreApplication.translate(
                    "MainWindow", "Type what you are looking for and press Enter. {n} videos are indexed."
                ).format(n=n)
                if n
                else QCoreApplication.translate("MainWindow", "Videos appear here once they are indexed.")
            )
            self.empty_label.setVisible(True)

    def choose_folder(self) -> None:
        """Ask for a folder to add."""
        path = QFileDialog.getExistingDirectory(self, "Add a folder of videos")
        if path:
            self.add_folder(path)

    def add_folder(self, path: str) -> None:
        """Add a folder to the library and index it in the background."""
        self.status(QCoreApplication.translate("MainWindow", "Adding {path}\u2026").format(path=path))
        db = self.db
        self.runner.submit(
            Pool.LIBRARY,
            lambda _r: ops.add_folder(db, path),
            name="Adding the folder",
            on_done=self._on_folder_added,
            on_error=self._show_error,
        )

    def _on_folder_added(self, stored: str) -> None:
        self.status(
            QCoreApplication.translate(
                "MainWindow", "Added {path}; indexing starts in the background."
            ).format(path=stored)
        )
        self._started = True
        self.refresh_library()
        self.stack.setCurrentIndex(Page.RESULTS)
        self.library_panel.setVisible(True)
        self.ensure_model()
        self.when_model_ready(lambda: self.indexing.index([stored]))

    def remove_folder(self, folder: FolderSummary) -> None:
        """Remove a folder from the library after asking (the files stay on disk)."""
        if not self.confirm(
            QCoreApplication.translate("MainWindow", "Remove folder"),
            QCoreApplication.translate(
                "MainWindow",
                "Remove {path} and its {n} indexed videos from the library? "
                "The files on disk are not touched.",
            ).format(path=folder.path, n=folder.indexed),
        ):
            return
        db = self.db
        self.runner.submit(
            Pool.LIBRARY,
            lambda _r: ops.remove_folder(db, folder.path),
            name="Removing the folder",
            on_done=lambda _r: self.refresh_library(),
            on_error=self._show_error,
        )

    def edit_excludes(self, folder: FolderSummary) -> None:
        """Edit a folder's exclude patterns, then rescan it."""
        text, ok = QInputDialog.getMultiLineText(
            self,
            QCoreApplication.translate("MainWindow", "Exclude patterns"),
            QCoreApplication.translate(
                "MainWindow",
                "Files under {path} matching these patterns are left out\n"
                "(one glob pattern per line, e.g. */drafts/* or *.tmp.mp4):",
            ).format(path=folder.path),
            "\n".join(folder.excludes),
        )
        if ok:
            self.set_excludes(folder, text.splitlines())

    def set_excludes(self, folder: FolderSummary, patterns: list[str]) -> None:
        """Store new exclude patterns for `folder` and reindex it."""
        db = self.db
        self.runner.submit(
            Pool.LIBRARY,
            lambda _r: ops.set_excludes(db, folder.folder_id, patterns),
            name="Saving exclude patterns",
            on_done=lambda _r: self._rescan_folder(folder.path),
            on_error=self._show_error,
        )

    def _rescan_folder(self, path: str) -> None:
        self.refresh_library()
        self.when_model_ready(lambda: self.indexing.index([path]))

    def index_all(self) -> None:
        """Bring the whole library in step with the disk (F5)."""
        if not self.snapshot.is_empty:
            self.when_model_ready(lambda: self.indexing.index())

    def _on_progress(self, progress: Any) -> None:
        self.indexing_status.show_progress(progress)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _on_index_finished(self, summary: Any) -> None:
        self.refresh_library()
        failed = getattr(summary, "failed", 0)
        if not failed and not getattr(summary, "indexed", 0):
            self.status(QCoreApplication.translate("MainWindow", "The library is up to date."))
            return
        done = QCoreApplication.translate("MainWindow", "Indexing finished: {n} indexed").format(
            n=getattr(summary, "indexed", 0)
        )
        more = QCoreApplication.translate("MainWindow", ", {n} failed").format(n=failed) if failed else ""
        self.status(done + more + QCoreApplication.translate("MainWindow", "."))

    def _on_index_failed(self, exc: BaseException) -> None:
        self.refresh_library()
        self._show_error(exc)
