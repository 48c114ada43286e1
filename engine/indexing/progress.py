"""Progress events the indexer emits for the CLI's progress bar and the GUI."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    SCANNING = "scanning"
    INDEXING = "indexing"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class IndexProgress:
    """A snapshot of an indexing run."""

    phase: Phase
    videos_done: int = 0
    videos_total: int = 0
    videos_failed: int = 0
    current_file: str = ""
    frames_per_s: float = 0.0
    video_s_per_s: float = 0.0  # seconds of video indexed per wall second
    eta_s: float | None = None
    message: str = ""  # the last notable event, one sentence ("failed: x.mp4: not a video")
