"""Follows the store's vector (ANN) index while it is built in the background, for the indexing strip.

A big library gets its ANN index once, on a background thread of whichever process opened it for
writing (this app, or `glimpse index` in a terminal); searches stay exact meanwhile. The monitor reads
`LibraryStore.vector_index_status()` on the library pool, about once a second while a build runs,
and says when the state or the progress moved.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.tasks import Pool, TaskRunner
from engine import config
from engine.store.ann_build import IndexState, IndexStatus

log = logging.getLogger(__name__)

#: How often the state is read again while a build runs, and while a build is due (not started yet).
POLL_BUILDING_MS = 1000
POLL_DUE_MS = 3000
#: A build due for this many reads in a row is not coming (e.g. it failed; the log says why): stop asking.
DUE_POLLS_MAX = 20


def read_index_status(db: Path | None) -> IndexStatus:
    """The library's vector index state (call on a worker thread); NONE when there is no library yet."""
    from engine.store import LibraryStore

    path = config.db_path(db)
    if not path.exists():
        return IndexStatus(IndexState.NONE)
    with LibraryStore.open(path, readonly=True) as store:
        return store.vector_index_status()


def is_due(status: IndexStatus) -> bool:
    """True when the library is big enough for an index that is neither built nor being built."""
    return status.state is IndexState.NONE and status.total > 0


class VectorIndexMonitor(QObject):
    """Emits `changed` with each new IndexStatus; polls only while a build runs or is due."""

    changed = Signal(object)  # IndexStatus

    def __init__(self, runner: TaskRunner, db: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._db = db
        self._reading = False
        self._due_polls = 0
        self.last: IndexStatus | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check)

    def check(self) -> None:
        """Read the index state again (unless a read is already on its way)."""
        if self._reading:
            return
        self._reading = True
        db = self._db
        self._runner.submit(
            Pool.LIBRARY,
            lambda _r: read_index_status(db),
            name="Reading the vector index state",
            on_done=self._on_status,
            on_error=self._on_error,
        )

    def _on_status(self, status: IndexStatus) -> None:
        self._reading = False
        if status != self.last:
            self.last = status
            self.changed.emit(status)
        self._due_polls = self._due_polls + 1 if is_due(status) else 0
        if status.state is IndexState.BUILDING:
            self._timer.start(POLL_BUILDING_MS)
        elif is_due(status) and self._due_polls < DUE_POLLS_MAX:
            self._timer.start(POLL_DUE_MS)

    def _on_error(self, exc: BaseException) -> None:
        self._reading = False
        log.info("could not read the vector index state: %s", exc)  # the strip is a courtesy
