"""What the library panel shows, read in one short transaction on a worker thread (never the UI thread)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from engine import config
from engine.indexing.watch.roots import RootState, stored_state

log = logging.getLogger(__name__)


class FolderState(StrEnum):
    """One word for a folder's state in the library table."""

    INDEXED = "indexed"  # every video indexed
    PENDING = "pending"  # some videos wait for indexing
    FAILED = "failed"  # nothing pending, nothing indexed, some files failed
    OFFLINE = "offline"  # the folder (a removable drive?) is not there now
    EMPTY = "empty"  # no videos found yet


@dataclass(frozen=True)
class FolderSummary:
    """One library folder with its counts."""

    folder_id: int
    path: str
    indexed: int = 0
    pending: int = 0
    failed: int = 0
    online: bool = True
    polling: bool = False
    excludes: tuple[str, ...] = ()

    @property
    def state(self) -> FolderState:
        """The word the State column shows."""
        if not self.online:
            return FolderState.OFFLINE
        if self.pending:
            return FolderState.PENDING
        if self.failed and not self.indexed:  # with some indexed, the state says "indexed · N failed"
            return FolderState.FAILED
        if self.indexed:
            return FolderState.INDEXED
        return FolderState.EMPTY


@dataclass(frozen=True)
class LibrarySnapshot:
    """Folders, failures and the library's model, as of one read."""

    exists: bool  # False before the first folder is added (the welcome state)
    folders: list[FolderSummary] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    model_spec: str | None = None  # store meta "model_spec"
    clips: int = 0
    lacking_features: int = 0  # indexed videos without frame features (no moments until a reindex)

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to search and nothing to index yet."""
        return not self.folders


def read_snapshot(db: Path | None = None) -> LibrarySnapshot:
    """Read the library's folders, per-folder counts and failures (call on a worker thread).

    Args:
        db: the library database; default engine.config.db_path().

    Returns:
        A LibrarySnapshot; `exists` is False when no database file is there yet.
    """
    from engine.store import LibraryStore, VideoStatus

    path = config.db_path(db)
    if not path.exists():
        return LibrarySnapshot(exists=False)
    with LibraryStore.open(path) as store:
        folders = []
        offline = store.offline_roots()  # the disk as it is now, as `glimpse folders list` shows it
        for row in store.list_folders():
            counts = Counter(str(v.status) for v in store.videos(folder_id=row.id))
            root = stored_state(row, offline)  # the engine's one rule, as `glimpse folders list` shows it
            folders.append(
                FolderSummary(
                    folder_id=row.id,
                    path=str(row.path),
                    indexed=counts.get(str(VideoStatus.INDEXED), 0),
                    pending=counts.get(str(VideoStatus.PENDING), 0),
                    failed=counts.get(str(VideoStatus.FAILED), 0),
                    online=root != RootState.OFFLINE,
                    polling=root == RootState.POLLING,
                    excludes=tuple(row.excludes),
                )
            )
        return LibrarySnapshot(
            exists=True,
            folders=folders,
            failures=list(store.failures()),
            model_spec=store.get_meta("model_spec"),
            clips=store.counts().clips,
            lacking_features=store.videos_lacking_features(),
        )
