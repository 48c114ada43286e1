"""Retrieval quality: text-to-video and video-to-text R@1/5/10, median and mean rank on a split."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import torch

from engine.config import SamplingSettings
from engine.model.head import mean_pool
from engine.train.data import CaptionedVideo
from engine.train.errors import DatasetError
from engine.train.features import FeatureCache, backbone_id, extract_features, pad_batch

log = logging.getLogger(__name__)

EVAL_BATCH = 64


class Pooling(StrEnum):
    """How clip vectors are made for evaluation."""

    MODEL = "model"  # the model's own (its head, or mean pooling when zero-shot)
    MEAN = "mean"  # CLIP4Clip's parameter-free mean pooling, whatever the model


@dataclass(frozen=True)
class RankMetrics:
    """Recall at 1/5/10 (percent), median and mean rank (1 = first) over `count` queries."""

    r1: float
    r5: float
    r10: float
    median_rank: float
    mean_rank: float
    count: int


def rank_metrics(ranks: Sequence[int] | np.ndarray) -> RankMetrics:
    """Summarize 1-based ranks of the right answers."""
    r = np.asarray(ranks, dtype=np.float64)
    if r.size == 0:
        raise DatasetError("There is nothing to evaluate: no queries.")
    return RankMetrics(
        r1=float((r <= 1).mean() * 100),
        r5=float((r <= 5).mean() * 100),
        r10=float((r <= 10).mean() * 100),
        median_rank=float(np.median(r)),
        mean_rank=float(r.mean()),
        count=int(r.size),
    )


def retrieval_ranks(sim: np.ndarray, text_video: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of the right answers in both directions.

    A rank is 1 + the number of candidates scored strictly higher (ties count in the query's favour).

    Args:
        sim: [n_texts, n_videos] similarity.
        text_video: for each text, the index of its video.

    Returns:
        (t2v ranks [n_texts], v2t ranks [n_videos]: for each video, the best rank among its own captions
        when all texts are ranked for it, as MSR-VTT's multi-caption protocol does).
    """
    sim = np.asarray(sim, dtype=np.float64)
    gt = np.asarray(text_video, dtype=np.int64)
    n_texts, n_videos = sim.shape
    if gt.shape != (n_texts,):
        raise DatasetError("Every caption needs exactly one video.")
    own = sim[np.arange(n_texts), gt]
    t2v = 1 + (sim > own[:, None]).sum(axis=1)
    v2t = np.zeros(n_videos, dtype=np.int64)
    for v in range(n_videos):
        mine = np.flatnonzero(gt == v)
        if mine.size == 0:
            raise DatasetError(f"Video {v} has no caption to retrieve.")
        column = sim[:, v]
        v2t[v] = 1 + int(min((column > column[t]).sum() for t in mine))
    return t2v, v2t


@dataclass(frozen=True)
class EvalReport:
    """What `glimpse eval` reports."""

    t2v: RankMetrics
    v2t: RankMetrics
    videos: int
    captions: int
    model: str
    zero_shot: bool
    pooling: str

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly dict."""
        return asdict(self)


def clip_vectors(model, feats: Sequence[torch.Tensor], pooling: Pooling = Pooling.MODEL) -> torch.Tensor:
    """[n, D] normalized clip vectors for per-video frame features, in batches."""
    out = []
    for start in range(0, len(feats), EVAL_BATCH):
        padded, mask = pad_batch(feats[start : start + EVAL_BATCH])
        if pooling is Pooling.MEAN:
            phi, _ = mean_pool(padded, mask)
        else:
            phi, _ = model.encode_clip(padded, mask)
        out.append(phi.float())
    return torch.cat(out)


def evaluate(
    model,
    videos: Sequence[CaptionedVideo],
    *,
    sampling: SamplingSettings | None = None,
    cache_root: Path | None = None,
    pooling: Pooling | str = Pooling.MODEL,
    progress: bool = False,
) -> EvalReport:
    """Text-to-video and video-to-text retrieval over a set of captioned videos.

    Args:
        model: any GlimpseModel, zero-shot included.
        videos: the evaluation split (every caption is a query).
        sampling: fps and max_frames (default: the indexer's).
        cache_root: where frame features are cached (default: the user cache folder).
        pooling: "model" (the model's clips) or "mean" (mean pooling baseline).
        progress: show a progress bar while features are made.

    Returns:
        An EvalReport with both directions' metrics.
    """
    pooling = Pooling(pooling)
    sampling = sampling or SamplingSettings()
    cache = FeatureCache(cache_root, backbone_id(model), sampling)
    feats = extract_features(model, videos, sampling, cache, progress=progress)
    kept = [v for v in videos if v.key in feats]
    if len(kept) < len(videos):
        log.warning("%d videos could not be read and are left out", len(videos) - len(kept))
    if not kept:
        raise DatasetError("None of the evaluation videos could be read.")
    vecs = clip_vectors(model, [feats[v.key] for v in kept], pooling)
    texts = [c for v in kept for c in v.captions]
    owner = [i for i, v in enumerate(kept) for _ in v.captions]
    text_vecs = model.encode_text(texts, use_cache=False).float()
    sim = (text_vecs @ vecs.t()).numpy()
    t2v, v2t = retrieval_ranks(sim, owner)
    return EvalReport(
        t2v=rank_metrics(t2v),
        v2t=rank_metrics(v2t),
        videos=len(kept),
        captions=len(texts),
        model=model.spec,
        zero_shot=model.is_zero_shot,
        pooling=str(pooling),
    )
