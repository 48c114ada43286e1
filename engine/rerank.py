"""The second search stage: re-score the best candidate clips from their frames and place the moment.

The clip index finds candidates with one holistic vector per clip (TeachCLIP's point: they are almost
sufficient). The top N are then scored the way a fine-grained teacher scores a clip: each frame's
cosine s_k to the query, pooled by a temperature soft-max (TeachCLIP's frame-level signal
y_f = softmax(s / tau)), and blended with the clip's own score:

    frame_score = sum_k softmax(s / tau)_k * s_k
    BLEND (default): score = (1 - alpha) * clip_score + alpha * frame_score
    PEAK:            score = clip_score + alpha * (frame_score - mean_k s_k)

A short event (two frames of twelve), diluted in the clip's mean, is not diluted in the soft-max pool,
so it climbs; the clip score keeps the holistic evidence (order, context, the student's temporal head)
that single frames lack. Frames alone cannot read "A, then B", so too much frame weight loses the
standard set. The settings differ by model, chosen on validation sets (the largest short-event gain
that lowers standard R@1 on neither): a zero-shot clip vector is only the mean of its frames, so the
frames may weigh much (BLEND alpha 0.75, tau 0.01); a trained head's vector carries order, and only a
small alpha keeps it (BLEND alpha 0.1, tau 0.05). docs/quality.md has the grid and the test figures.
Each frame's s_k is also its `relevance`, and the best frame's time is the moment's `best_t`.

NumPy only: the query's vectors come from the model, the frames' from engine.store.frame_features.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from engine.store.frame_features import FrameFeatures

#: Candidates re-scored per query.
DEFAULT_CANDIDATES = 200
#: Weight of the frame evidence for a trained head (see the module docstring; the validation grid).
DEFAULT_ALPHA = 0.1
#: Soft-max temperature over frame-query cosines for a trained head.
DEFAULT_TEMPERATURE = 0.05
#: The same for a zero-shot model (mean-pooled clips: the frames may weigh more).
ZERO_SHOT_ALPHA = 0.75
ZERO_SHOT_TEMPERATURE = 0.01


class RerankMode(StrEnum):
    """How the frame evidence joins the clip score."""

    PEAK = "peak"  # clip + alpha * (soft-max pool - mean)
    BLEND = "blend"  # (1 - alpha) * clip + alpha * soft-max pool


@dataclass(frozen=True)
class RerankSettings:
    """How the second stage scores; candidates=0 turns it off (clip scores only)."""

    candidates: int = DEFAULT_CANDIDATES
    alpha: float = DEFAULT_ALPHA
    temperature: float = DEFAULT_TEMPERATURE
    mode: RerankMode = RerankMode.BLEND

    @classmethod
    def for_model(cls, zero_shot: bool, candidates: int = DEFAULT_CANDIDATES) -> RerankSettings:
        """The chosen settings for a zero-shot model or one with a trained head."""
        if zero_shot:
            return cls(candidates, ZERO_SHOT_ALPHA, ZERO_SHOT_TEMPERATURE, RerankMode.BLEND)
        return cls(candidates, DEFAULT_ALPHA, DEFAULT_TEMPERATURE, RerankMode.BLEND)

    def combine(self, clip_score: float, match: FrameMatch) -> float:
        """The re-ranked score of one clip."""
        if self.mode is RerankMode.BLEND:
            return (1.0 - self.alpha) * clip_score + self.alpha * match.frame_score
        return clip_score + self.alpha * (match.frame_score - match.mean)


@dataclass(frozen=True)
class FrameMatch:
    """What the frames of one clip say about a query."""

    times: np.ndarray  # [m] seconds
    relevance: np.ndarray  # [m] cosine of each frame to the query (best over the query's vectors)
    frame_score: float  # the soft-max pooled relevance
    mean: float = 0.0  # the mean relevance of the clip's frames

    @property
    def best_t(self) -> float:
        """The time of the most relevant frame."""
        return float(self.times[int(np.argmax(self.relevance))])


def soft_max_pool(sims: np.ndarray, temperature: float) -> float:
    """sum_k softmax(s / tau)_k * s_k: near the max for small tau, near the mean for large tau."""
    s = np.asarray(sims, dtype=np.float64)
    z = (s - s.max()) / max(float(temperature), 1e-6)
    w = np.exp(z)
    return float((w * s).sum() / w.sum())


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def match_frames(
    query: np.ndarray, features: Mapping[int, FrameFeatures], temperature: float = DEFAULT_TEMPERATURE
) -> dict[int, FrameMatch]:
    """Each clip's frame relevances to the query ([q, D] unit rows; a frame takes its best row).

    All clips' int8 codes are stacked and scored in one matrix product; the pools are one padded
    [clips, frames] soft-max (a Python loop over 200 clips would cost more than the arithmetic).
    """
    if not features:
        return {}
    q = unit_rows(query)
    items = list(features.values())
    counts = np.array([f.codes.shape[0] for f in items], dtype=np.int64)
    x = np.concatenate([f.codes for f in items], axis=0).astype(np.float32)
    # The codes' norms divide out: cosine = (codes . q) / |codes| whatever the per-frame scale.
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    best = (x @ q.T).max(axis=1) / np.maximum(norms, 1e-12)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rows = np.repeat(np.arange(len(items)), counts)
    padded = np.full((len(items), int(counts.max())), -np.inf, dtype=np.float64)
    padded[rows, np.arange(best.shape[0]) - starts[rows]] = best
    z = np.exp((padded - padded.max(axis=1, keepdims=True)) / max(float(temperature), 1e-6))
    finite = np.where(np.isfinite(padded), padded, 0.0)
    pooled = (z * finite).sum(axis=1) / z.sum(axis=1)
    means = finite.sum(axis=1) / counts
    return {
        f.clip_id: FrameMatch(np.asarray(f.times), best[a : a + n], float(p), float(mu))
        for f, a, n, p, mu in zip(items, starts, counts, pooled, means, strict=True)
    }


def rerank(
    hits: Sequence[tuple[int, float]],
    matches: Mapping[int, FrameMatch],
    settings: RerankSettings = RerankSettings(),
) -> list[tuple[int, float]]:
    """The first `settings.candidates` hits re-scored and re-sorted; the rest follow unchanged.

    A candidate without frame features (indexed before they were kept) keeps its clip score.
    """
    n = max(0, int(settings.candidates))
    head, tail = list(hits[:n]), list(hits[n:])
    scored = []
    for cid, score in head:
        m = matches.get(cid)
        scored.append((cid, score if m is None else settings.combine(score, m)))
    scored.sort(key=lambda item: -item[1])
    return scored + tail
