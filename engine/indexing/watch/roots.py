"""Library roots' states: the one place that decides, words and records them, and the store behind them.

A root's state is kept in two columns of its folder row (`online`, `polling`); `record_state` is their
one writer (the supervisor and the indexer call it), `stored_state` the one reader, and `RootState.text`
the words the CLI prints (the app translates the same states: app/models/library_model.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from engine.store import FolderRow, LibraryStore


class RootState(StrEnum):
    """Where a library folder stands: watched by events, polled, offline, or online with no watcher."""

    WATCHING = "watching"
    POLLING = "polling"
    OFFLINE = "offline"
    ONLINE = "online"  # on disk and reachable, with no watcher running (as the CLI sees it)

    @property
    def text(self) -> str:
        """The state in words, for the terminal."""
        return _WORDS[self]


_WORDS = {
    RootState.WATCHING: "watching",
    RootState.POLLING: "polling (no file events)",
    RootState.OFFLINE: "offline",
    RootState.ONLINE: "online",
}


def root_state(*, online: bool, polling: bool) -> RootState:
    """The state a folder shows outside the watcher: offline first, then polled, else online."""
    if not online:
        return RootState.OFFLINE
    return RootState.POLLING if polling else RootState.ONLINE


def stored_state(row: FolderRow, offline_now: set[str] | frozenset[str]) -> RootState:
    """A folder's state from its row and the disk as it is now (`LibraryStore.offline_roots()`).

    The disk wins over the row: a drive pulled since the last scan is offline even if the row says online.
    A polled root keeps saying so (it gets no file events); others are online, watched or not.
    """
    return root_state(online=row.path not in offline_now, polling=row.polling)


def record_state(store: LibraryStore, folder_id: int, state: RootState) -> None:
    """Write a root's state into its folder row (the one writer of `online` and `polling`).

    ONLINE (from a scan, which knows nothing of watching) leaves `polling` as the watcher last set it.
    """
    if state == RootState.OFFLINE:
        store.set_folder_state(folder_id, online=False, polling=False)
    elif state == RootState.ONLINE:
        store.set_folder_state(folder_id, online=True)
    else:
        store.set_folder_state(folder_id, online=True, polling=state == RootState.POLLING)


@dataclass(frozen=True)
class FolderInfo:
    """The bits of a library folder the supervisor needs."""

    id: int
    path: str


class LibraryAccess(Protocol):
    """What the supervisor reads and writes in the library (StoreLibrary, over the watcher's store)."""

    def folders(self) -> list[FolderInfo]: ...
    def video_count(self, folder_id: int) -> int: ...
    def set_state(self, folder_id: int, state: RootState) -> None: ...
    def device(self, folder_id: int) -> int | None:
        """The device the root was last seen on holding files (see engine.paths.root_is_offline)."""
        ...


class StoreLibrary:
    """The supervisor's view of the library, over the watcher's own store connection."""

    def __init__(self, store: LibraryStore) -> None:
        self.store = store

    def folders(self) -> list[FolderInfo]:
        return [FolderInfo(f.id, f.path) for f in self.store.list_folders()]

    def video_count(self, folder_id: int) -> int:
        return len(self.store.videos(folder_id=folder_id))

    def set_state(self, folder_id: int, state: RootState) -> None:
        record_state(self.store, folder_id, state)

    def device(self, folder_id: int) -> int | None:
        return self.store.folder_device(folder_id)
