"""The second search stage: re-score the best candidate clips from their frames and place the moment.

The clip index finds candidates with one holistic vector per clip (TeachCLIP's point: they are almost
sufficient). The top N are then scored the way a fine-grained teacher scores a clip: each frame's
cosine s_k to the query, pooled by a temperature soft-max (TeachCLIP's frame-level signal
y_f = softmax(s / tau)), and blended with the clip's own score:

    frame_score = sum_k softmax(s / tau)_k * s_k
    BLEND: score = (1 - alpha) * clip_score + alpha * frame_score
    PEAK:  score = clip_score + alpha * (frame_score - mean_k s_k)
    MAX:   score = clip_score + alpha * max(0, frame_score - margin - clip_score)
           (alpha = 1: the better of the clip's holistic score and its best moment's, less a margin)

A short event (two frames of twelve), diluted in the clip's mean, is not diluted in the soft-max pool,
so it climbs; the clip score keeps the holistic evidence (order, context, the student's temporal head)
that single frames lack. Frames alone cannot read "A, then B", so too much frame weight loses the
standard set. The settings differ by model, chosen on validation sets (the largest short-event R@1
among settings that do not lower standard R@1): a zero-shot clip vector is only the mean of its
frames, so the frames may weigh much (BLEND alpha 0.75, tau 0.01). A trained head's clip score carries
order, and any linear blend that lifts a short event costs it the standard set (its clip score of a
diluted event is far below the event's frames, and a blend moves every candidate at once); MAX leaves
a clip alone unless its best moment beats its own holistic score by the margin, which is what a
diluted short event looks like and an "A, then B" match does not (MAX alpha 1, margin 0.2, tau 0.05).
docs/quality.md has the grid and the test figures.
Each frame's s_k is also its `relevance`, and the best frame's time is the moment's `best_t`.

NumPy only: the query's vectors come from the model, the frames' from engine.store.frame_features.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from engine.store.frame_features import FrameBatch, FrameFeatures

#: Candidates re-scored per query.
DEFAULT_CANDIDATES = 200
#: Weight of the frame evidence for a trained head (see the module docstring; the validation grid).
DEFAULT_ALPHA = 1.0
#: Soft-max temperature over frame-query cosines for a trained head.
DEFAULT_TEMPERATURE = 0.05
#: How far a trained head's best moment must beat its clip score before the frames count (MAX).
DEFAULT_MARGIN = 0.2
#: The same for a zero-shot model (mean-pooled clips: the frames may weigh more).
ZERO_SHOT_ALPHA = 0.75
ZERO_SHOT_TEMPERATURE = 0.01


class RerankMode(StrEnum):
    """How the frame evidence joins the clip score."""

    PEAK = "peak"  # clip + alpha * (soft-max pool - mean)
    BLEND = "blend"  # (1 - alpha) * clip + alpha * soft-max pool
    MAX = "max"  # clip + alpha * max(0, soft-max pool - margin - clip)


@dataclass(frozen=True)
class RerankSettings:
    """How the second stage scores; candidates=0 turns it off (clip scores only)."""

    candidates: int = DEFAULT_CANDIDATES
    alpha: float = DEFAULT_ALPHA
    temperature: float = DEFAULT_TEMPERATURE
    mode: RerankMode = RerankMode.MAX
    margin: float = DEFAULT_MARGIN  # MAX only

    @classmethod
    def for_model(cls, zero_shot: bool, candidates: int = DEFAULT_CANDIDATES) -> RerankSettings:
        """The chosen settings for a zero-shot model or one with a trained head."""
        if zero_shot:
            return cls(candidates, ZERO_SHOT_ALPHA, ZERO_SHOT_TEMPERATURE, RerankMode.BLEND, 0.0)
        return cls(candidates, DEFAULT_ALPHA, DEFAULT_TEMPERATURE, RerankMode.MAX, DEFAULT_MARGIN)

    def combine(self, clip_score: float, match: FrameMatch) -> float:
        """The re-ranked score of one clip (combine_arrays on scalars, without NumPy's per-call cost)."""
        a, pool = self.alpha, match.frame_score
        if self.mode is RerankMode.BLEND:
            return (1.0 - a) * clip_score + a * pool
        if self.mode is RerankMode.MAX:
            return clip_score + a * max(pool - self.margin - clip_score, 0.0)
        return clip_score + a * (pool - match.mean)

    def combine_arrays(
        self, clip: np.ndarray, pool: np.ndarray | float, mean: np.ndarray | float
    ) -> np.ndarray:
        """combine() over arrays of clip scores, soft-max pools and frame means (the quality grid's too)."""
        a = self.alpha
        if self.mode is RerankMode.BLEND:
            return (1.0 - a) * clip + a * np.asarray(pool)
        if self.mode is RerankMode.MAX:
            return clip + a * np.maximum(np.asarray(pool) - self.margin - clip, 0.0)
        return clip + a * (np.asarray(pool) - np.asarray(mean))


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

    def relevance_at(self, times: Sequence[float]) -> list[float | None]:
        """The relevance of the stored frame nearest to each time (None for all when none is stored)."""
        if self.times.size == 0:
            return [None] * len(times)
        t = np.asarray(times, dtype=np.float64)
        nearest = np.abs(self.times[None, :].astype(np.float64) - t[:, None]).argmin(axis=1)
        return [float(r) for r in self.relevance[nearest]]


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
    """Each clip's frame relevances to the query ([q, D] unit rows; a frame takes its best row)."""
    return match_batch(query, FrameBatch.of(list(features.values())), temperature)


def match_batch(
    query: np.ndarray, batch: FrameBatch, temperature: float = DEFAULT_TEMPERATURE
) -> dict[int, FrameMatch]:
    """match_frames over a FrameBatch (engine.store's one-statement read: the search's path).

    All clips' int8 codes are scored in one product (a mat-vec for a one-row query); the pools are one
    padded [clips, frames] soft-max (a Python loop over 200 clips would cost more than the arithmetic).
    """
    if len(batch) == 0 or batch.codes.shape[0] == 0:
        return {}
    q = unit_rows(query)
    codes = batch.codes
    # The codes' norms divide out: cosine = (codes . q) / |codes| whatever the per-frame scale.
    norms = np.sqrt(np.einsum("ij,ij->i", codes, codes, dtype=np.int32).astype(np.float32))
    if q.shape[0] == 1:
        # einsum straight from int8, not BLAS: no [frames, D] float32 copy, and a threaded BLAS
        # mat-vec this small stalls for tens of ms on busy cores (measured on the loaded 2-core box:
        # 34 ms median against 1.5 ms; both under 1 ms when the cores are free).
        raw = np.einsum("ij,j->i", codes, q[0], dtype=np.float32, casting="unsafe")
    else:
        raw = (codes.astype(np.float32) @ q.T).max(axis=1)
    best = raw / np.maximum(norms, 1e-12)
    counts, starts = batch.counts, batch.starts
    n = len(batch)
    rows = np.repeat(np.arange(n), counts)
    padded = np.full((n, int(counts.max())), -np.inf, dtype=np.float64)
    padded[rows, np.arange(best.shape[0]) - starts[rows]] = best
    z = np.exp((padded - padded.max(axis=1, keepdims=True)) / max(float(temperature), 1e-6))
    finite = np.where(np.isfinite(padded), padded, 0.0)
    pooled = ((z * finite).sum(axis=1) / z.sum(axis=1)).tolist()
    means = (finite.sum(axis=1) / np.maximum(counts, 1)).tolist()
    times = batch.times
    return {
        cid: FrameMatch(times[a : a + m], best[a : a + m], p, mu)
        for cid, a, m, p, mu in zip(
            batch.clip_ids.tolist(), starts.tolist(), counts.tolist(), pooled, means, strict=True
        )
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
