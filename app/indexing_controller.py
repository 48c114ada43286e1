"""Runs the Indexer and the folder watcher in the background and relays their progress to the UI."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from app.settings import AppSettings
from app.tasks import Pool, TaskRunner
from engine.indexing.progress import IndexProgress, Phase

if TYPE_CHECKING:
    from engine.indexing import Indexer, IndexSummary
    from engine.indexing.watch import LibraryWatcher
    from engine.model import GlimpseModel

log = logging.getLogger(__name__)


class IndexingController(QObject):
    """One writer at a time: manual runs stop the watcher, run on the index pool, then restart it."""

    progress = Signal(object)  # IndexProgress
    run_finished = Signal(object)  # IndexSummary
    run_failed = Signal(object)  # exception with a human sentence
    busy_changed = Signal(bool)

    def __init__(
        self, runner: TaskRunner, db: Path | None, settings: AppSettings, parent: QObject | None = None
    ):
        super().__init__(parent)
        self._runner = runner
        self._db = db
        self.settings = settings
        self._lock = threading.Lock()
        self._indexer: Indexer | None = None  # the Indexer of the run in progress
        self._watcher: LibraryWatcher | None = None
        self._model: GlimpseModel | None = None
        self._runs = 0  # queued or running
        self._paused = False
        self._closing = False
        self.watch_settle_s = 3.0  # quiet time before a changed file is indexed

    @property
    def watching(self) -> bool:
        """True while the folder watcher runs."""
        return self._watcher is not None

    # --- public ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while a run is queued or in progress."""
        return self._runs > 0

    @property
    def paused(self) -> bool:
        """True after pause() until resume()."""
        return self._paused

    def set_model(self, model: GlimpseModel) -> None:
        """Share the app's loaded model with the indexer (one copy in memory)."""
        self._model = model

    def index(
        self,
        roots: Sequence[str] | None = None,
        *,
        force: bool = False,
        retry_failed: bool = False,
        model_spec: str | None = None,
    ) -> None:
        """Queue an indexing run over `roots` (library folders) or the whole library."""
        self._runs += 1
        if self._runs == 1:
            self.busy_changed.emit(True)
        roots_list = list(roots) if roots is not None else None
        self._runner.submit(
            Pool.INDEX,
            lambda report: self._run(roots_list, force, retry_failed, model_spec, report),
            name="Indexing",
            on_done=self._on_done,
            on_error=self._on_error,
            on_progress=self.progress.emit,
        )

    def pause(self) -> None:
        """Pause the run in progress and the watcher (between videos)."""
        self._paused = True
        with self._lock:
            if self._indexer is not None:
                self._indexer.pause()
            if self._watcher is not None:
                self._watcher.pause()
        self.progress.emit(IndexProgress(phase=Phase.PAUSED, message="Indexing paused."))

    def resume(self) -> None:
        """Carry on after pause()."""
        self._paused = False
        with self._lock:
            if self._indexer is not None:
                self._indexer.resume()
            if self._watcher is not None:
                self._watcher.resume()

    def start_watching(self) -> None:
        """Start the folder watcher on the index pool (after any queued run)."""
        if self.settings.watch_folders and not self._closing:
            self._runner.submit(
                Pool.INDEX,
                lambda _r: self._start_watcher(),
                name="Watching folders",
                on_error=self.run_failed.emit,
            )

    def set_watching(self, enabled: bool) -> None:
        """Turn folder watching on or off (the settings' checkbox); the watcher stops on the index pool."""
        self.settings.watch_folders = enabled
        if enabled:
            self.start_watching()
        else:
            self._runner.submit(Pool.INDEX, lambda _r: self._stop_watcher(10.0), name="Stopping the watcher")

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Cancel the run in progress and stop the watcher (the window is closing)."""
        self._closing = True
        with self._lock:
            if self._indexer is not None:
                self._indexer.cancel()
                self._indexer.resume()
        self._stop_watcher(timeout_s)

    # --- on the index pool thread ------------------------------------------------------------
    def _run(
        self,
        roots: list[str] | None,
        force: bool,
        retry_failed: bool,
        model_spec: str | None,
        report: Callable[[IndexProgress], None],
    ) -> IndexSummary:
        from engine.indexing import Indexer

        self._stop_watcher(10.0)
        s = self.settings
        indexer = Indexer(
            self._db,
            model_spec=model_spec or None,
            device=s.device_or_none,
            on_progress=report,
            model=self._model,
            fps=s.sample_fps,
            max_frames=s.max_frames,
        )
        with self._lock:
            self._indexer = indexer
            if self._paused:
                indexer.pause()
        try:
            if self._closing:
                indexer.cancel()
            return indexer.run(
                [Path(r) for r in roots] if roots is not None else None,
                force=force,
                retry_failed=retry_failed,
            )
        finally:
            with self._lock:
                self._indexer = None

    def _start_watcher(self) -> None:
        try:
            from engine.indexing.watch import LibraryWatcher
        except ImportError:
            log.info("folder watching is not available in this build")
            return
        with self._lock:
            if self._watcher is not None or self._closing:
                return
            watcher = LibraryWatcher(
                self._db,
                device=self.settings.device_or_none,
                on_progress=self.progress.emit,
                model=self._model,
                settle_s=self.watch_settle_s,
            )
            self._watcher = watcher
        watcher.start()
        if self._paused:
            watcher.pause()

    def _stop_watcher(self, timeout_s: float) -> None:
        with self._lock:
            watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop(timeout=timeout_s)

    # --- back on the UI thread ---------------------------------------------------------------
    def _finish_one(self) -> None:
        self._runs = max(0, self._runs - 1)
        if self._runs == 0:
            self.busy_changed.emit(False)
            self.start_watching()

    def _on_done(self, summary: IndexSummary) -> None:
        self._finish_one()
        self.run_finished.emit(summary)

    def _on_error(self, exc: BaseException) -> None:
        self._finish_one()
        self.run_failed.emit(exc)
