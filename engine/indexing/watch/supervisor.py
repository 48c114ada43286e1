"""The supervisor: one observer per library root, kept alive, and each root's state kept honest.

Every `health_interval_s` it re-reads the library's folders and, per root:
- a root that is missing, or suddenly empty while the library holds videos for it, goes offline:
  its observer stops, the store says so, and nothing of its index is touched;
- a root that comes back (or is new) gets an observer and a full rescan;
- an observer that died is restarted and its root rescanned (events were lost while it was down);
- a root that the system cannot watch by events (network file system, watch limits, repeated queue
  overflows) is polled instead, and the store's `polling` flag says so for `glimpse status`.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from engine.indexing.watch.inbox import Inbox, RequestKind
from engine.indexing.watch.observers import (
    EnqueueHandler,
    OverflowListener,
    RootObserver,
    WatchMode,
    is_network_path,
    reports_closes,
    watch_limit_reached,
)
from engine.indexing.watch.roots import LibraryAccess, RootState
from engine.indexing.watch.types import Change
from engine.paths import deepest_root, root_is_offline

log = logging.getLogger(__name__)

#: An event-based observer that overflowed or died this often within this window is replaced by polling.
TROUBLE_LIMIT = 3
TROUBLE_WINDOW_S = 600.0


@dataclass
class RootStatus:
    """What the watcher knows about one library root."""

    path: str
    folder_id: int
    state: RootState = RootState.OFFLINE
    reason: str = ""  # why it is polled or offline, one phrase
    last_scan: float | None = None  # wall-clock time the last full rescan of the root finished
    restarts: int = 0
    overflows: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "state": str(self.state),
            "reason": self.reason,
            "last_scan": self.last_scan,
            "restarts": self.restarts,
            "overflows": self.overflows,
        }


@dataclass
class _Root:
    status: RootStatus
    observer: RootObserver | None = None
    troubles: list[float] = field(default_factory=list)  # monotonic times of deaths and overflows
    new: bool = True


def _polling_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the system's limit on watched folders is reached"
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        return "the system's limit on file watchers is reached"
    return f"events unavailable ({exc.strerror or exc})"


class Supervisor:
    """Owns the observers; `check()` reconciles them with the library and the disk."""

    def __init__(
        self,
        library: LibraryAccess,
        inbox: Inbox,
        *,
        poll_interval_s: float,
        health_interval_s: float,
        force_polling: Collection[str] = (),
        on_fault: Callable[[str, Exception], None] | None = None,
    ) -> None:
        self.library = library
        self.inbox = inbox
        self.poll_interval_s = poll_interval_s
        self.health_interval_s = health_interval_s
        self.force_polling = {os.path.abspath(p) for p in force_polling}
        self._on_fault = on_fault
        self._roots: dict[str, _Root] = {}
        self._lock = threading.RLock()  # guards _roots; check() runs under it
        self._overflowed_threads: set[int] = set()
        self._new_folders: set[str] = set()  # roots that grew a folder since the last check
        self._snapshot: dict[str, RootStatus] = {}
        self._snapshot_lock = threading.Lock()
        self._overflow_lock = threading.Lock()  # never _lock: the thread logging it may be one we join
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener = OverflowListener(self._note_overflow)

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Check once now (observers running on return), then keep checking on a thread."""
        self._listener.install()
        self.check()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="glimpse-watch-supervisor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop checking and stop every observer."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._listener.remove()
        with self._lock:
            for root in self._roots.values():
                if root.observer is not None:
                    root.observer.stop()
                    root.observer = None

    def wake(self) -> None:
        """Run a check soon rather than at the next interval."""
        self._wake.set()

    def note_new_folder(self, root: str) -> None:
        """A folder appeared under `root`: check soon that the system could still watch it."""
        with self._overflow_lock:
            self._new_folders.add(root)
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.health_interval_s)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.check()
            except Exception:  # the supervisor must outlive any one bad check
                log.exception("watch supervisor check failed")

    # --- queries -------------------------------------------------------------------------------
    def status(self) -> dict[str, RootStatus]:
        """A copy of every root's status, keyed by root path (never waits for a check in progress)."""
        with self._snapshot_lock:
            return {path: RootStatus(**vars(s)) for path, s in self._snapshot.items()}

    def root_of(self, path: str) -> str | None:
        """The library root holding `path` (the deepest one), or None."""
        with self._snapshot_lock:
            roots = list(self._snapshot)
        return deepest_root(path, roots)

    def is_online(self, root: str) -> bool:
        with self._snapshot_lock:
            status = self._snapshot.get(root)
            return status is not None and status.state != RootState.OFFLINE

    def is_polling(self, root: str) -> bool:
        with self._snapshot_lock:
            status = self._snapshot.get(root)
            return status is not None and status.state == RootState.POLLING

    def mark_scanned(self, root: str, when: float) -> None:
        with self._lock:
            entry = self._roots.get(root)
            if entry is not None:
                entry.status.last_scan = when
            self._publish()

    def _publish(self) -> None:
        snapshot = {path: RootStatus(**vars(r.status)) for path, r in self._roots.items()}
        with self._snapshot_lock:
            self._snapshot = snapshot

    def root_present(self, root: str, folder_id: int) -> bool:
        """A root is there unless `engine.paths.root_is_offline` says otherwise."""
        return not root_is_offline(root, self.library.video_count(folder_id), self.library.device(folder_id))

    # --- the check -----------------------------------------------------------------------------
    def check(self) -> None:
        """Reconcile observers with the library's folders and the disk, once."""
        folders = {os.path.abspath(f.path): f for f in self.library.folders()}
        overflowed = self._take_overflowed()
        with self._overflow_lock:
            grew, self._new_folders = self._new_folders, set()
        with self._lock:
            for path in [p for p in self._roots if p not in folders]:
                self._forget(path)
            for path, folder in folders.items():
                entry = self._roots.get(path)
                if entry is None:
                    entry = _Root(RootStatus(path=path, folder_id=folder.id))
                    self._roots[path] = entry
                self._check_root(entry, overflowed, grew)
            self._publish()

    def _check_root(self, entry: _Root, overflowed: set[int], grew: set[str]) -> None:
        status = entry.status
        if not self.root_present(status.path, status.folder_id):
            if entry.new or status.state != RootState.OFFLINE:
                self._go_offline(entry)
            return
        if entry.new or status.state == RootState.OFFLINE:
            self._go_online(entry, "start-up" if entry.new else "back online")
            return
        observer = entry.observer
        if observer is not None and observer.thread_idents() & overflowed:
            status.overflows += 1
            log.warning("events were lost under %s (queue overflow): rescanning it", status.path)
            self.inbox.request(RequestKind.RESCAN, status.path, "queue overflow")
            if self._trouble(entry, "events were lost (queue overflow)"):
                self._start_observer(entry)
                return
        if status.path in grew and status.state == RootState.WATCHING and watch_limit_reached(status.path):
            self._to_polling(entry, _polling_reason(OSError(errno.ENOSPC, "")))
            self.inbox.request(RequestKind.RESCAN, status.path, "watch limit reached")
            return
        if entry.observer is None or not entry.observer.alive():
            status.restarts += 1
            log.warning("the observer of %s stopped: restarting it and rescanning", status.path)
            self._trouble(entry, "its observer kept failing")
            self._start_observer(entry)
            self.inbox.request(RequestKind.RESCAN, status.path, "observer restarted")

    def _to_polling(self, entry: _Root, reason: str) -> None:
        log.warning("switching %s to polling: %s", entry.status.path, reason)
        self.force_polling.add(entry.status.path)
        entry.status.reason = reason
        self._start_observer(entry)

    def _trouble(self, entry: _Root, reason: str) -> bool:
        """Note a death or overflow; True when the root has had enough and is to be polled from now on."""
        now = time.monotonic()
        entry.troubles = [t for t in entry.troubles if now - t < TROUBLE_WINDOW_S] + [now]
        if len(entry.troubles) < TROUBLE_LIMIT or entry.status.state != RootState.WATCHING:
            return False
        log.warning("switching %s to polling: %s", entry.status.path, reason)
        self.force_polling.add(entry.status.path)
        entry.status.reason = reason
        return True

    def _go_offline(self, entry: _Root) -> None:
        status = entry.status
        was_new = entry.new
        entry.new = False
        if entry.observer is not None:
            entry.observer.stop()
            entry.observer = None
        status.state = RootState.OFFLINE
        status.reason = "missing" if not os.path.isdir(status.path) else "empty (drive not mounted?)"
        log.warning("%s is offline (%s): its index is kept until it returns", status.path, status.reason)
        self._persist(status)
        if not was_new:
            self.inbox.request(RequestKind.OFFLINE, status.path, status.reason)

    def _go_online(self, entry: _Root, reason: str) -> None:
        entry.new = False
        status = entry.status
        if not self._start_observer(entry):
            return
        log.info("watching %s (%s, %s)", status.path, status.state, reason)
        self.inbox.request(RequestKind.RESCAN, status.path, reason)

    def _start_observer(self, entry: _Root) -> bool:
        """Start the best observer the root allows; False (root offline) if none can start."""
        status = entry.status
        if entry.observer is not None:
            entry.observer.stop()
            entry.observer = None
        mode, reason = self._preferred_mode(status.path, status.reason)
        for attempt in (mode, WatchMode.POLLING):
            observer = RootObserver(
                status.path,
                EnqueueHandler(
                    status.path,
                    self._sink_for(status.path),
                    self._fault,
                    tracks_writes=attempt == WatchMode.NATIVE and reports_closes(),
                ),
                attempt,
                poll_interval_s=self.poll_interval_s,
            )
            try:
                observer.start()
            except OSError as exc:
                if attempt == WatchMode.POLLING:
                    log.warning("cannot watch %s: %s", status.path, exc)
                    self._go_offline(entry)
                    return False
                reason = _polling_reason(exc)
                log.warning("cannot watch %s by events (%s): polling it instead", status.path, reason)
                continue
            if attempt == WatchMode.NATIVE and watch_limit_reached(status.path):
                # The root is watched but some of its sub-folders may not be: poll it all instead.
                observer.stop()
                reason = _polling_reason(OSError(errno.ENOSPC, ""))
                log.warning("cannot watch all of %s by events (%s): polling it instead", status.path, reason)
                continue
            entry.observer = observer
            polling = attempt == WatchMode.POLLING
            status.state = RootState.POLLING if polling else RootState.WATCHING
            status.reason = reason if polling else ""
            self._persist(status)
            return True
        return False  # pragma: no cover - the loop always returns

    def _preferred_mode(self, path: str, previous_reason: str) -> tuple[WatchMode, str]:
        if path in self.force_polling:
            return WatchMode.POLLING, previous_reason or "polling requested"
        if is_network_path(path):
            return WatchMode.POLLING, "network drive"
        return WatchMode.NATIVE, ""

    def _sink_for(self, root: str) -> Callable[[Change], None]:
        inbox = self.inbox

        def sink(change: Change) -> None:
            inbox.put(root, change)

        return sink

    def _fault(self, root: str, exc: Exception) -> None:
        log.error("a watch handler failed under %s (%s): rescanning the root", root, exc)
        self.inbox.request(RequestKind.RESCAN, root, "handler fault")
        if self._on_fault is not None:
            self._on_fault(root, exc)

    def _forget(self, path: str) -> None:
        entry = self._roots.pop(path)
        if entry.observer is not None:
            entry.observer.stop()
        self.inbox.request(RequestKind.OFFLINE, path, "removed from the library")
        log.info("stopped watching %s (removed from the library)", path)

    def _persist(self, status: RootStatus) -> None:
        try:
            self.library.set_state(status.folder_id, status.state)
        except Exception as exc:  # the store may be busy; the state is re-derived on the next check
            log.warning("could not record the state of %s: %s", status.path, exc)

    def _note_overflow(self, thread_ident: int) -> None:
        with self._overflow_lock:
            self._overflowed_threads.add(thread_ident)
        self._wake.set()

    def _take_overflowed(self) -> set[int]:
        with self._overflow_lock:
            taken, self._overflowed_threads = self._overflowed_threads, set()
        return taken
