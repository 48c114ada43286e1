"""Captioned video data sets: MSR-VTT-style annotations (JSON or CSV) and a plain folder format.

Folder format: each video has a `.txt` of the same stem beside it, one caption per line. Sub-folders
named `train`, `val` or `test` give the split; videos elsewhere count as `train`.

MSR-VTT format: either MSRVTT_data.json (`videos` with `video_id` and `split`, `sentences` with
`video_id` and `caption`) or a CSV with a `video_id` column, a `sentence` (or `caption`) column and an
optional `split` column. Video files are `<video_id>.<ext>` in the videos folder.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import numpy as np

from engine.train.errors import DatasetError
from engine.video import VIDEO_EXTENSIONS

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
_SPLIT_ALIASES = {
    "validate": "val",
    "validation": "val",
    "valid": "val",
    "training": "train",
    "testing": "test",
}


class DataFormat(StrEnum):
    """How a data set is laid out on disk."""

    MSRVTT = "msrvtt"
    FOLDER = "folder"


class FrameSource(Protocol):
    """Frames made without a video file (synthetic data): RGB uint8 arrays in time order."""

    def frames(self) -> list[np.ndarray]: ...


@dataclass
class CaptionedVideo:
    """One training or test video and its captions: a file on disk or an in-memory frame source."""

    video_id: str
    captions: list[str]
    split: str = "train"
    path: Path | None = None
    source: FrameSource | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        """What identifies the video's frames (its file, else its id)."""
        return str(self.path) if self.path is not None else f"mem:{self.video_id}"


def _split_name(raw: str) -> str:
    name = raw.strip().lower()
    return _SPLIT_ALIASES.get(name, name)


def load_folder(root: Path) -> list[CaptionedVideo]:
    """Videos with a `.txt` of captions beside them; `train/`, `val/`, `test/` sub-folders give the split."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"The data folder {root} does not exist.")
    videos: list[CaptionedVideo] = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in VIDEO_EXTENSIONS or not path.is_file():
            continue
        txt = path.with_suffix(".txt")
        if not txt.is_file():
            log.info("no captions beside %s; skipped", path)
            continue
        captions = [line.strip() for line in txt.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not captions:
            log.info("empty caption file %s; skipped", txt)
            continue
        rel = path.relative_to(root).parts
        split = _split_name(rel[0]) if len(rel) > 1 and _split_name(rel[0]) in SPLITS else "train"
        videos.append(CaptionedVideo(str(path.relative_to(root).with_suffix("")), captions, split, path))
    if not videos:
        raise DatasetError(f"No captioned videos in {root}: put a .txt of captions beside each video.")
    return videos


def _find_video(video_dir: Path, video_id: str) -> Path | None:
    for ext in (".mp4", *sorted(VIDEO_EXTENSIONS)):
        candidate = video_dir / f"{video_id}{ext}"
        if candidate.is_file():
            return candidate
    return None


def _read_msrvtt_json(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        splits = {
            str(v["video_id"]): _split_name(str(v.get("split", "train"))) for v in data.get("videos", [])
        }
        pairs = [(str(s["video_id"]), str(s["caption"])) for s in data["sentences"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DatasetError(f"{path.name} is not an MSR-VTT annotation file (videos/sentences).") from exc
    return splits, pairs


def _read_msrvtt_csv(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "video_id" not in rows[0]:
        raise DatasetError(f"{path.name} needs a header with a video_id column.")
    text_col = "sentence" if "sentence" in rows[0] else "caption" if "caption" in rows[0] else None
    if text_col is None:
        raise DatasetError(f"{path.name} needs a sentence (or caption) column.")
    splits = {r["video_id"]: _split_name(r.get("split") or "train") for r in rows}
    return splits, [(r["video_id"], r[text_col]) for r in rows if r[text_col].strip()]


def load_msrvtt(annotations: Path, video_dir: Path | None = None) -> list[CaptionedVideo]:
    """MSR-VTT-style annotations; videos in `video_dir` (default: `videos/` beside the file)."""
    annotations = Path(annotations)
    if not annotations.is_file():
        raise DatasetError(f"The annotation file {annotations} does not exist.")
    if video_dir is None:
        beside = annotations.parent / "videos"
        video_dir = beside if beside.is_dir() else annotations.parent
    reader = _read_msrvtt_csv if annotations.suffix.lower() == ".csv" else _read_msrvtt_json
    splits, pairs = reader(annotations)
    captions: dict[str, list[str]] = {}
    for vid, text in pairs:
        captions.setdefault(vid, []).append(text.strip())
    videos: list[CaptionedVideo] = []
    missing = 0
    for vid, texts in captions.items():
        path = _find_video(Path(video_dir), vid)
        if path is None:
            missing += 1
            continue
        videos.append(CaptionedVideo(vid, texts, splits.get(vid, "train"), path))
    if missing:
        log.warning("%d annotated videos have no file in %s; skipped", missing, video_dir)
    if not videos:
        raise DatasetError(f"None of the annotated videos were found in {video_dir}.")
    return videos


def load_dataset(
    data: Path, fmt: DataFormat | str | None = None, video_dir: Path | None = None
) -> list[CaptionedVideo]:
    """Read a data set: a folder (folder format) or an annotation file (MSR-VTT format).

    Args:
        data: the data folder or the annotation file.
        fmt: "folder" or "msrvtt"; None guesses from whether `data` is a folder.
        video_dir: where MSR-VTT videos live (default: `videos/` beside the annotation file).

    Returns:
        The captioned videos of every split.
    """
    data = Path(data)
    if fmt is None:
        fmt = DataFormat.FOLDER if data.is_dir() else DataFormat.MSRVTT
    try:
        fmt = DataFormat(fmt)
    except ValueError as exc:
        raise DatasetError(f'Unknown data format "{fmt}": use "msrvtt" or "folder".') from exc
    return load_folder(data) if fmt is DataFormat.FOLDER else load_msrvtt(data, video_dir)


def split_of(videos: Iterable[CaptionedVideo], split: str) -> list[CaptionedVideo]:
    """The videos of one split; a clear error when it is empty."""
    name = _split_name(split)
    chosen = [v for v in videos if v.split == name]
    if not chosen:
        raise DatasetError(f'The data set has no videos in the "{name}" split.')
    return chosen
