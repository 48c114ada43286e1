"""Rows the store reads and writes: plain dataclasses, no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class VideoStatus(StrEnum):
    PENDING = "pending"
    INDEXED = "indexed"
    FAILED = "failed"


@dataclass(frozen=True)
class FolderRow:
    """A library root with its exclude patterns and watch state."""

    id: int
    path: str
    excludes: list[str]
    online: bool
    polling: bool


@dataclass(frozen=True)
class VideoRow:
    """One video file as the library knows it."""

    id: int
    folder_id: int
    path: str
    size: int
    mtime: float
    content_hash: str
    duration: float | None
    status: VideoStatus
    error: str | None
    fingerprint: str | None
    indexed_at: float | None


@dataclass(frozen=True)
class FrameRecord:
    """A sampled frame of a clip: timestamp (s), AFA weight, a JPEG thumbnail and its backbone feature."""

    t: float
    weight: float
    thumb: bytes = b""
    # [D] float32 `encode_frames` output, written to frame_features when every frame of a clip has one.
    feature: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass
class ClipRecord:
    """A clip to store: its time range, its L2-normalized vector and its frames."""

    start: float
    end: float
    vector: np.ndarray
    frames: list[FrameRecord] = field(default_factory=list)


@dataclass(frozen=True)
class ClipDetail:
    """What search needs to show a clip: its video and frames."""

    clip_id: int
    video_id: int
    path: str
    start: float
    end: float
    duration: float
    frames: list[FrameRecord]
    mtime: float = 0.0


@dataclass(frozen=True)
class LibraryCounts:
    """Video and clip totals; `offline` counts videos in offline folders."""

    indexed: int
    failed: int
    pending: int
    offline: int
    clips: int
