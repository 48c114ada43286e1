"""The library store: one SQLite file (apsw + sqlite-vec) per library."""

from __future__ import annotations

from engine.store.hashing import content_hash
from engine.store.library import LibraryStore
from engine.store.rows import (
    ClipDetail,
    ClipRecord,
    FolderRow,
    FrameRecord,
    LibraryCounts,
    VideoRow,
    VideoStatus,
)

__all__ = [
    "ClipDetail",
    "ClipRecord",
    "FolderRow",
    "FrameRecord",
    "LibraryCounts",
    "LibraryStore",
    "VideoRow",
    "VideoStatus",
    "content_hash",
]
