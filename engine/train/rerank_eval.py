"""The frame re-rank measured: clip-only vs re-ranked R@1/R@5, and the grid its settings were chosen on.

The search's second stage (engine.rerank) blends a clip's score with the soft-max pool of its frames'
cosines to the query. Here every caption of a set is a query against every video of it (N ≥ the set's
size, so the re-rank sees every video, as search does for its top 200), with the frame features both
as fp32 and as the store keeps them (int8 + a scale per frame).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.config import SamplingSettings
from engine.rerank import RerankMode, RerankSettings, unit_rows
from engine.store.frame_features import quantize
from engine.train.data import CaptionedVideo
from engine.train.evaluate import Pooling, clip_vectors, rank_metrics, retrieval_ranks
from engine.train.features import FeatureCache, backbone_id, extract_features

GRID: dict[RerankMode, tuple[float, ...]] = {
    RerankMode.PEAK: (0.0, 0.1, 0.25, 0.5, 1.0, 2.0),
    RerankMode.BLEND: (0.1, 0.25, 0.5, 0.75, 1.0),
    RerankMode.MAX: (0.5, 0.75, 1.0),
}
TEMPERATURES = (0.01, 0.02, 0.05, 0.1)
#: MAX's margins (the other modes have none).
MARGINS: dict[RerankMode, tuple[float, ...]] = {RerankMode.MAX: (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)}


@dataclass
class ScoreTables:
    """What a set's queries score: clip cosines [T, V] and frame cosines per video [T, m_v]."""

    clip: np.ndarray
    frames: list[np.ndarray]  # fp32 features
    frames_int8: list[np.ndarray]  # the stored form
    owner: np.ndarray  # [T] the right video of each caption


def score_tables(
    model, videos: Sequence[CaptionedVideo], cache_root: Path, pooling: Pooling = Pooling.MODEL
) -> ScoreTables:
    """Clip and frame cosines of every caption against every video of a set."""
    sampling = SamplingSettings()
    cache = FeatureCache(cache_root, backbone_id(model), sampling)
    feats = extract_features(model, videos, sampling, cache)
    kept = [v for v in videos if v.key in feats]
    per_video = [feats[v.key] for v in kept]
    vecs = clip_vectors(model, per_video, pooling).numpy()
    texts = [c for v in kept for c in v.captions]
    owner = np.array([i for i, v in enumerate(kept) for _ in v.captions])
    text = model.encode_text(texts, use_cache=False).float().numpy()
    q = unit_rows(text)
    fp32 = [unit_rows(f.numpy()) @ q.T for f in per_video]  # [m_v, T]
    int8 = [unit_rows(quantize(f.numpy())[1].astype(np.float32)) @ q.T for f in per_video]
    return ScoreTables(q @ vecs.T, [s.T for s in fp32], [s.T for s in int8], owner)


def pooled(frames: list[np.ndarray], temperature: float) -> tuple[np.ndarray, np.ndarray]:
    """[T, V] soft-max pool and [T, V] mean of each video's frame cosines (as engine.rerank)."""
    cols, means = [], []
    for s in frames:
        z = np.exp((s - s.max(axis=1, keepdims=True)) / temperature)
        cols.append((z * s).sum(axis=1) / z.sum(axis=1))
        means.append(s.mean(axis=1))
    return np.stack(cols, axis=1), np.stack(means, axis=1)


def metrics(sim: np.ndarray, owner: np.ndarray) -> dict[str, float]:
    """Text-to-video R@1 and R@5 (percent)."""
    t2v, _ = retrieval_ranks(sim, owner)
    m = rank_metrics(t2v)
    return {"r1": round(m.r1, 1), "r5": round(m.r5, 1)}


def blended(tables: ScoreTables, settings: RerankSettings, *, int8: bool = True) -> np.ndarray:
    """The re-ranked [T, V] scores."""
    frames = tables.frames_int8 if int8 else tables.frames
    pool, mean = pooled(frames, settings.temperature)
    return settings.combine_arrays(tables.clip, pool, mean)


def grid(sets: dict[str, ScoreTables]) -> list[dict[str, object]]:
    """R@1 of every (mode, alpha, temperature, margin) on each set, to choose settings on validation sets."""
    rows = []
    combos = [
        (m, a, t, g)
        for m, alphas in GRID.items()
        for a, t, g in itertools.product(alphas, TEMPERATURES, MARGINS.get(m, (0.0,)))
    ]
    for mode, a, t, g in combos:
        s = RerankSettings(alpha=a, temperature=t, mode=mode, margin=g)
        row: dict[str, object] = {"mode": str(mode), "alpha": a, "temperature": t, "margin": g}
        for name, tables in sets.items():
            row[name] = metrics(blended(tables, s), tables.owner)["r1"]
        rows.append(row)
    return rows


def choose(rows: list[dict[str, object]], model: str, clip_only: dict[str, float]) -> dict[str, object]:
    """The rule the defaults follow: the best short-event R@1 among rows that keep the standard R@1.

    rows: grid() over validation sets named f"{model}_standard" and f"{model}_short_event";
    clip_only: the same sets' clip-only R@1. Ties go to the higher standard R@1, then the earlier row.
    """
    std, short = f"{model}_standard", f"{model}_short_event"
    keep = [r for r in rows if float(r[std]) >= clip_only[std]]  # type: ignore[arg-type]
    if not keep:
        return {}
    best = max(keep, key=lambda r: (float(r[short]), float(r[std])))  # type: ignore[arg-type]
    return {k: best[k] for k in ("mode", "alpha", "temperature", "margin", std, short)}


def report(tables: ScoreTables, settings: RerankSettings) -> dict[str, object]:
    """Clip-only vs re-ranked (int8 as stored, and fp32) R@1/R@5 on one set."""
    return {
        "clip_only": metrics(tables.clip, tables.owner),
        "reranked": metrics(blended(tables, settings), tables.owner),
        "reranked_fp32": metrics(blended(tables, settings, int8=False), tables.owner),
        "videos": len(tables.frames),
    }
