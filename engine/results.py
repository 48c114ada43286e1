"""Search results and filters: the shapes the CLI and GUI render."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResultFrame:
    """One sampled frame of a matching moment."""

    t: float  # seconds into the video
    weight: float  # AFA weight in [0, 1]; uniform in zero-shot mode
    thumb: bytes = b""  # JPEG thumbnail
    clip_id: int = 0


@dataclass(frozen=True)
class CopyRef:
    """Another file holding the same moment (a re-encode, another size or container): engine.copies."""

    path: str
    start: float
    end: float


@dataclass
class SearchResult:
    """A ranked moment: one or more adjacent matching clips of one video."""

    video_id: int
    path: str
    start: float
    end: float
    score: float  # cosine similarity of the best clip in the moment
    clip_ids: list[int] = field(default_factory=list)
    frames: list[ResultFrame] = field(default_factory=list)
    duration: float = 0.0  # of the whole video
    zero_shot: bool = False  # True when the weights carry no meaning (no trained head)
    copies: list[CopyRef] = field(default_factory=list)  # the same moment in other files
    offline: bool = False  # its library folder is offline (drive unplugged): it cannot be played now

    @property
    def top_frame(self) -> ResultFrame | None:
        """The frame with the highest AFA weight (the one the GUI marks)."""
        return max(self.frames, key=lambda f: f.weight) if self.frames else None

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "score": round(self.score, 6),
            "frames": [{"t": round(f.t, 3), "weight": round(f.weight, 6)} for f in self.frames],
            "copies": [
                {"path": c.path, "start": round(c.start, 3), "end": round(c.end, 3)} for c in self.copies
            ],
            "offline": self.offline,
        }


@dataclass(frozen=True)
class SearchFilters:
    """Optional narrowing of a search. Every field is ANDed; None means no constraint."""

    folder: str | None = None  # a library root (or any folder below one)
    path_contains: str | None = None  # plain substring, matched literally (no wildcards)
    min_duration: float | None = None  # seconds, of the whole video
    max_duration: float | None = None
    modified_after: float | None = None  # POSIX timestamp of the file's mtime
    modified_before: float | None = None
    hide_offline: bool = False  # leave out videos whose library folder is offline
