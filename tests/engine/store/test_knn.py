"""KNN through both paths (sqlite-vec exact scan, the FAISS ANN index) and filters; upkeep: test_ann.py."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from engine.errors import QueryError
from engine.results import SearchFilters
from engine.store import ClipRecord, LibraryStore

from .conftest import DIM, add_video, unit


@pytest.fixture(params=["sqlite-vec", "ann-index", "ann-rows-filtered"])
def kstore(
    request: pytest.FixtureRequest, store: LibraryStore, monkeypatch: pytest.MonkeyPatch
) -> LibraryStore:
    """The same store answering through sqlite-vec or the ANN index; filters through the index's
    search ("ann-index") or by scoring every filtered clip from its float16 rows ("ann-rows-filtered")."""
    from engine.store import knn

    store.vectors.ann_min = 10**9 if request.param == "sqlite-vec" else 0
    if request.param == "ann-index":
        monkeypatch.setattr(knn, "EXACT_FILTER_MAX", 0)
    store.vectors.background = False
    return store


def _video_of(store: LibraryStore, hits: list[tuple[int, float]]) -> list[str]:
    details = store.clip_details([c for c, _ in hits])
    return [Path(details[c].path).name for c, _ in hits]


def test_ranking_on_hand_made_vectors(kstore: LibraryStore, tmp_path: Path) -> None:
    add_video(kstore, tmp_path, "a.mp4", [unit(1, 0), unit(1, 0.2), unit(0, 1)])
    add_video(kstore, tmp_path, "b.mp4", [unit(1, 0.5), unit(-1, 0)])
    hits = kstore.knn(unit(1, 0), 5)
    assert [round(s, 4) for _, s in hits] == sorted([round(s, 4) for _, s in hits], reverse=True)
    expected = sorted(
        [1.0, float(unit(1, 0.2) @ unit(1, 0)), 0.0, float(unit(1, 0.5) @ unit(1, 0)), -1.0], reverse=True
    )
    assert [s for _, s in hits] == pytest.approx(expected, abs=1e-5)
    assert _video_of(kstore, hits)[:3] == ["a.mp4", "a.mp4", "b.mp4"]
    assert len(kstore.knn(unit(1, 0), 2)) == 2


def test_filters_still_return_k_when_they_exist(kstore: LibraryStore, tmp_path: Path) -> None:
    # Many near-perfect matches in one folder, the filtered folder's matches are all far worse.
    for i in range(6):
        add_video(kstore, tmp_path / "near", f"n{i}.mp4", [unit(1, 0.01 * j, 0.01 * i) for j in range(8)])
    add_video(
        kstore, tmp_path / "far", "f0.mp4", [unit(0.1, 1, j) for j in range(5)], mtime=50.0, duration=99
    )
    add_video(kstore, tmp_path / "far", "f1_100%_x.mp4", [unit(0.2, 1)], mtime=60.0, duration=3)
    hits = kstore.knn(unit(1, 0), 6, SearchFilters(folder=str(tmp_path / "far")))
    assert len(hits) == 6 and set(_video_of(kstore, hits)) == {"f0.mp4", "f1_100%_x.mp4"}
    only = kstore.knn(unit(1, 0), 10, SearchFilters(path_contains="100%_"))
    assert _video_of(kstore, only) == ["f1_100%_x.mp4"]
    assert kstore.knn(unit(1, 0), 10, SearchFilters(path_contains="1_100_")) == []  # _ is not a wildcard
    assert kstore.knn(unit(1, 0), 10, SearchFilters(path_contains="'; DROP TABLE clips; --")) == []
    assert kstore.counts().clips == 6 * 8 + 6
    long_ones = kstore.knn(unit(1, 0), 50, SearchFilters(min_duration=20))
    assert set(_video_of(kstore, long_ones)) == {"f0.mp4"}
    short = kstore.knn(unit(1, 0), 50, SearchFilters(max_duration=5))
    assert set(_video_of(kstore, short)) == {"f1_100%_x.mp4"}
    recent = kstore.knn(unit(1, 0), 50, SearchFilters(modified_after=55.0, modified_before=100.0))
    assert set(_video_of(kstore, recent)) == {"f1_100%_x.mp4"}
    old = kstore.knn(unit(1, 0), 50, SearchFilters(modified_before=55.0, folder=str(tmp_path / "far")))
    assert set(_video_of(kstore, old)) == {"f0.mp4"}
    assert kstore.knn(unit(1, 0), 5, SearchFilters(folder=str(tmp_path / "nowhere"))) == []
    # A folder filter is a path prefix by whole components: "ne" is not "near".
    assert kstore.knn(unit(1, 0), 5, SearchFilters(folder=str(tmp_path / "ne"))) == []


def test_k_is_clamped_and_bad_queries_are_query_errors(kstore: LibraryStore, tmp_path: Path) -> None:
    assert kstore.knn(unit(1), 5) == []  # empty library
    add_video(kstore, tmp_path, "a.mp4", [unit(1, i) for i in range(5)])
    assert len(kstore.knn(unit(1), 10**6)) == 5
    assert len(kstore.knn(unit(1), 0)) == 1
    with pytest.raises(QueryError, match="dimensions"):
        kstore.knn(np.ones(DIM + 3, np.float32), 3)
    with pytest.raises(QueryError, match="zero or not finite"):
        kstore.knn(np.zeros(DIM, np.float32), 3)


def clustered(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """Unit vectors sharing one direction, in 60 clusters, with noise (embedding-like, not isotropic)."""
    shared = rng.standard_normal(dim)
    centres = rng.standard_normal((60, dim))
    x = 2.0 * shared / np.linalg.norm(shared) + centres[rng.integers(0, 60, n)] / np.sqrt(dim)
    x += 0.5 * rng.standard_normal((n, dim)) / np.sqrt(dim)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_index_recall_against_exact_search(store: LibraryStore, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    dim, n, per = 64, 6000, 200
    data = clustered(rng, n, dim)
    folder = store.add_folder(tmp_path)
    with store.batch():
        for v in range(n // per):
            vid = store.add_pending(folder.id, str(tmp_path / f"{v}.mp4"), 1, 1.0, "h")
            clips = [ClipRecord(i, i + 1, data[v * per + i]) for i in range(per)]
            store.save_video(
                vid, duration=per, fingerprint="fp", clips=clips, size=1, mtime=1.0, content_hash="h"
            )
    store.vectors.ann_min = 0
    store.vectors.background = False
    recalls = []
    for q in clustered(rng, 25, dim):
        exact = set((np.argsort(-(data @ q))[:10] + 1).tolist())  # clip ids follow insertion order
        hits = store.knn(q, 10)
        recalls.append(len(exact & {c for c, _ in hits}) / 10)
        assert [s for _, s in hits] == pytest.approx(
            sorted((data @ q)[np.array([c - 1 for c, _ in hits])], reverse=True), abs=1e-5
        )
    assert store.vectors.index is not None and store.vectors.index.size == n
    assert np.mean(recalls) >= 0.95


def test_index_follows_commits_from_another_connection(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    writer = LibraryStore.open(db)
    reader = LibraryStore.open(db, readonly=True)
    reader.vectors.ann_min = 0
    reader.vectors.background = False
    a = add_video(writer, tmp_path, "a.mp4", [unit(1, 0), unit(0, 1)])
    assert _video_of(reader, reader.knn(unit(1, 0), 1)) == ["a.mp4"]
    built = reader.vectors.index
    assert built is not None
    b = add_video(writer, tmp_path, "b.mp4", [unit(1, 0.001)])
    writer.delete_video(a)
    hits = reader.knn(unit(1, 0), 5)
    assert _video_of(reader, hits) == ["b.mp4"]
    assert reader.vectors.index is built, "small changes are applied, not rebuilt"
    # Reindexing b with a new model (another dimension) rebuilds the index.
    writer.add_pending(writer.list_folders()[0].id, str(tmp_path / "b.mp4"), 1, 1.0, "h")
    writer.save_video(
        b,
        duration=1,
        fingerprint="other",
        clips=[ClipRecord(0, 1, unit(0, 1, dim=8))],
        size=1,
        mtime=1.0,
        content_hash="h",
    )
    hits = reader.knn(unit(0, 1, dim=8), 5)
    assert len(hits) == 1 and reader.vectors.index is not built and reader.vectors.index.state.dim == 8  # type: ignore[union-attr]
    writer.close()
    reader.close()


def test_a_reader_behind_a_trimmed_log_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.store import vec_table

    monkeypatch.setattr(vec_table, "LOG_KEEP", 3)
    db = tmp_path / "lib.db"
    writer = LibraryStore.open(db)
    reader = LibraryStore.open(db, readonly=True)
    reader.vectors.ann_min = 0
    reader.vectors.background = False
    add_video(writer, tmp_path, "a.mp4", [unit(1, 0)])
    reader.knn(unit(1, 0), 1)
    first = reader.vectors.index
    for i in range(6):
        add_video(writer, tmp_path, f"b{i}.mp4", [unit(0, 1, i), unit(0, 1, -i)])
    with writer.reading() as c:
        assert c.execute("SELECT min(seq) FROM vector_log").fetchall()[0][0] > 2  # trimmed
    hits = reader.knn(unit(0, 1), 20)
    assert reader.vectors.index is not first
    assert len(hits) == 13 and reader.vectors.index.size == 13  # type: ignore[union-attr]
    writer.close()
    reader.close()


def test_move_onto_an_existing_path_leaves_no_orphan_vectors(store: LibraryStore, tmp_path: Path) -> None:
    a = add_video(store, tmp_path, "a.mp4", [unit(1, 0)])
    add_video(store, tmp_path, "b.mp4", [unit(0, 1), unit(0, 1, 1)])
    folder = store.list_folders()[0]
    store.move_video(a, new_path=str(tmp_path / "b.mp4"), folder_id=folder.id, size=1, mtime=1.0)
    assert [v.id for v in store.videos()] == [a]
    assert store.counts().clips == 1 and store.check() == []
    assert len(store.knn(unit(0, 1), 10)) == 1


def test_background_build_answers_exactly_meanwhile(store: LibraryStore, tmp_path: Path) -> None:
    for v in range(4):
        add_video(store, tmp_path, f"{v}.mp4", [unit(1, v, i) for i in range(10)])
    store.vectors.ann_min = 0
    store.vectors.build_delay_s = 0.0
    exact = store.knn(unit(1, 2, 3), 5)  # served by sqlite-vec while the index builds
    deadline = time.monotonic() + 30
    while store.vectors.index is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.vectors.index is not None and store.vectors.index.size == 40
    assert store.knn(unit(1, 2, 3), 5) == [(c, pytest.approx(s, abs=1e-5)) for c, s in exact]


def test_warm_builds_now_and_the_index_outlives_the_store(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        assert store.vectors.prepare(wait=True) is False  # nothing to index yet
        add_video(store, tmp_path, "a.mp4", [unit(1, 0), unit(0, 1)])
        store.vectors.ann_min = 0
        assert store.vectors.prepare(wait=True) is True and store.vectors.index is not None
        built = store.vectors.index
    # The GUI opens a store per search: the next store of the same file finds the same index.
    with LibraryStore.open(db, readonly=True) as again:
        assert again.vectors.index is built
        assert len(again.knn(unit(1, 0), 2)) == 2 and again.vectors.index is built


def test_a_pending_background_build_does_not_hold_up_close(tmp_path: Path) -> None:
    store = LibraryStore.open(tmp_path / "lib.db")
    add_video(store, tmp_path, "a.mp4", [unit(1, 0), unit(0, 1)])
    store.vectors.ann_min = 0
    store.vectors.build_delay_s = 60.0
    assert len(store.knn(unit(1, 0), 2)) == 2
    started = time.monotonic()
    store.close()
    store.vectors.clear()  # stops the waiting builder
    assert time.monotonic() - started < 5.0
    assert store.vectors.index is None


def test_knn_inside_a_write_transaction_leaves_the_shared_index_alone(
    store: LibraryStore, tmp_path: Path
) -> None:
    add_video(store, tmp_path, "a.mp4", [unit(1, 0)])
    store.vectors.ann_min = 0
    store.vectors.background = False
    store.knn(unit(1, 0), 1)
    index = store.vectors.index
    assert index is not None
    seen = index.state.last_seq

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), store.batch():
        add_video(store, tmp_path, "b.mp4", [unit(1, 0.01)])
        assert len(store.knn(unit(1, 0), 5)) == 2  # sees its own uncommitted clip, exactly
        raise Rollback
    assert index.state.last_seq == seen
    assert len(store.knn(unit(1, 0), 5)) == 1 and store.check() == []


def test_a_pending_video_keeps_its_clips_searchable_filtered_or_not(
    kstore: LibraryStore, tmp_path: Path
) -> None:
    vid = add_video(kstore, tmp_path, "a.mp4", [unit(1, 0)])
    kstore.add_pending(kstore.list_folders()[0].id, str(tmp_path / "a.mp4"), 5, 2.0, "changed")
    assert len(kstore.knn(unit(1, 0), 5)) == 1
    hits = kstore.knn(unit(1, 0), 5, SearchFilters(path_contains="a.mp4"))
    assert [kstore.clip_details([c])[c].video_id for c, _ in hits] == [vid]


def test_a_small_filter_through_the_index_follows_another_connection(tmp_path: Path) -> None:
    # The filtered set (from the clips table, in the reader's snapshot) is scored from the index's
    # float16 rows, any clip they lack from SQLite: a clip deleted by the writer must not come back, a
    # new one must not be missed, and the scores stay the stored vectors' cosines.
    db = tmp_path / "lib.db"
    writer = LibraryStore.open(db)
    reader = LibraryStore.open(db, readonly=True)
    reader.vectors.ann_min = 0
    reader.vectors.background = False
    keep = SearchFilters(folder=str(tmp_path / "kept"))
    a = add_video(writer, tmp_path / "kept", "a.mp4", [unit(1, 0), unit(0, 1)])
    add_video(writer, tmp_path / "other", "o.mp4", [unit(1, 0.0001)])
    assert _video_of(reader, reader.knn(unit(1, 0), 5, keep)) == ["a.mp4", "a.mp4"]
    assert reader.vectors.index is not None
    add_video(writer, tmp_path / "kept", "b.mp4", [unit(1, 0.001), unit(-1, 0)])
    writer.delete_video(a)
    hits = reader.knn(unit(1, 0), 5, keep)
    assert _video_of(reader, hits) == ["b.mp4", "b.mp4"]
    assert [s for _, s in hits] == pytest.approx([float(unit(1, 0.001) @ unit(1, 0)), -1.0], abs=1e-6)
    writer.close()
    reader.close()
