"""LibraryWatcher: keeps a library's index in step with its folders while the app or `glimpse watch` runs.

Observer threads only enqueue changes (engine.indexing.watch.observers); one watch thread drains the inbox
into the settler (engine.indexing.watch.settle), and hands each settled batch (engine.indexing.watch.apply)
to the indexer's `sync_paths`, which reconciles new, changed, moved and vanished files (a move keeps its
vectors).
A supervisor thread (engine.indexing.watch.supervisor) keeps one observer per root alive, falls back to
polling where events are unreliable and marks vanished roots offline. Every root is rescanned at
start-up (for what changed while nothing ran) and every `rescan_interval_s` (for missed events).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import config
from engine.indexing.progress import IndexProgress
from engine.indexing.watch.apply import BatchApplier
from engine.indexing.watch.inbox import Inbox, RequestKind
from engine.indexing.watch.roots import RootState, StoreLibrary
from engine.indexing.watch.settle import DEFAULT_BURST_THRESHOLD, Settler
from engine.indexing.watch.stats import WatchCounters, WatchStats
from engine.indexing.watch.supervisor import Supervisor
from engine.indexing.watch.types import ChangeKind
from engine.store import LibraryStore
from engine.video import is_video_path

if TYPE_CHECKING:
    from engine.indexing import Indexer
    from engine.model import GlimpseModel

log = logging.getLogger(__name__)

#: The watch loop wakes at least this often (seconds) to settle pending files.
TICK_S = 0.25


class LibraryWatcher:
    """Watch every library folder and index what changes, on background threads."""

    def __init__(
        self,
        db_path: Path | None = None,
        *,
        model_spec: str | None = None,
        device: str | None = None,
        on_progress: Callable[[IndexProgress], None] | None = None,
        settle_s: float = 3.0,
        rescan_interval_s: float = 3600.0,
        poll_interval_s: float = 5.0,
        health_interval_s: float = 2.0,
        burst_threshold: int = DEFAULT_BURST_THRESHOLD,
        force_polling: Iterable[str | os.PathLike[str]] = (),
        model: GlimpseModel | None = None,
    ) -> None:
        """Set up a watcher (nothing runs until `start()`).

        Args:
            db_path: the library database; default config.db_path().
            model_spec: the model to index with; default the library's own ("model_spec" meta).
            device: torch device for the model ("cuda", "cpu", ...); default the best available.
            on_progress: called (from the watch thread) with the indexer's progress events.
            settle_s: how long a file's size and mtime must stay unchanged before it is indexed.
            rescan_interval_s: how often every root is reconciled in full (missed events); 0 turns it off.
            poll_interval_s: the snapshot interval for roots watched by polling.
            health_interval_s: how often observers and roots are checked.
            burst_threshold: this many events in one folder within `settle_s` become one folder rescan.
            force_polling: roots to poll even where events would work.
            model: an already loaded model to index with (skips loading `model_spec`).
        """
        self.db_path = config.db_path(db_path)
        self.model_spec = model_spec
        self.device = device
        self.on_progress = on_progress
        self.settle_s = settle_s
        self.rescan_interval_s = rescan_interval_s
        self.poll_interval_s = poll_interval_s
        self.health_interval_s = health_interval_s
        self.burst_threshold = burst_threshold
        self.force_polling = [os.path.abspath(os.fspath(p)) for p in force_polling]
        self.model = model
        self._counters = WatchCounters()
        self._inbox = Inbox()
        self._settler: Settler | None = None
        self._supervisor: Supervisor | None = None
        self._applier: BatchApplier | None = None
        self._store: LibraryStore | None = None
        self._indexer: Indexer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._paused = threading.Event()
        self._idle = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        """True between `start()` and `stop()` while the watch thread lives."""
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def start(self) -> None:
        """Open the library, start observing every folder and the watch thread; returns at once.

        Raises:
            StoreError: the library database cannot be opened (with a sentence).
            ModelError: the model cannot be loaded.
        """
        if self.is_running:
            return
        from engine.indexing import Indexer  # here: engine.indexing imports this module's siblings

        self._stopping.clear()
        self._idle.clear()
        self._store = LibraryStore.open(self.db_path)
        try:
            indexer = self._indexer = Indexer(
                self.db_path,
                model_spec=self.model_spec,
                device=self.device,
                on_progress=self._progress,
                model=self.model,
            )
            indexer.model_for(self._store)  # now: a model that cannot load fails start() with its sentence
            self._settler = Settler(
                self.settle_s,
                is_relevant=is_video_path,
                burst_threshold=self.burst_threshold,
                min_hold=self._polled_hold,
            )
            self._supervisor = Supervisor(
                StoreLibrary(self._store),
                self._inbox,
                poll_interval_s=self.poll_interval_s,
                health_interval_s=self.health_interval_s,
                force_polling=self.force_polling,
                on_fault=self._count_fault,
            )
            self._applier = BatchApplier(indexer, self._supervisor, self._settler, self._counters)
            self._supervisor.start()
        except BaseException:
            self._store.close()
            self._store = None
            raise
        self._thread = threading.Thread(target=self._run, name="glimpse-watch", daemon=True)
        self._thread.start()
        log.info("watching %d folder(s) of %s", len(self._supervisor.status()), self.db_path)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop watching; the video being indexed is committed whole or not at all.

        Args:
            timeout: seconds to wait for the video in progress before giving up on it (its
                transaction then never commits, so nothing half-written remains).
        """
        if self._thread is None:
            return
        deadline = time.monotonic() + timeout
        self._stopping.set()
        if self._indexer is not None:
            self._indexer.cancel()
        self._inbox.wake()
        if self._supervisor is not None:
            self._supervisor.stop(timeout=max(0.1, min(5.0, deadline - time.monotonic())))
        # cancel() again while waiting: a run that was just starting may have reset the request.
        while self._thread.is_alive() and time.monotonic() < deadline:
            if self._indexer is not None:
                self._indexer.cancel()
            self._thread.join(min(0.2, max(0.01, deadline - time.monotonic())))
        if self._thread.is_alive():
            log.warning("the video in progress did not finish within %.0f s; it is left unindexed", timeout)
        else:
            self._close_store()
        self._thread = None
        log.info("stopped watching")

    def pause(self) -> None:
        """Hold indexing (changes keep being collected); thread-safe."""
        self._paused.set()
        if self._indexer is not None:
            self._indexer.pause()

    def resume(self) -> None:
        """Carry on after `pause()`; thread-safe."""
        self._paused.clear()
        if self._indexer is not None:
            self._indexer.resume()
        self._inbox.wake()

    @property
    def is_paused(self) -> bool:
        return self._paused.is_set()

    # --- queries ---------------------------------------------------------------------------------
    def status(self) -> dict[str, dict[str, Any]]:
        """Per root path: {"state": "watching"|"polling"|"offline", "reason", "last_scan" (epoch s)}."""
        if self._supervisor is None:
            return {}
        return {path: s.as_dict() for path, s in self._supervisor.status().items()}

    def stats(self) -> WatchStats:
        """A copy of the counters."""
        stats = self._counters.snapshot()
        if self._supervisor is not None:
            stats.observer_restarts = sum(s.restarts for s in self._supervisor.status().values())
        return stats

    @property
    def last_error(self) -> str:
        """The last indexing error, one sentence ("" when none)."""
        return self._applier.last_error if self._applier is not None else ""

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued, pending or being indexed; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._inbox.wake()
            self._idle.clear()
            if self._idle.wait(min(1.0, max(0.0, deadline - time.monotonic()))) and self._quiet():
                return True
        return False

    def rescan(self, root: str | os.PathLike[str] | None = None) -> None:
        """Ask for a full reconcile of one root (or all of them) once it settles."""
        roots = [os.path.abspath(os.fspath(root))] if root is not None else list(self.status())
        for path in roots:
            self._inbox.request(RequestKind.RESCAN, path, "asked")

    # --- the watch thread ------------------------------------------------------------------------
    def _run(self) -> None:
        next_full = time.monotonic() + self.rescan_interval_s if self.rescan_interval_s > 0 else None
        while not self._stopping.is_set():
            settler = self._settler
            assert settler is not None
            due = settler.next_due()
            self._inbox.wait(TICK_S if due is None else min(TICK_S, max(0.02, due)))
            if self._stopping.is_set():
                break
            try:
                self._take_inbox()
                if next_full is not None and time.monotonic() >= next_full:
                    next_full = time.monotonic() + self.rescan_interval_s
                    log.info("periodic rescan of every folder")
                    for root, state in self.status().items():
                        if state["state"] != RootState.OFFLINE:
                            self._inbox.request(RequestKind.RESCAN, root, "periodic")
                    continue
                if not self._paused.is_set():
                    batch = settler.take_ready(scope=self._scope)
                    if batch and self._applier is not None:
                        self._applier.apply(batch)
            except Exception:  # the loop must outlive any one bad batch
                log.exception("watch loop error")
                with self._counters.update() as s:
                    s.errors += 1
            if self._quiet():
                self._idle.set()

    def _scope(self, path: str) -> str | None:
        # Indexer.sync_paths reconciles the whole roots holding the paths it is given, so a root is
        # only synced once nothing in it is still settling.
        return self._supervisor.root_of(path) if self._supervisor is not None else None

    def _polled_hold(self, path: str) -> float:
        # A polled root reports growth once per poll and a network drive's attributes lag: a file
        # there must look unchanged across two polls before it counts as settled.
        supervisor = self._supervisor
        if supervisor is None:
            return 0.0
        root = supervisor.root_of(path)
        return 2 * self.poll_interval_s if root is not None and supervisor.is_polling(root) else 0.0

    def _quiet(self) -> bool:
        settler = self._settler
        return len(self._inbox) == 0 and (settler is None or len(settler) == 0)

    def _take_inbox(self) -> None:
        settler, supervisor = self._settler, self._supervisor
        assert settler is not None and supervisor is not None
        drained = self._inbox.drain()
        if drained.changes:
            with self._counters.update() as s:
                s.events += len(drained.changes)
        for change in drained.changes:
            settler.add(change)
            if change.is_dir and change.kind in (ChangeKind.CREATED, ChangeKind.MOVED):
                root = supervisor.root_of(change.dest or change.path)
                if root is not None:
                    supervisor.note_new_folder(root)
        for root in drained.overflowed_roots:
            log.warning("too many changes at once under %s: rescanning it", root)
            settler.add_folder(root)
        for request in drained.requests:
            if request.kind == RequestKind.RESCAN:
                log.info("rescan of %s queued (%s)", request.root, request.reason)
                settler.add_folder(request.root)
            elif request.kind == RequestKind.OFFLINE:
                dropped = settler.drop_under(request.root)
                if dropped:
                    with self._counters.update() as s:
                        s.dropped_offline += dropped
        with self._counters.update() as s:
            s.bursts = settler.bursts

    def _count_fault(self, root: str, exc: Exception) -> None:
        with self._counters.update() as s:
            s.handler_faults += 1

    def _progress(self, progress: IndexProgress) -> None:
        if self.on_progress is None:
            return
        try:
            self.on_progress(progress)
        except Exception:  # a listener's bug must not stop indexing
            log.exception("progress listener failed")

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


__all__ = ["LibraryWatcher", "WatchStats"]
