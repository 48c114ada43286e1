"""The float16 rows beside the ANN index: used for the re-score only when they match the index."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.results import SearchFilters
from engine.store import LibraryStore, knn
from engine.store.ann import AnnIndex, read_state
from engine.store.ann_rows import matrix_path, rows_path

from .conftest import DIM, add_video, clips_from, unit


def _library(db: Path, videos: int = 6, per: int = 20, seed: int = 5) -> LibraryStore:
    store = LibraryStore.open(db)
    store.vectors.ann_min = 0
    store.vectors.background = False
    rng = np.random.default_rng(seed)
    for v in range(videos):
        add_video(
            store, db.parent / "media", f"v{v}.mp4", [unit(*rng.standard_normal(DIM)) for _ in range(per)]
        )
    return store


def _exact(store: LibraryStore, q: np.ndarray, k: int) -> list[tuple[int, float]]:
    old = store.vectors.ann_min
    store.vectors.ann_min = 10**9
    store.vectors.clear()
    try:
        return store.knn(q, k)
    finally:
        store.vectors.ann_min = old


def _assert_exact(store: LibraryStore, q: np.ndarray, k: int) -> None:
    got = store.knn(q, k)
    want = _exact(store, q, k)
    assert [c for c, _ in got] == [c for c, _ in want]
    for (_, s), (_, t) in zip(got, want, strict=True):
        assert s == pytest.approx(t, abs=1e-6)


def test_rows_are_saved_with_the_index_and_score_within_1e3(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = _library(db)
    assert store.vectors.prepare(wait=True)
    state = read_state(db)
    assert state is not None and state.matrix and matrix_path(db, state.matrix).exists()
    assert rows_path(db).exists()
    store.vectors.clear()
    q = unit(1, 2, 3)
    hits = store.knn(q, 10)
    ann = store.vectors.index
    assert ann is not None and ann.rows is not None, "loaded with its rows, not rebuilt"
    assert read_state(db).matrix == state.matrix  # type: ignore[union-attr]
    ids = np.array([c for c, _ in _exact(store, q, 120)], np.int64)
    store.knn(q, 1)
    ann = store.vectors.index
    assert ann is not None
    scored = ann.score(ids, q)
    assert scored is not None and len(scored[0]) == 120
    for cid, s in zip(*scored, strict=True):
        vec = store.clip_vector(int(cid))
        assert vec is not None and abs(float(s) - float(vec @ q)) < 1e-3
    assert [c for c, _ in hits] == [int(c) for c in ids[:10]]
    store.close()


@pytest.mark.parametrize("damage", ["missing", "truncated", "stale", "foreign"])
def test_rows_out_of_step_with_the_index_are_never_trusted(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "lib.db"
    store = _library(db)
    store.vectors.prepare(wait=True)
    old_rows = tmp_path / "old-rows.npz"
    shutil.copy(rows_path(db), old_rows)
    # A change replayed and saved: the rows now hold a re-encoded video's new vectors.
    vid = store.videos()[0].id
    store.save_video(
        vid,
        duration=4.0,
        fingerprint="fp-test",
        clips=clips_from([unit(9, 9, 1), unit(9, 9, 2)]),
        size=100,
        mtime=1000.0,
        content_hash="hash-v0",
    )
    store.knn(unit(9, 9, 1), 3)
    store.vectors.clear()
    token = read_state(db).matrix  # type: ignore[union-attr]
    if damage == "missing":
        matrix_path(db, token).unlink()
    elif damage == "truncated":
        path = matrix_path(db, token)
        path.write_bytes(path.read_bytes()[:-2])
    elif damage == "stale":
        shutil.copy(old_rows, rows_path(db))  # rows of an older seq beside a newer index
    else:
        other = _library(tmp_path / "other" / "lib.db", seed=9)
        other.vectors.prepare(wait=True)
        shutil.copy(rows_path(other.path), rows_path(db))
        other.close()
    assert AnnIndex.load(db) is None, "rows that do not match the index make it unloadable"
    for q in (unit(9, 9, 1), unit(1, -1, 1), unit(0, 2, -1)):
        _assert_exact(store, q, 10)
    store.close()


def test_deleted_and_re_encoded_clips_never_come_back(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = _library(db)
    store.vectors.prepare(wait=True)
    videos = store.videos()
    gone, redone = videos[1], videos[2]
    with store.reading() as c:
        old = [int(r[0]) for r in c.execute("SELECT id FROM clips WHERE video_id = ?", (redone.id,))]
    old_vec = store.clip_vector(old[0])
    assert old_vec is not None
    store.delete_video(gone.id)
    store.save_video(
        redone.id,
        duration=4.0,
        fingerprint="fp-test",
        clips=clips_from([unit(7, 1), unit(7, 2)]),
        size=100,
        mtime=1000.0,
        content_hash=f"hash-{redone.path}",
    )
    for q in (old_vec, unit(7, 1), unit(1, 1, 1)):
        hits = store.knn(q, 120)
        assert store.vectors.index is not None and store.vectors.index.rows is not None
        details = store.clip_details([c for c, _ in hits])
        assert gone.id not in {d.video_id for d in details.values()}
        for cid, score in hits:
            vec = store.clip_vector(cid)
            assert vec is not None and score == pytest.approx(float(vec @ q), abs=1e-3)
        for cid, score in store.knn(q, 10):
            vec = store.clip_vector(cid)
            assert vec is not None and score == pytest.approx(float(vec @ q), abs=1e-6)
    assert store.knn(old_vec, 1)[0][1] < 0.999  # the old vector is nowhere any more
    store.close()


def test_a_candidate_no_longer_a_clip_drops_out(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = _library(db)
    store.vectors.prepare(wait=True)
    gone = store.videos()[0]
    with store.reading() as c:
        ids = np.array([int(r[0]) for r in c.execute("SELECT id FROM clips ORDER BY id LIMIT 40")], np.int64)
    store.delete_video(gone.id)
    q = unit(1, 1)
    with store.reading() as c:
        live = {int(r[0]) for r in c.execute("SELECT id FROM clips")}
        got = knn._exact_top(c, q, 40, DIM, ids, np.linspace(1.0, 0.0, len(ids)))
    assert {cid for cid, _ in got} == {int(i) for i in ids} & live
    assert len(got) < len(ids)
    store.close()


def test_many_candidates_keep_float16_scores_within_1e3(tmp_path: Path) -> None:
    store = _library(tmp_path / "lib.db")
    store.vectors.prepare(wait=True)
    q = unit(2, -1, 1)
    n = knn.EXACT_RESCORE_MAX + 30
    found = store.candidates(q, n)
    assert store.vectors.index is not None and store.vectors.index.rows is not None
    assert len(found) == n and [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    exact = {c: s for c, s in _exact(store, q, 120)}
    assert set(exact) >= {c for c, _ in found}
    for cid, score in found:
        assert abs(score - exact[cid]) < 1e-3
    assert [c for c, _ in found][:10] == list(exact)[:10]
    store.close()


def _near_tie(a: float) -> np.ndarray:
    """A unit vector whose cosine with unit(1) is exactly `a` (float32)."""
    return unit(a, float(np.sqrt(1.0 - a * a)))


@pytest.mark.parametrize("filtered", [False, True])
def test_float16_ties_are_ordered_by_the_exact_cosines(tmp_path: Path, filtered: bool) -> None:
    # 0.9502 and 0.9503 are the same float16 number (0.950195, spacing 2^-11 there); the lower one is
    # stored first, so a re-score that trusted the float16 order for the cut would keep it.
    store = _library(tmp_path / "lib.db", videos=3)
    lower = add_video(store, tmp_path / "ties", "a.mp4", [_near_tie(0.9502)])
    higher = add_video(store, tmp_path / "ties", "b.mp4", [_near_tie(0.9503)])
    filters = SearchFilters(folder=str(tmp_path / "ties")) if filtered else None
    store.vectors.prepare(wait=True)
    q = unit(1)
    assert np.float16(0.9502) == np.float16(0.9503)
    got = store.knn(q, 1, filters)
    assert store.vectors.index is not None
    best = store.clip_details([got[0][0]])[got[0][0]]
    assert best.video_id == higher != lower
    assert got[0][1] == pytest.approx(0.9503, abs=1e-6)
    _assert_exact(store, q, 3)
    store.close()


def test_warming_the_rows_changes_no_score_and_can_be_stopped(tmp_path: Path) -> None:
    store = _library(tmp_path / "lib.db")
    store.vectors.prepare(wait=True)
    ann = store.vectors.index
    assert ann is not None and ann.rows is not None
    ids = np.arange(1, 121, dtype=np.int64)
    q = unit(1, -2, 3)
    before, warmed = ann.score(ids, q), None
    assert ann.rows.warm() is True
    assert ann.rows.warm(lambda: True) is False
    warmed = ann.score(ids, q)
    assert before is not None and warmed is not None and len(before[0]) == 120
    assert dict(zip(*before, strict=True)) == dict(zip(*warmed, strict=True))
    store.close()
