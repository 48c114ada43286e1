"""The watcher's counters: what it received, synced and dropped, safe to bump from its threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass


@dataclass
class WatchStats:
    """Counters since the watcher was made (they carry over a stop and start), for logs, GUI and tests."""

    events: int = 0  # changes received from observers
    syncs: int = 0  # indexer calls made
    folder_rescans: int = 0  # folders (roots included) reconciled as a whole
    root_rescans: int = 0  # whole roots reconciled (start-up, periodic, after missed events)
    bursts: int = 0  # folders whose burst of events collapsed into one rescan
    indexed: int = 0
    moved: int = 0
    removed: int = 0
    failed: int = 0
    handler_faults: int = 0
    observer_restarts: int = 0
    dropped_offline: int = 0  # pending changes forgotten because their root went offline
    errors: int = 0  # indexer calls that failed


class WatchCounters:
    """WatchStats behind a lock: `with counters.update() as s: s.events += 1` from any thread."""

    def __init__(self) -> None:
        self._stats = WatchStats()
        self._lock = threading.Lock()

    @contextmanager
    def update(self) -> Iterator[WatchStats]:
        """The counters, held under the lock for the `with` block."""
        with self._lock:
            yield self._stats

    def snapshot(self) -> WatchStats:
        """A copy of the counters."""
        with self._lock:
            return WatchStats(**asdict(self._stats))
