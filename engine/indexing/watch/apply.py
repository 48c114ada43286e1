"""Settled batches to the indexer: offline roots left out, a locked database retried, the outcome counted."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import DatabaseLockedError, GlimpseError
from engine.indexing.watch.roots import RootState
from engine.indexing.watch.settle import Settler
from engine.indexing.watch.stats import WatchCounters
from engine.indexing.watch.supervisor import Supervisor
from engine.indexing.watch.types import Batch

if TYPE_CHECKING:
    from engine.indexing import Indexer, IndexSummary

log = logging.getLogger(__name__)

#: A batch the indexer could not apply is retried this many times before it waits for the next rescan.
MAX_ATTEMPTS = 3


class BatchApplier:
    """Hands each settled batch to `Indexer.sync_paths` (from the watch thread only)."""

    def __init__(
        self, indexer: Indexer, supervisor: Supervisor, settler: Settler, counters: WatchCounters
    ) -> None:
        self._indexer = indexer
        self._supervisor = supervisor
        self._settler = settler
        self._counters = counters
        self.last_error = ""  # the last indexing error, one sentence
        self._locked_tries = 0  # consecutive batches refused because the database was locked

    def apply(self, batch: Batch) -> None:
        """Sync the batch's paths under online roots; a failure is recorded, never raised."""
        paths, roots_scanned = self._online_paths(batch)
        if not paths:
            return
        log.info("syncing %d path(s): %s", len(paths), preview(paths))
        try:
            summary = self._indexer.sync_paths([Path(p) for p in paths])
        except DatabaseLockedError as exc:
            self._retry(batch, exc)
            return
        except GlimpseError as exc:
            self._record_error(exc)
            return
        except Exception as exc:  # a bug in one batch must not end the watch
            log.exception("indexing %s failed", preview(paths))
            self._record_error(exc)
            return
        self._locked_tries = 0
        self._count(summary, batch, paths, roots_scanned)
        if summary.offline_roots:
            self._supervisor.wake()
        now = time.time()
        for root in roots_scanned:
            if root not in summary.offline_roots:
                self._supervisor.mark_scanned(root, now)

    def _online_paths(self, batch: Batch) -> tuple[list[str], list[str]]:
        """The batch's paths under roots online right now, and those of them that are whole roots."""
        supervisor = self._supervisor
        paths: list[str] = []
        roots_scanned: list[str] = []
        dropped = 0
        statuses = supervisor.status()
        present: dict[str, bool] = {}
        for path in batch.paths:
            root = supervisor.root_of(path)
            status = statuses.get(root) if root is not None else None
            if root is None or status is None or status.state == RootState.OFFLINE:
                dropped += 1
                continue
            if root not in present:
                # Looked at again right before indexing: a drive pulled since the event must not
                # lose its index to a rescan that finds it empty.
                present[root] = supervisor.root_present(root, status.folder_id)
            if not present[root]:
                dropped += 1
                continue
            paths.append(path)
            if path == root:
                roots_scanned.append(root)
        if dropped:
            log.info("left out %d change(s) under missing or offline folders", dropped)
            supervisor.wake()
            with self._counters.update() as s:
                s.dropped_offline += dropped
        return paths, roots_scanned

    def _retry(self, batch: Batch, exc: Exception) -> None:
        self._locked_tries += 1
        if self._locked_tries >= MAX_ATTEMPTS:
            self._locked_tries = 0
            self._record_error(exc)  # left for the next rescan
            return
        log.warning("%s; trying again shortly", exc)
        self._settler.requeue(batch)

    def _record_error(self, exc: Exception) -> None:
        self.last_error = str(exc) if isinstance(exc, GlimpseError) else f"Indexing failed: {exc}"
        log.error("%s", self.last_error)
        with self._counters.update() as s:
            s.errors += 1

    def _count(self, summary: IndexSummary, batch: Batch, paths: list[str], roots: list[str]) -> None:
        folders = [p for p in batch.folders if p in set(paths)]
        with self._counters.update() as s:
            s.syncs += 1
            s.folder_rescans += len(folders)
            s.root_rescans += len(roots)
            s.indexed += summary.indexed
            s.moved += summary.moved
            s.removed += summary.removed
            s.failed += summary.failed
        log.info(
            "synced: %d indexed, %d moved, %d removed, %d failed%s",
            summary.indexed,
            summary.moved,
            summary.removed,
            summary.failed,
            " - cancelled" if summary.cancelled else "",
        )


def preview(paths: list[str], limit: int = 3) -> str:
    """The first few paths, and how many more, for a log line."""
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")
