"""Settling: turn a stream of file-system changes into batches of paths that are safe to index.

A file is released only once its size and mtime have stayed the same for `settle_s` seconds and no
event touched it in that time; a file that an event-based observer saw being written is held until
its writer closes it (or has been silent for `write_hold_s`), so a long copy from a camera card is
never indexed half-written. A burst of events in one folder collapses into one rescan of that
folder, the two ends of a move are released together (so the indexer sees a move, not a delete
plus a new file), and changes under a folder already waiting for a rescan are folded into it.
Nothing here touches the store or the indexer: this is bookkeeping over `os.stat`, owned by one thread.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from engine.indexing.watch.types import Batch, Change, ChangeKind
from engine.paths import is_within

#: One folder with this many file events inside the burst window is rescanned as a whole.
DEFAULT_BURST_THRESHOLD = 50

FileStamp = tuple[int, int]  # (size, mtime_ns)


@dataclass
class _Item:
    path: str
    is_dir: bool
    last_event: float
    stamp: object  # FileStamp, a folder digest, or None while the path is missing
    stable_since: float
    writing: bool = False
    next_check: float = 0.0
    links: set[str] = field(default_factory=set)


def _file_stamp(path: str) -> FileStamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def folder_digest(path: str, is_relevant: Callable[[str], bool]) -> str | None:
    """A digest of the relevant files' names, sizes and mtimes under a folder; None if it is missing."""
    if not os.path.isdir(path):
        return None
    h = hashlib.blake2b(digest_size=16)
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            full = os.path.join(folder, name)
            if not is_relevant(full):
                continue
            stamp = _file_stamp(full)
            h.update(f"{full}\0{stamp}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


class Readiness(StrEnum):
    """What `take_ready` does with one pending path."""

    READY = "ready"  # settled, and nothing in its scope still settling: released (with its group)
    SETTLING = "settling"  # still changing, written to, or too recently touched: kept
    SCOPE_BUSY = "scope busy"  # settled, but another file in its scope still settles: kept
    TAG_ALONG = "tag along"  # vanished: released only with another release (it may be a move's end)


def readiness(
    *, settled: bool, present: bool, scope_busy: bool, others_settling: bool, held_out: bool
) -> Readiness:
    """The decision for one path (pure).

    Args:
        settled: quiet for its hold time (no event, size and mtime or folder digest unchanged).
        present: it exists on disk (a vanished path has no stamp).
        scope_busy: another file in its scope (root) is still settling.
        others_settling: some present file anywhere is still settling.
        held_out: quiet for the whole write hold (a vanished path waits no longer for its partner).
    """
    if scope_busy:
        return Readiness.SCOPE_BUSY
    if present:
        return Readiness.READY if settled else Readiness.SETTLING
    # A vanished path waits while a file still settles (up to the write hold): it may be one end of
    # a move whose other end the indexer must see in the same call.
    if settled and (not others_settling or held_out):
        return Readiness.READY
    return Readiness.TAG_ALONG


def _ancestors(path: str) -> Iterable[str]:
    parent = os.path.dirname(path)
    while parent and parent != path:
        yield parent
        path, parent = parent, os.path.dirname(parent)


class Settler:
    """Pending changes keyed by path; `take_ready` hands out what has settled. Not thread-safe."""

    def __init__(
        self,
        settle_s: float,
        *,
        is_relevant: Callable[[str], bool],
        burst_threshold: int = DEFAULT_BURST_THRESHOLD,
        write_hold_s: float | None = None,
        min_hold: Callable[[str], float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settle_s = max(0.0, settle_s)
        self.is_relevant = is_relevant
        self.burst_threshold = max(2, burst_threshold)
        self.write_hold_s = write_hold_s if write_hold_s is not None else max(60.0, 20 * self.settle_s)
        # Per path, a longer settle time where stat lags (a polled network drive caches attributes).
        self.min_hold = min_hold
        self.clock = clock
        self.bursts = 0  # folders promoted to a rescan because of a burst
        self._items: dict[str, _Item] = {}
        self._hits: dict[str, deque[float]] = {}

    # --- intake ------------------------------------------------------------------------------
    def add(self, change: Change, now: float | None = None) -> None:
        """Record one change."""
        now = self.clock() if now is None else now
        if change.kind == ChangeKind.MOVED:
            self._add_path(change.path, change.is_dir, now, writing=None)
            if change.dest:
                self._add_path(change.dest, change.is_dir, now, writing=None)
                self._link(change.path, change.dest)
            return
        writing: bool | None = None
        if not change.is_dir and change.tracks_writes:
            if change.kind == ChangeKind.MODIFIED:
                writing = True
            elif change.kind == ChangeKind.CLOSED:
                writing = False
            elif change.kind == ChangeKind.CREATED:
                # Still empty: a writer has just opened it. Not empty: it arrived whole (moved in,
                # linked), or its writer's modify events will say it is still being written.
                stamp = _file_stamp(os.path.abspath(change.path))
                writing = stamp is not None and stamp[0] == 0
        self._add_path(change.path, change.is_dir, now, writing=writing)

    def add_folder(self, path: str, now: float | None = None) -> None:
        """Ask for a rescan of a whole folder (a root after missed events, a folder after a burst)."""
        self._add_path(path, True, self.clock() if now is None else now, writing=None)

    def requeue(self, batch: Batch, now: float | None = None) -> None:
        """Put back a batch that could not be applied, to try again once it settles anew."""
        now = self.clock() if now is None else now
        folders = set(batch.folders)
        for path in batch.paths:
            self._add_path(path, path in folders, now, writing=None)

    def drop_under(self, folder: str) -> int:
        """Forget every pending change at or below a folder (an offline root); returns how many."""
        doomed = [p for p in self._items if is_within(p, folder)]
        for path in doomed:
            self._remove(path)
        return len(doomed)

    # --- output ------------------------------------------------------------------------------
    def take_ready(
        self, now: float | None = None, *, scope: Callable[[str], str | None] | None = None
    ) -> Batch:
        """Remove and return every settled group of paths (empty when nothing is ready).

        With `scope` (path -> e.g. its library root), nothing is released from a scope while a file
        in it is still settling: an indexer that reconciles whole roots would otherwise pick up the
        unsettled file too.
        """
        now = self.clock() if now is None else now
        states = self._survey(now, scope)
        ready = {p for p, state in states.items() if state == Readiness.READY}
        if ready:
            # Vanished paths go along with any release, settled or not: a move between two roots is
            # an unpaired delete and create, and the delete may be reported a little later.
            ready |= {p for p, state in states.items() if state == Readiness.TAG_ALONG}
        released = self._whole_groups(ready)
        folders = [p for p in released if self._items[p].is_dir]
        for path in released:
            self._items.pop(path, None)
        self._prune_hits(now)
        return Batch(paths=released, folders=folders)

    def _survey(self, now: float, scope: Callable[[str], str | None] | None) -> dict[str, Readiness]:
        """Every pending path's readiness now (files are stat'ed, folders re-walked when due)."""
        items = self._items
        settled = {path: self._settled(item, now) for path, item in items.items()}  # updates stamps
        unsettled = [p for p in items if not settled[p] and items[p].stamp is not None]
        busy = {scope(p) for p in unsettled} if scope is not None else set()
        return {
            path: readiness(
                settled=settled[path],
                present=item.stamp is not None,
                scope_busy=scope is not None and scope(path) in busy,
                others_settling=bool(unsettled),
                held_out=now - self._quiet_since(item) >= self.write_hold_s,
            )
            for path, item in items.items()
        }

    def _whole_groups(self, ready: set[str]) -> list[str]:
        """The ready paths whose whole group (both ends of a move) is ready, sorted group by group."""
        released: list[str] = []
        seen: set[str] = set()
        for path in sorted(ready):
            if path in seen:
                continue
            group = self._group(path)
            seen |= group
            if group <= ready:
                released.extend(sorted(group))
        return released

    def next_due(self, now: float | None = None) -> float | None:
        """Seconds until the earliest pending item could settle (None when nothing is pending)."""
        if not self._items:
            return None
        now = self.clock() if now is None else now
        waits = [max(0.0, self._quiet_since(i) + self._hold(i) - now) for i in self._items.values()]
        return min(waits)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def pending_paths(self) -> list[str]:
        return sorted(self._items)

    # --- internals ---------------------------------------------------------------------------
    def _add_path(self, path: str, is_dir: bool, now: float, *, writing: bool | None) -> None:
        path = os.path.abspath(path)
        cover = self._covering_folder(path)
        if cover is not None and cover != path:
            self._items[cover].last_event = now  # folded into the pending folder rescan
            return
        if not is_dir and not self.is_relevant(path):
            self._count_hit(path, now)  # non-videos never need indexing, but they do make bursts
            return
        item = self._items.get(path)
        if item is None:
            stamp = self._stamp(path, is_dir)
            item = _Item(path=path, is_dir=is_dir, last_event=now, stamp=stamp, stable_since=now)
            self._items[path] = item
            if is_dir:
                self._absorb_below(path)
        else:
            item.last_event = now
            item.is_dir = item.is_dir or is_dir
        if writing is not None and not item.is_dir:
            item.writing = writing
        if not is_dir:
            self._count_hit(path, now)

    def _count_hit(self, path: str, now: float) -> None:
        folder = os.path.dirname(path)
        hits = self._hits.setdefault(folder, deque())
        hits.append(now)
        window = max(1.0, self.settle_s)
        while hits and now - hits[0] > window:
            hits.popleft()
        if len(hits) >= self.burst_threshold and folder not in self._items:
            self.bursts += 1
            self._hits.pop(folder, None)
            self._add_path(folder, True, now, writing=None)

    def _prune_hits(self, now: float) -> None:
        window = max(1.0, self.settle_s)
        stale = [f for f, hits in self._hits.items() if not hits or now - hits[-1] > window]
        for folder in stale:
            del self._hits[folder]

    def _covering_folder(self, path: str) -> str | None:
        item = self._items.get(path)
        if item is not None and item.is_dir:
            return path
        for parent in _ancestors(path):
            item = self._items.get(parent)
            if item is not None and item.is_dir:
                return parent
        return None

    def _absorb_below(self, folder: str) -> None:
        below = [p for p in self._items if p != folder and is_within(p, folder)]
        target = self._items[folder]
        for path in below:
            item = self._items.pop(path)
            target.last_event = max(target.last_event, item.last_event)
            for other in item.links:
                other_item = self._items.get(other)
                if other_item is not None:
                    other_item.links.discard(path)
                    if other != folder:
                        other_item.links.add(folder)
                        target.links.add(other)

    def _link(self, a: str, b: str) -> None:
        a = self._covering_folder(os.path.abspath(a)) or os.path.abspath(a)
        b = self._covering_folder(os.path.abspath(b)) or os.path.abspath(b)
        if a == b or a not in self._items or b not in self._items:
            return
        self._items[a].links.add(b)
        self._items[b].links.add(a)

    def _group(self, path: str) -> set[str]:
        group, todo = {path}, [path]
        while todo:
            item = self._items.get(todo.pop())
            if item is None:
                continue
            for other in item.links:
                if other in self._items and other not in group:
                    group.add(other)
                    todo.append(other)
        return group

    def _remove(self, path: str) -> None:
        item = self._items.pop(path, None)
        if item is None:
            return
        for other in item.links:
            other_item = self._items.get(other)
            if other_item is not None:
                other_item.links.discard(path)

    def _stamp(self, path: str, is_dir: bool) -> object:
        return folder_digest(path, self.is_relevant) if is_dir else _file_stamp(path)

    def _hold(self, item: _Item) -> float:
        if item.writing:
            return self.write_hold_s
        if self.min_hold is None:
            return self.settle_s
        return max(self.settle_s, self.min_hold(item.path))

    @staticmethod
    def _quiet_since(item: _Item) -> float:
        return max(item.last_event, item.stable_since)

    def _settled(self, item: _Item, now: float) -> bool:
        if now >= item.next_check:
            started = time.monotonic()
            stamp = self._stamp(item.path, item.is_dir)
            cost = time.monotonic() - started
            # A big folder is walked less often (at most ~5-50% of the time goes to re-walking it),
            # but a small one at least four times per settle period, so a change is seen promptly.
            if item.is_dir:
                item.next_check = now + min(20 * cost, max(self.settle_s / 4, 2 * cost))
            if stamp != item.stamp:
                item.stamp = stamp
                item.stable_since = now
        return now - self._quiet_since(item) >= self._hold(item)
