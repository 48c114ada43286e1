"""A synthetic captioned video set: coloured shapes moving in several directions, one event after another.

Captions name colour, shape, motion and the order of events ("a red circle moves left, then a blue
square moves up"), so mean pooling of frames cannot tell "A then B" from "B then A". Frames carry a
faint motion trail, so a single frame shows which way its shape moves. Videos may open or close with
idle frames (an empty scene) that no caption mentions, so good frame weights are not uniform.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from engine.train.data import CaptionedVideo

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (230, 40, 40),
    "green": (40, 200, 60),
    "blue": (50, 80, 240),
    "yellow": (235, 220, 40),
}
SHAPES = ("circle", "square", "triangle")
MOTIONS: dict[str, tuple[int, int]] = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}
BACKGROUND = 28


@dataclass(frozen=True)
class Event:
    """One shape of one colour moving one way."""

    colour: str
    shape: str
    motion: str

    @property
    def phrase(self) -> str:
        """How a caption names the event."""
        return f"a {self.colour} {self.shape} moves {self.motion}"


def all_events() -> list[Event]:
    """Every colour × shape × motion."""
    return [Event(c, s, m) for c, s, m in itertools.product(COLOURS, SHAPES, MOTIONS)]


def caption(events: Sequence[Event]) -> str:
    """The caption of events in order: "a red circle moves left, then a blue square moves up"."""
    return ", then ".join(e.phrase for e in events)


def _draw(
    canvas: np.ndarray, shape: str, centre: tuple[float, float], radius: int, colour: np.ndarray
) -> None:
    x, y = int(round(centre[0])), int(round(centre[1]))
    col = tuple(int(c) for c in colour)
    if shape == "circle":
        cv2.circle(canvas, (x, y), radius, col, thickness=-1, lineType=cv2.LINE_AA)
    elif shape == "square":
        cv2.rectangle(canvas, (x - radius, y - radius), (x + radius, y + radius), col, thickness=-1)
    else:
        pts = np.array([[x, y - radius], [x - radius, y + radius], [x + radius, y + radius]], dtype=np.int32)
        cv2.fillConvexPoly(canvas, pts, col, lineType=cv2.LINE_AA)


def render_event_frame(
    event: Event, centre: tuple[float, float], size: int, rng: random.Random
) -> np.ndarray:
    """One RGB frame: the shape at `centre` with a fading trail behind it, on a noisy dark background."""
    canvas = np.full((size, size, 3), BACKGROUND, dtype=np.uint8)
    radius = max(3, size // 9)
    step = max(2, size // 12)
    dx, dy = MOTIONS[event.motion]
    colour = np.array(COLOURS[event.colour], dtype=np.float32)
    for ghost, fade in ((3, 0.18), (2, 0.3), (1, 0.5)):
        trail = (centre[0] - dx * step * ghost, centre[1] - dy * step * ghost)
        _draw(canvas, event.shape, trail, radius, BACKGROUND + (colour - BACKGROUND) * fade)
    _draw(canvas, event.shape, centre, radius, colour)
    noise = np.random.default_rng(rng.getrandbits(32)).integers(-6, 7, canvas.shape)
    return np.clip(canvas.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def render_idle_frame(size: int, rng: random.Random) -> np.ndarray:
    """An empty scene: background and noise only."""
    canvas = np.full((size, size, 3), BACKGROUND, dtype=np.int16)
    noise = np.random.default_rng(rng.getrandbits(32)).integers(-6, 7, canvas.shape)
    return np.clip(canvas + noise, 0, 255).astype(np.uint8)


def render_event(event: Event, frames: int, size: int, rng: random.Random) -> list[np.ndarray]:
    """`frames` frames of one event, the shape travelling across the frame in its direction."""
    step = max(2, size // 12)
    dx, dy = MOTIONS[event.motion]
    travel = step * (frames - 1)
    margin = size // 6
    lo, hi = margin, size - margin
    # Start so the whole path (trail included) stays inside the frame.
    sx = rng.uniform(lo + max(0, -dx) * travel, hi - max(0, dx) * travel) if dx else rng.uniform(lo, hi)
    sy = rng.uniform(lo + max(0, -dy) * travel, hi - max(0, dy) * travel) if dy else rng.uniform(lo, hi)
    return [
        render_event_frame(event, (sx + dx * step * k, sy + dy * step * k), size, rng) for k in range(frames)
    ]


@dataclass
class SyntheticVideo:
    """A frame source for one synthetic video; frames are rendered on demand from a seed."""

    events: tuple[Event, ...]
    seed: int
    size: int = 64
    frames_per_event: int = 3
    idle_before: int = 0
    idle_after: int = 0

    def frames(self) -> list[np.ndarray]:
        """The video's frames in time order (one per second of video)."""
        rng = random.Random(self.seed)
        out = [render_idle_frame(self.size, rng) for _ in range(self.idle_before)]
        for event in self.events:
            out.extend(render_event(event, self.frames_per_event, self.size, rng))
        out.extend(render_idle_frame(self.size, rng) for _ in range(self.idle_after))
        return out

    @property
    def caption(self) -> str:
        """The video's caption."""
        return caption(self.events)


@dataclass(frozen=True)
class SyntheticSpec:
    """How big a synthetic set to make."""

    train_videos: int = 400
    test_pairs: int = 40  # each pair gives two test videos: "A then B" and "B then A"
    size: int = 64
    frames_per_event: int = 3
    max_idle: int = 2
    seed: int = 0


def make_synthetic_set(spec: SyntheticSpec | None = None) -> list[CaptionedVideo]:
    """Two-event videos; the test split holds order-swapped pairs never seen in training.

    Args:
        spec: sizes and seed (defaults: 400 training videos, 40 test pairs).

    Returns:
        CaptionedVideo items with in-memory frame sources, split "train" or "test".
    """
    spec = spec or SyntheticSpec()
    rng = random.Random(spec.seed)
    events = all_events()
    pairs = [
        (a, b) for a, b in itertools.permutations(events, 2) if (a.colour, a.shape) != (b.colour, b.shape)
    ]
    unordered = sorted({frozenset(p) for p in pairs}, key=lambda s: sorted(e.phrase for e in s))
    rng.shuffle(unordered)
    test_sets = unordered[: spec.test_pairs]
    held_out = set(test_sets)
    train_pairs = [p for p in pairs if frozenset(p) not in held_out]

    def video(events: tuple[Event, ...], split: str, n: int) -> CaptionedVideo:
        idle = rng.randint(0, spec.max_idle)
        before = rng.randint(0, idle)
        source = SyntheticVideo(
            events, rng.getrandbits(32), spec.size, spec.frames_per_event, before, idle - before
        )
        return CaptionedVideo(f"{split}{n:05d}", [source.caption], split, None, source)

    videos = [video(tuple(rng.choice(train_pairs)), "train", n) for n in range(spec.train_videos)]
    for n, pair in enumerate(test_sets):
        a, b = sorted(pair, key=lambda e: e.phrase)
        videos.append(video((a, b), "test", 2 * n))
        videos.append(video((b, a), "test", 2 * n + 1))
    return videos


def frame_phrase_pairs(count: int, size: int = 64, seed: int = 0) -> list[tuple[np.ndarray, str]]:
    """Single frames and the phrase of the event they show, for teaching a tiny CLIP its words."""
    rng = random.Random(seed)
    events = all_events()
    out: list[tuple[np.ndarray, str]] = []
    for i in range(count):
        event = events[i % len(events)]
        frames = render_event(event, 3, size, rng)
        out.append((frames[rng.randrange(len(frames))], event.phrase))
    return out


def write_video(path: Path, frames: Sequence[np.ndarray], fps: float = 1.0) -> Path:
    """Write RGB frames as a real video file with OpenCV (mp4v), one frame per 1/fps seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    try:
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return path


def write_folder_dataset(videos: Sequence[CaptionedVideo], root: Path, fps: float = 1.0) -> list[Path]:
    """Write synthetic videos in the folder format (root/<split>/<id>.mp4 + .txt of captions)."""
    paths = []
    for item in videos:
        if item.source is None:
            continue
        path = root / item.split / f"{item.video_id}.mp4"
        write_video(path, item.source.frames(), fps)
        path.with_suffix(".txt").write_text("\n".join(item.captions) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


@dataclass(frozen=True)
class ShortEventSpec:
    """The short-event set: each caption's event fills 1-2 of `frames` frames; the rest is other events."""

    videos: int = 40  # at most len(all_events()) - 8: every target event is a different one
    frames: int = 12
    size: int = 64
    seed: int = 0


@dataclass
class ShortEventVideo:
    """A frame source: distractor events around a short target event (1-2 frames) at `at`."""

    target: Event
    distractors: tuple[Event, ...]
    seed: int
    size: int = 64
    frames_total: int = 12
    target_frames: int = 2
    at: int = 0

    def frames(self) -> list[np.ndarray]:
        """Distractor events, 2-4 frames each, with the target event spliced in at frame `at`."""
        rng = random.Random(self.seed)
        rest = self.frames_total - self.target_frames
        fill: list[np.ndarray] = []
        i = 0
        while len(fill) < rest:
            n = min(rest - len(fill), rng.randint(2, 4))
            fill.extend(render_event(self.distractors[i % len(self.distractors)], n, self.size, rng))
            i += 1
        target = render_event(self.target, self.target_frames, self.size, rng)
        return fill[: self.at] + target + fill[self.at :]

    @property
    def caption(self) -> str:
        """Only the short event is named."""
        return self.target.phrase


def make_short_event_set(spec: ShortEventSpec | None = None, split: str = "test") -> list[CaptionedVideo]:
    """Videos whose caption's content occupies only 1-2 of up to 12 frames (mean pooling dilutes it).

    Target events are all different; the distractors come from 8 events that are nobody's target, so
    every caption has exactly one right video.
    """
    spec = spec or ShortEventSpec()
    rng = random.Random(spec.seed + 7919)
    events = all_events()
    rng.shuffle(events)
    pool, targets = events[:8], events[8 : 8 + spec.videos]
    out: list[CaptionedVideo] = []
    for n, target in enumerate(targets):
        others = [e for e in pool if (e.colour, e.shape) != (target.colour, target.shape)]
        distractors = tuple(rng.sample(others, 3))
        short = rng.randint(1, 2)
        at = rng.randint(0, spec.frames - short)
        source = ShortEventVideo(target, distractors, rng.getrandbits(32), spec.size, spec.frames, short, at)
        out.append(CaptionedVideo(f"short{spec.seed}-{n:05d}", [source.caption], split, None, source))
    return out
