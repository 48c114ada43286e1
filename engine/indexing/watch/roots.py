"""Library roots as the watcher sees them: their states, and the store behind them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.store import LibraryStore


class RootState(StrEnum):
    WATCHING = "watching"
    POLLING = "polling"
    OFFLINE = "offline"


@dataclass(frozen=True)
class FolderInfo:
    """The bits of a library folder the supervisor needs."""

    id: int
    path: str


class LibraryAccess:
    """What the supervisor reads and writes in the library (implemented by the watcher over the store)."""

    def folders(self) -> list[FolderInfo]:
        raise NotImplementedError

    def video_count(self, folder_id: int) -> int:
        raise NotImplementedError

    def set_state(self, folder_id: int, *, online: bool, polling: bool) -> None:
        raise NotImplementedError

    def device(self, folder_id: int) -> int | None:
        """The device the root was last seen on holding files (see engine.paths.root_is_offline)."""
        return None


class StoreLibrary(LibraryAccess):
    """The supervisor's view of the library, over the watcher's own store connection."""

    def __init__(self, store: LibraryStore) -> None:
        self.store = store

    def folders(self) -> list[FolderInfo]:
        return [FolderInfo(f.id, f.path) for f in self.store.list_folders()]

    def video_count(self, folder_id: int) -> int:
        return len(self.store.videos(folder_id=folder_id))

    def set_state(self, folder_id: int, *, online: bool, polling: bool) -> None:
        self.store.set_folder_state(folder_id, online=online, polling=polling)

    def device(self, folder_id: int) -> int | None:
        return self.store.folder_device(folder_id)
