"""The watcher's shared vocabulary: a change as an observer reports it, and a settled batch."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ChangeKind(StrEnum):
    CREATED = "created"
    MODIFIED = "modified"
    ATTRIB = "attrib"  # metadata only (touch, chmod): no writer involved
    CLOSED = "closed"  # the writer closed the file (event-based observers only)
    DELETED = "deleted"
    MOVED = "moved"


@dataclass(frozen=True)
class Change:
    """One file-system change as an observer reported it."""

    kind: ChangeKind
    path: str
    is_dir: bool = False
    dest: str = ""  # the new path of a move
    tracks_writes: bool = True  # from an observer that reports closes too (inotify), so an open
    # writer can be told from a finished one


@dataclass(frozen=True)
class Batch:
    """Paths whose changes have settled, to reconcile together in one indexer call."""

    paths: list[str]
    folders: list[str]  # the subset of `paths` that are folders to rescan

    def __bool__(self) -> bool:
        return bool(self.paths)
