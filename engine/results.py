"""Search results and filters: the shapes the CLI and GUI render."""

from __future__ import annotations

from dataclasses import dataclass, field

#: Seconds of lead-in before the best moment when a preview or player starts there.
LEAD_IN_S = 1.5


@dataclass(frozen=True)
class ResultFrame:
    """One sampled frame of a matching moment."""

    t: float  # seconds into the video
    weight: float | None  # AFA weight in [0, 1]; None for a zero-shot model (uniform, meaningless)
    thumb: bytes = b""  # JPEG thumbnail
    clip_id: int = 0
    relevance: float | None = None  # cosine of this frame to the query; None without frame features


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
    score: float  # the best clip's score (re-ranked from its frames when it has frame features)
    clip_ids: list[int] = field(default_factory=list)
    frames: list[ResultFrame] = field(default_factory=list)
    duration: float = 0.0  # of the whole video
    zero_shot: bool = False  # True when the weights carry no meaning (no trained head)
    copies: list[CopyRef] = field(default_factory=list)  # the same moment in other files
    offline: bool = False  # its library folder is offline (drive unplugged): it cannot be played now
    best_t: float | None = None  # the best moment (seconds, inside start..end); None only when unknown

    @property
    def moment(self) -> float:
        """Where to start looking: best_t, or the start when it is unknown."""
        return self.start if self.best_t is None else self.best_t

    def play_from(self, lead_in: float = LEAD_IN_S) -> float:
        """Where playback starts: a short lead-in before the best moment, clamped to the range."""
        return min(max(self.moment - lead_in, self.start), self.end)

    @property
    def top_frame(self) -> ResultFrame | None:
        """The frame that matched best: highest relevance, else highest AFA weight."""
        if not self.frames:
            return None
        if any(f.relevance is not None for f in self.frames):
            return max(self.frames, key=lambda f: -2.0 if f.relevance is None else f.relevance)
        return max(self.frames, key=lambda f: f.weight or 0.0)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "best_t": None if self.best_t is None else round(self.best_t, 3),
            "score": round(self.score, 6),
            "frames": [
                {
                    "t": round(f.t, 3),
                    "weight": None if f.weight is None else round(f.weight, 6),
                    "relevance": None if f.relevance is None else round(f.relevance, 6),
                }
                for f in self.frames
            ],
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
