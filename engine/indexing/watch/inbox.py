"""The mailbox between watchdog's threads and the watch loop: bounded, never blocking a producer."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from engine.indexing.watch.types import Change

#: Changes held at most; beyond that a root's changes are dropped and the root is rescanned instead.
DEFAULT_LIMIT = 100_000


class RequestKind(StrEnum):
    RESCAN = "rescan"  # reconcile a whole root (start-up, missed events, observer restarted, back online)
    OFFLINE = "offline"  # forget what is pending under a root that went away


@dataclass(frozen=True)
class Request:
    kind: RequestKind
    root: str
    reason: str = ""


@dataclass
class Drained:
    """Everything taken out of the inbox in one go."""

    changes: list[Change] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    overflowed_roots: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.changes or self.requests or self.overflowed_roots)


class Inbox:
    """Thread-safe queue of changes and requests; `put` never blocks and never raises on a full queue."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._changes: deque[Change] = deque()
        self._requests: list[Request] = []
        self._overflowed: set[str] = set()
        self.received = 0  # changes ever put (including dropped ones)

    def put(self, root: str, change: Change) -> None:
        """Queue a change seen under `root` (called from watchdog's threads)."""
        with self._lock:
            self.received += 1
            if len(self._changes) >= self.limit:
                self._overflowed.add(root)
            else:
                self._changes.append(change)
        self._wake.set()

    def request(self, kind: RequestKind, root: str, reason: str = "") -> None:
        """Queue a request for the watch loop."""
        with self._lock:
            self._requests.append(Request(kind, root, reason))
        self._wake.set()

    def wake(self) -> None:
        """Wake the loop without queuing anything (e.g. to notice a stop)."""
        self._wake.set()

    def wait(self, timeout: float) -> bool:
        """Block until something arrives or `timeout` passes; True when woken."""
        woken = self._wake.wait(timeout)
        self._wake.clear()
        return woken

    def drain(self) -> Drained:
        """Take everything queued so far."""
        with self._lock:
            out = Drained(list(self._changes), self._requests, self._overflowed)
            self._changes.clear()
            self._requests = []
            self._overflowed = set()
        return out

    def __len__(self) -> int:
        with self._lock:
            return len(self._changes) + len(self._requests) + len(self._overflowed)
