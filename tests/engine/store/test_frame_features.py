"""Frame features in the store: int8 + a scale per frame, written with their clip, migrated in."""

from __future__ import annotations

from pathlib import Path

import apsw
import numpy as np
import pytest

from engine.errors import StoreError
from engine.search import ClipQuery, Searcher
from engine.store import ClipRecord, FrameRecord, LibraryStore
from engine.store import frame_features as ff
from engine.store.frame_features import quantize, row_for

from .conftest import unit

DIM = 512


def _features(rng: np.random.Generator, frames: int, dim: int = DIM) -> np.ndarray:
    centre = rng.standard_normal(dim).astype(np.float32)
    return (centre + 0.7 * rng.standard_normal((frames, dim))).astype(np.float32) * 3.0


def test_int8_codes_keep_cosines_and_fit_the_budget() -> None:
    rng = np.random.default_rng(0)
    feats = _features(rng, 12)
    scales, codes = quantize(feats)
    assert codes.dtype == np.int8 and codes.shape == feats.shape and scales.shape == (12,)
    assert (codes.nbytes + scales.nbytes + 4 * 12) / 12 <= 1024  # + the float32 timestamp
    back = codes.astype(np.float32) * scales[:, None]
    queries = rng.standard_normal((50, DIM)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)

    def cos(x: np.ndarray) -> np.ndarray:
        return (x / np.linalg.norm(x, axis=1, keepdims=True)) @ queries.T

    assert np.abs(cos(back) - cos(feats)).max() < 0.01
    assert np.allclose(back, feats, atol=float(scales.max()) * 0.51)
    with pytest.raises(StoreError):
        quantize(np.full((2, 4), np.nan, np.float32))
    with pytest.raises(StoreError):
        row_for(1, [0.0], feats)  # one time for twelve frames


def _save(
    store: LibraryStore, root: Path, feats: np.ndarray | None, name: str = "v.mp4", x: float = 1.0
) -> int:
    folder = store.add_folder(root)
    vid = store.add_pending(folder.id, str(root / name), 1, 1.0, "h" + name)
    frames = [
        FrameRecord(t=0.5 + i, weight=1 / 4, thumb=b"j", feature=None if feats is None else feats[i])
        for i in range(4)
    ]
    store.save_video(
        vid,
        duration=4.0,
        fingerprint="fp",
        clips=[ClipRecord(0.0, 4.0, unit(1.0, x, dim=DIM), frames)],
        size=1,
        mtime=1.0,
        content_hash="h" + name,
        backbone="bb",
    )
    return vid


def test_features_are_written_and_dropped_with_their_clip(tmp_path: Path) -> None:
    feats = _features(np.random.default_rng(1), 4)
    with LibraryStore.open(tmp_path / "lib.db") as store:
        vid = _save(store, tmp_path / "videos", feats)
        ((cid, _),) = store.knn(unit(1.0, dim=DIM), 5)
        got = store.frame_features([cid])[cid]
        assert got.times.tolist() == [0.5, 1.5, 2.5, 3.5]
        assert np.allclose(got.raw(), feats, atol=float(got.scales.max()))
        assert store.get_meta("backbone_fingerprint") == "bb"
        assert store.videos_lacking_features() == 0
        sizes = store.storage_bytes()
        assert sizes["frame_features"] == 4 * (DIM + 8) and sizes["clips"] == 1
        store.delete_video(vid)
        assert store.frame_features([cid]) == {}
        assert store.check() == []


def test_an_older_library_stays_searchable_and_says_what_it_lacks(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:  # saved as before m002: no features
        _save(store, tmp_path / "videos", None, "a.mp4", 0.1)
        _save(store, tmp_path / "videos", None, "b.mp4", 0.2)
    # Roll the file back to schema 1, as an older Glimpse left it.
    conn = apsw.Connection(str(db))
    conn.execute(
        "DROP TABLE frame_features; DELETE FROM schema_migrations WHERE id >= 2; PRAGMA user_version = 1"
    )
    conn.close()
    with LibraryStore.open(db) as store:  # migrated: the table is back, empty
        assert store.videos_lacking_features() == 2
        hits = store.knn(unit(1.0, dim=DIM), 5)
        assert len(hits) == 2 and store.frame_features([c for c, _ in hits]) == {}
        results = Searcher(store, None).search(ClipQuery(hits[0][0]), k=3)
    assert len(results) == 1  # the clip vectors still answer
    r = results[0]
    assert r.best_t == r.start and all(f.relevance is None for f in r.frames)


def test_the_batch_read_matches_the_per_clip_read_and_skips_unknown_clips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(2)
    with LibraryStore.open(tmp_path / "lib.db") as store:
        for i in range(3):
            _save(store, tmp_path / "videos", _features(rng, 4), f"v{i}.mp4", 0.1 * (i + 1))
        ids = [c for c, _ in store.knn(unit(1.0, dim=DIM), 5)]
        per_clip = store.frame_features(ids)
        for limit in (500, 2):  # one statement, and several
            monkeypatch.setattr(ff, "BATCH_IDS", limit)
            batch = store.frame_batch([*ids, 10_000])
            assert sorted(batch.clip_ids.tolist()) == sorted(ids) and batch.counts.tolist() == [4, 4, 4]
            rows = zip(batch.clip_ids.tolist(), batch.starts.tolist(), batch.counts.tolist(), strict=True)
            for cid, a, n in rows:
                want = per_clip[cid]
                assert np.array_equal(batch.codes[a : a + n], want.codes)
                assert np.array_equal(batch.scales[a : a + n], want.scales)
                assert np.array_equal(batch.times[a : a + n], want.times)
        assert len(store.frame_batch([])) == 0 and len(store.frame_batch([10_000])) == 0


def test_a_long_lived_searcher_never_scores_stale_frame_features(tmp_path: Path) -> None:
    """SQLite is the truth: every search reads the candidates' features in its own read."""
    rng = np.random.default_rng(3)
    db, root = tmp_path / "lib.db", tmp_path / "videos"
    probe_feats, other = _features(rng, 4), _features(rng, 4)
    with LibraryStore.open(db) as writer:
        _save(writer, root, probe_feats, "probe.mp4", 0.1)
        other_id = _save(writer, root, other, "other.mp4", 0.2)
        hits = dict(writer.knn(unit(1.0, 0.1, dim=DIM), 1))
        probe = next(iter(hits))
        with LibraryStore.open(db, readonly=True) as reader:
            searcher = Searcher(reader, None)
            before = searcher.search(ClipQuery(probe), k=3)
            assert len(before) == 1 and max(f.relevance or 0.0 for f in before[0].frames) < 0.99
            # Re-encode `other` with the probe's own frames: its clip row may get the same id again.
            _save(writer, root, probe_feats, "other.mp4", 0.2)
            after = searcher.search(ClipQuery(probe), k=3)
            assert len(after) == 1
            assert all(f.relevance == pytest.approx(1.0, abs=1e-5) for f in after[0].frames)
            writer.delete_video(other_id)
            assert searcher.search(ClipQuery(probe), k=3) == []
            assert len(reader.frame_batch(before[0].clip_ids + after[0].clip_ids)) == 0
