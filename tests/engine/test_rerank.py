"""The second search stage on its own: frame matching, soft-max pooling and the re-ranked order."""

from __future__ import annotations

import numpy as np
import pytest

from engine.rerank import (
    FrameMatch,
    RerankMode,
    RerankSettings,
    match_batch,
    match_frames,
    rerank,
    soft_max_pool,
    unit_rows,
)
from engine.store.frame_features import FrameBatch, FrameFeatures, quantize

DIM = 32


def _clip(cid: int, feats: np.ndarray, t0: float = 0.0) -> FrameFeatures:
    scales, codes = quantize(feats)
    return FrameFeatures(cid, np.arange(len(feats), dtype=np.float32) + t0, scales, codes)


def test_soft_max_pool_runs_from_the_mean_to_the_max() -> None:
    s = np.array([0.1, 0.2, 0.6, 0.3])
    assert soft_max_pool(s, 1e-4) == pytest.approx(0.6)
    assert soft_max_pool(s, 1e4) == pytest.approx(s.mean(), abs=1e-4)
    assert s.mean() < soft_max_pool(s, 0.1) < 0.6


def test_match_frames_agrees_with_a_plain_cosine_and_places_the_best_frame() -> None:
    rng = np.random.default_rng(0)
    q = unit_rows(rng.standard_normal(DIM).astype(np.float32))
    clips = {}
    for cid, m in ((1, 12), (2, 3), (3, 7)):
        feats = rng.standard_normal((m, DIM)).astype(np.float32) * 4
        clips[cid] = _clip(cid, feats, t0=10.0 * cid)
    matches = match_frames(q, clips, temperature=0.05)
    for cid, f in clips.items():
        plain = unit_rows(f.raw()) @ q[0]
        assert matches[cid].relevance == pytest.approx(plain, abs=1e-5)
        assert matches[cid].best_t == float(f.times[int(np.argmax(plain))])
        assert matches[cid].frame_score == pytest.approx(soft_max_pool(plain, 0.05), abs=1e-5)
        assert matches[cid].mean == pytest.approx(plain.mean(), abs=1e-5)
    # several query rows (a clip as the query): each frame takes its best row
    two = np.stack([q[0], -q[0]])
    both = match_frames(two, {1: clips[1]})
    assert both[1].relevance == pytest.approx(np.abs(unit_rows(clips[1].raw()) @ q[0]), abs=1e-5)
    assert match_frames(q, {}) == {}


def test_a_short_event_climbs_and_frame_order_changes_nothing() -> None:
    rng = np.random.default_rng(1)
    q = unit_rows(rng.standard_normal(DIM).astype(np.float32))[0]
    noise = rng.standard_normal((12, DIM)).astype(np.float32)
    short = noise.copy()
    short[5] = q * 8  # two of twelve frames show the query
    short[6] = q * 8
    clips = {1: _clip(1, noise), 2: _clip(2, short), 3: _clip(3, short[::-1].copy())}
    matches = match_frames(q[None, :], clips)
    # clip scores: a mean-pooled clip barely shows the event, so the plain noise clip may lead
    hits = [(1, 0.30), (2, 0.29), (3, 0.25)]
    order = rerank(hits, matches, RerankSettings(alpha=0.5, temperature=0.02, mode=RerankMode.PEAK))
    assert order[0][0] == 2 and order[1][0] == 3  # the event wins; its reversed copy right behind
    bonus = {cid: score - dict(hits)[cid] for cid, score in order}
    assert bonus[2] == pytest.approx(bonus[3])  # same frames in another order: the same bonus
    blend = rerank(hits, matches, RerankSettings(alpha=0.5, mode=RerankMode.BLEND))
    assert blend[0][0] == 2


def test_only_the_top_candidates_are_rescored() -> None:
    rng = np.random.default_rng(2)
    q = unit_rows(rng.standard_normal(DIM).astype(np.float32))
    clips = {c: _clip(c, rng.standard_normal((4, DIM)).astype(np.float32)) for c in range(5)}
    matches = match_frames(q, clips)
    hits = [(c, 0.9 - 0.1 * c) for c in range(5)]
    out = rerank(hits, matches, RerankSettings(candidates=2))
    assert {c for c, _ in out[:2]} == {0, 1} and out[2:] == hits[2:]
    assert rerank(hits, matches, RerankSettings(candidates=0)) == hits
    assert rerank(hits, {}, RerankSettings()) == hits  # no features: clip scores stand


def test_max_mode_lifts_only_a_clip_whose_best_moment_beats_it_by_the_margin() -> None:
    s = RerankSettings(alpha=1.0, temperature=0.05, mode=RerankMode.MAX, margin=0.2)
    diluted = FrameMatch(np.zeros(3, np.float32), np.array([0.1, 0.9, 0.1]), frame_score=0.85, mean=0.37)
    holistic = FrameMatch(np.zeros(3, np.float32), np.array([0.7, 0.8, 0.7]), frame_score=0.78, mean=0.73)
    assert s.combine(0.10, diluted) == pytest.approx(0.65)  # max(clip, pool - margin)
    assert s.combine(0.70, holistic) == pytest.approx(0.70)  # its own score already says it
    half = RerankSettings(alpha=0.5, mode=RerankMode.MAX, margin=0.2)
    assert half.combine(0.10, diluted) == pytest.approx(0.10 + 0.5 * 0.55)
    hits = [(1, 0.70), (2, 0.10), (3, 0.60)]
    order = rerank(hits, {1: holistic, 2: diluted, 3: holistic}, s)
    assert [c for c, _ in order] == [1, 2, 3]


@pytest.mark.parametrize("mode", list(RerankMode))
def test_the_scalar_and_the_array_forms_of_a_mode_agree(mode: RerankMode) -> None:
    rng = np.random.default_rng(4)
    clip, pool = rng.uniform(-0.2, 0.9, 50), rng.uniform(0.0, 1.0, 50)
    mean = pool - rng.uniform(0.0, 0.3, 50)
    s = RerankSettings(alpha=0.6, temperature=0.05, mode=mode, margin=0.15)
    arrays = s.combine_arrays(clip, pool, mean)
    one = [
        s.combine(float(c), FrameMatch(np.zeros(1), np.zeros(1), float(p), float(m)))
        for c, p, m in zip(clip, pool, mean, strict=True)
    ]
    assert arrays == pytest.approx(one)


def test_the_batch_path_scores_as_the_per_clip_path() -> None:
    rng = np.random.default_rng(5)
    sizes = ((7, 12), (3, 1), (9, 5))
    clips = {c: _clip(c, rng.standard_normal((m, DIM)).astype(np.float32), 12.0 * c) for c, m in sizes}
    batch = FrameBatch.of(list(clips.values()))
    assert batch.counts.tolist() == [12, 1, 5] and batch.starts.tolist() == [0, 12, 13]
    for q in (unit_rows(rng.standard_normal(DIM)), unit_rows(rng.standard_normal((3, DIM)))):
        got = match_batch(q, batch, 0.05)
        for cid, f in clips.items():
            plain = (unit_rows(f.raw()) @ q.T).max(axis=1)
            assert got[cid].relevance == pytest.approx(plain, abs=1e-5)
            assert got[cid].frame_score == pytest.approx(soft_max_pool(plain, 0.05), abs=1e-5)
            assert np.array_equal(got[cid].times, f.times)
            assert got[cid].relevance_at([float(f.times[-1]) + 0.3, float(f.times[0])]) == pytest.approx(
                [plain[-1], plain[0]], abs=1e-5
            )
    assert match_batch(q, FrameBatch.empty(DIM)) == {}
