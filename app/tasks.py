"""Work off the UI thread: QRunnable tasks whose results, errors and progress come back by signal.

Each task opens its own LibraryStore (connections are per thread); the UI thread only ever
receives finished values. Separate pools keep kinds of work from queueing behind each other:
searches (one at a time; the window ignores stale answers), library reads/edits, model loading,
and indexing (the one writer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from engine.errors import GlimpseError

log = logging.getLogger(__name__)

ProgressFn = Callable[[object], None]
T = TypeVar("T")


class Pool(StrEnum):
    """Which queue a task joins."""

    SEARCH = "search"
    LIBRARY = "library"
    INDEX = "index"
    MODEL = "model"
    EXPORT = "export"


class TaskSignals(QObject):
    """What a task reports; connected with queued connections, so slots run on the UI thread."""

    finished = Signal(object)  # the function's return value
    failed = Signal(object)  # the exception (str() is a sentence for a person)
    progress = Signal(object)


class Task(QRunnable):
    """Runs `fn(report_progress)` on a pool thread and reports the outcome by signal."""

    def __init__(self, fn: Callable[[ProgressFn], object], name: str) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner keeps it alive until its signals are delivered
        self.fn = fn
        self.name = name
        self.signals = TaskSignals()
        self.started = False

    def run(self) -> None:
        self.started = True
        try:
            result = self.fn(self.signals.progress.emit)
        except GlimpseError as exc:
            log.info("%s: %s", self.name, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            self.signals.failed.emit(exc)
        except Exception as exc:  # noqa: BLE001 - a bug must reach the user as a sentence, not kill the thread
            log.exception("%s failed", self.name)
            self.signals.failed.emit(
                RuntimeError(
                    QCoreApplication.translate("Tasks", "Something failed unexpectedly: {error}").format(
                        error=exc
                    )
                )
            )
        else:
            self.signals.finished.emit(result)


@dataclass
class _Pending:
    """A queued or running task and what to call back when it reports."""

    task: Task
    pool: Pool
    on_done: Callable[[Any], None] | None
    on_error: Callable[[BaseException], None] | None
    on_progress: Callable[[Any], None] | None


class TaskRunner(QObject):
    """Owns the thread pools and keeps running tasks referenced.

    A task's signals reach the runner's own slots, which call the task's callbacks: when the runner
    goes (its window was closed and deleted), Qt drops what was still queued for it, so a late answer
    never calls into objects deleted with the window.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pools: dict[Pool, QThreadPool] = {}
        for pool in Pool:
            p = QThreadPool(self)
            p.setMaxThreadCount(1)  # each kind of work runs in order; kinds run side by side
            self._pools[pool] = p
        self._live: dict[TaskSignals, _Pending] = {}

    def submit(
        self,
        pool: Pool,
        fn: Callable[[ProgressFn], T],
        *,
        name: str,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
    ) -> Task:
        """Queue `fn` on `pool`; callbacks run on the UI thread."""
        task = Task(fn, name)
        self._live[task.signals] = _Pending(task, pool, on_done, on_error, on_progress)
        task.signals.finished.connect(self._finished)
        task.signals.failed.connect(self._failed)
        task.signals.progress.connect(self._progress)
        self._pools[pool].start(task)
        return task

    def _pending(self, *, done: bool) -> _Pending | None:
        sender = self.sender()
        if not isinstance(sender, TaskSignals):
            return None
        return self._live.pop(sender, None) if done else self._live.get(sender)

    def _finished(self, result: object) -> None:
        pending = self._pending(done=True)
        if pending is not None and pending.on_done is not None:
            pending.on_done(result)

    def _failed(self, exc: BaseException) -> None:
        pending = self._pending(done=True)
        if pending is not None and pending.on_error is not None:
            pending.on_error(exc)

    def _progress(self, value: object) -> None:
        pending = self._pending(done=False)
        if pending is not None and pending.on_progress is not None:
            pending.on_progress(value)

    def busy(self, pool: Pool | None = None) -> bool:
        """True while any task (of `pool`) is queued or running."""
        return any(pool is None or p.pool == pool for p in self._live.values())

    def wait(self, timeout_ms: int = 10_000) -> bool:
        """Wait for every pool to drain (used when the window closes)."""
        return all(p.waitForDone(timeout_ms) for p in self._pools.values())
