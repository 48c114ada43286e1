"""Teachers behind one interface: y_c (b×b clip-caption scores) and y_f (b×m frame relevance).

- ClipTeacher: a frozen CLIP scores every frame against the caption; y_f is a softmax over frames,
  y_c aggregates the frame scores. Captions made of ordered parts ("A, then B") are aligned to the
  frames monotonically, so the teacher's y_c knows the order of events where plain pooling cannot.
- FileTeacher: outputs precomputed by any external model (X-CLIP, TS2-Net, ...), read from a file.

Teacher file format (NumPy .npz, written by `write_teacher_file`):
    version          int, 1
    video_ids        [V] str    the data set's video ids
    captions         [C] str    caption texts
    caption_video    [C] int    index into video_ids of each caption's own video
    clip_scores      [V, C] float   y_c logits: the teacher's similarity of every video and caption
                                    (already multiplied by the teacher's logit scale)
    frame_relevance  [C, M] float   y_f: for each caption, a distribution over the frames of its own
                                    video, frame k being the k-th frame Glimpse samples (sample_clips at
                                    the training fps, evenly thinned to max_frames); zero-padded to M
A training batch takes the rows and columns of its videos and captions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F

from engine.train.data import CaptionedVideo
from engine.train.errors import TeacherFileError

log = logging.getLogger(__name__)

TEACHER_FILE_VERSION = 1
#: Where a caption is cut into ordered parts ("A, then B", "A and then B", "A; after that B").
_ORDER_SPLIT = re.compile(
    r"\s*(?:,\s*|\s+)(?:and\s+)?(?:then|afterwards|after that)\s+|\s*;\s*", re.IGNORECASE
)
MAX_LOGIT_SCALE = 100.0


@dataclass
class TeacherBatch:
    """What a teacher sees of a training batch: video i goes with caption i."""

    videos: Sequence[CaptionedVideo]
    captions: Sequence[str]
    feats: torch.Tensor  # [b, m, D] frozen-backbone frame features (not normalized)
    mask: torch.Tensor  # [b, m] bool, True on real frames (a prefix of each row)


@dataclass
class TeacherOutput:
    """y_c [b, b] logits (videos × captions) and y_f [b, m] (each row sums to 1 over real frames)."""

    clip_scores: torch.Tensor
    frame_relevance: torch.Tensor


class Teacher(Protocol):
    """Anything that scores a batch for TeachCLIP's coarse and fine teaching."""

    name: str

    def check(self, videos: Sequence[CaptionedVideo]) -> None:
        """Refuse, with a sentence, a data set this teacher cannot score (before training starts)."""
        ...

    def teach(self, batch: TeacherBatch) -> TeacherOutput: ...


def caption_parts(caption: str) -> list[str]:
    """A caption cut into ordered parts ("A, then B" -> ["A", "B"]); one part without order words."""
    parts = [p.strip(" .,") for p in _ORDER_SPLIT.split(caption)]
    parts = [p for p in parts if p]
    return parts or [caption]


def monotonic_alignment(cos: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Best mean score of assigning frames in order to parts in order, each part at least one frame.

    Args:
        cos: [b, m, n, p] frame-part cosines for b videos, n captions of p parts each.
        lengths: [b] real frames per video (the first lengths[i] frames are real).

    Returns:
        [b, n] mean aligned cosine; videos with fewer frames than parts fall back to the mean
        over frames of the best part.
    """
    b, m, n, p = cos.shape
    neg = torch.finfo(cos.dtype).min / 4
    dp = torch.full((b, n, p), neg, dtype=cos.dtype, device=cos.device)
    dp[:, :, 0] = cos[:, 0, :, 0]
    finals = torch.full((b, n), neg, dtype=cos.dtype, device=cos.device)
    finals = torch.where((lengths == 1)[:, None], dp[:, :, p - 1], finals)
    for k in range(1, m):
        stay = dp
        advance = torch.cat([dp.new_full((b, n, 1), neg), dp[:, :, :-1]], dim=2)
        dp = torch.maximum(stay, advance) + cos[:, k]
        finals = torch.where((lengths == k + 1)[:, None], dp[:, :, p - 1], finals)
    valid = torch.arange(m, device=cos.device)[None, :] < lengths[:, None]
    best_part = cos.max(dim=3).values  # [b, m, n]
    fallback = (best_part * valid[:, :, None]).sum(1) / lengths[:, None].clamp_min(1)
    aligned = finals / lengths[:, None].clamp_min(1)
    return torch.where((lengths >= p)[:, None], aligned, fallback)


class ClipTeacher:
    """A frozen CLIP as a fine-grained teacher: frame-caption cosines, aligned in order.

    It scores the frame features the student trains on, so its visual tower is the student's frozen
    backbone; its text tower is a frozen copy taken before training (the student may fine-tune its own).
    """

    name = "clip"

    def __init__(self, model, logit_scale: float | None = None) -> None:
        self.model = model
        scale = logit_scale if logit_scale is not None else float(model.clip.logit_scale.exp().item())
        self.scale = min(scale, MAX_LOGIT_SCALE)
        self._text: dict[str, torch.Tensor] = {}

    def check(self, videos: Sequence[CaptionedVideo]) -> None:
        """Nothing to refuse: a CLIP scores any caption."""

    def _vectors(self, texts: Sequence[str]) -> torch.Tensor:
        missing = [t for t in dict.fromkeys(texts) if t not in self._text]
        if missing:
            vecs = self.model.encode_text(list(missing), use_cache=False)
            self._text.update(zip(missing, vecs, strict=True))
        return torch.stack([self._text[t] for t in texts])

    def teach(self, batch: TeacherBatch) -> TeacherOutput:
        """y_c from ordered frame-part alignment, y_f a softmax over frames of their best part's cosine."""
        frames = F.normalize(batch.feats.float(), dim=-1)
        mask = batch.mask.to(torch.bool)
        lengths = mask.sum(dim=1)
        b, m = mask.shape
        parts = [caption_parts(c) for c in batch.captions]
        scores = torch.zeros(b, len(parts))
        relevance = torch.zeros(b, m)
        for p in sorted({len(ps) for ps in parts}):
            cols = [j for j, ps in enumerate(parts) if len(ps) == p]
            text = self._vectors([t for j in cols for t in parts[j]]).view(len(cols), p, -1)
            cos = torch.einsum("bmd,npd->bmnp", frames, text)
            scores[:, cols] = monotonic_alignment(cos, lengths)
            for col_pos, j in enumerate(cols):
                if j < b:  # caption j is video j's own
                    relevance[j] = cos[j, :, col_pos].max(dim=-1).values
        relevance = (relevance * self.scale).masked_fill(~mask, float("-inf")).softmax(dim=1)
        return TeacherOutput(scores * self.scale, relevance)


@dataclass
class TeacherTables:
    """The arrays of a teacher file (see the module docstring)."""

    video_ids: list[str]
    captions: list[str]
    caption_video: np.ndarray
    clip_scores: np.ndarray
    frame_relevance: np.ndarray


def write_teacher_file(path: Path, tables: TeacherTables) -> Path:
    """Write teacher outputs in the documented .npz format."""
    path = Path(path)
    with path.open("wb") as fh:
        np.savez_compressed(
            fh,
            version=np.array(TEACHER_FILE_VERSION),
            video_ids=np.array(tables.video_ids, dtype=str),
            captions=np.array(tables.captions, dtype=str),
            caption_video=np.asarray(tables.caption_video, dtype=np.int64),
            clip_scores=np.asarray(tables.clip_scores, dtype=np.float32),
            frame_relevance=np.asarray(tables.frame_relevance, dtype=np.float32),
        )
    return path


def read_teacher_file(path: Path) -> TeacherTables:
    """Read and check a teacher file; a TeacherFileError names what is wrong."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            version = int(data["version"])
            tables = TeacherTables(
                [str(v) for v in data["video_ids"]],
                [str(c) for c in data["captions"]],
                data["caption_video"].astype(np.int64),
                data["clip_scores"].astype(np.float32),
                data["frame_relevance"].astype(np.float32),
            )
    except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
        # numpy's own words (e.g. advice to load pickled data "unsafely") are for the log, not the user.
        log.info("not a teacher file: %s: %s", path, exc)
        raise TeacherFileError(
            f"{path.name} is not a teacher file (a .npz of teacher scores; see engine/train/teachers.py)."
        ) from exc
    if version != TEACHER_FILE_VERSION:
        raise TeacherFileError(
            f"{path.name} is teacher file version {version}; this Glimpse reads version 1."
        )
    v, c = len(tables.video_ids), len(tables.captions)
    if (
        tables.clip_scores.shape != (v, c)
        or tables.caption_video.shape != (c,)
        or tables.frame_relevance.shape[0] != c
    ):
        raise TeacherFileError(f"{path.name} has arrays of mismatched sizes ({v} videos, {c} captions).")
    if c and (tables.caption_video.min() < 0 or tables.caption_video.max() >= v):
        raise TeacherFileError(f"{path.name} links a caption to a video that is not in the file.")
    return tables


class FileTeacher:
    """Teacher outputs precomputed by an external model, looked up per batch."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.tables = read_teacher_file(self.path)
        self._row = {vid: i for i, vid in enumerate(self.tables.video_ids)}
        self._col = {
            (self.tables.video_ids[int(v)], text): j
            for j, (v, text) in enumerate(zip(self.tables.caption_video, self.tables.captions, strict=True))
        }

    def check(self, videos: Sequence[CaptionedVideo]) -> None:
        """Refuse a data set the file does not cover (every video and each of its captions)."""
        for video in videos:
            if video.video_id not in self._row:
                raise TeacherFileError(f"The teacher file has no scores for video {video.video_id}.")
            for text in video.captions:
                if (video.video_id, text) not in self._col:
                    raise TeacherFileError(f'The teacher file has no scores for the caption "{text}".')

    def teach(self, batch: TeacherBatch) -> TeacherOutput:
        """The file's y_c for the batch's videos × captions; y_f renormalized over real frames."""
        try:
            rows = [self._row[v.video_id] for v in batch.videos]
            cols = [self._col[(v.video_id, c)] for v, c in zip(batch.videos, batch.captions, strict=True)]
        except KeyError as exc:
            raise TeacherFileError(f"The teacher file has no scores for {exc.args[0]}.") from exc
        scores = torch.from_numpy(self.tables.clip_scores[np.ix_(rows, cols)])
        mask = batch.mask.to(torch.bool)
        b, m = mask.shape
        stored = torch.from_numpy(self.tables.frame_relevance[cols])
        relevance = torch.zeros(b, m)
        width = min(m, stored.shape[1])
        relevance[:, :width] = stored[:, :width]
        relevance = relevance * mask
        total = relevance.sum(dim=1, keepdim=True)
        if bool((total <= 0).any()):
            raise TeacherFileError("The teacher file gives no frame relevance to a clip's sampled frames.")
        return TeacherOutput(scores, relevance / total)


def precompute_teacher(
    teacher: Teacher, videos: Sequence[CaptionedVideo], feats: dict[str, torch.Tensor]
) -> TeacherTables:
    """Run a teacher over a whole data set (every video × every caption) into file tables.

    Args:
        teacher: the teacher to record.
        videos: the videos (all their captions are scored).
        feats: frame features by video key (from extract_features).

    Returns:
        Tables for write_teacher_file.
    """
    from engine.train.features import pad_batch

    kept = [v for v in videos if v.key in feats]
    caps = [(i, c) for i, v in enumerate(kept) for c in v.captions]
    padded, mask = pad_batch([feats[v.key] for v in kept])
    scores = np.zeros((len(kept), len(caps)), dtype=np.float32)
    relevance = np.zeros((len(caps), padded.shape[1]), dtype=np.float32)
    for j, (owner, text) in enumerate(caps):
        # Put the caption's own video first so the teacher's y_f row 0 is for it.
        order = [owner] + [i for i in range(len(kept)) if i != owner]
        out = teacher.teach(TeacherBatch([kept[i] for i in order], [text], padded[order], mask[order]))
        scores[order, j] = out.clip_scores[:, 0].numpy()
        relevance[j] = out.frame_relevance[0].numpy()
    return TeacherTables(
        [v.video_id for v in kept], [c for _, c in caps], np.array([i for i, _ in caps]), scores, relevance
    )
