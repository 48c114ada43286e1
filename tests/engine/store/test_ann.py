"""The saved ANN index: persisted beside the library, replayed from the log, rebuilt when out of step."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.results import SearchFilters
from engine.store import LibraryStore
from engine.store.ann import paths_for
from engine.store.ann_build import IndexState

from .conftest import DIM, add_video, unit

REPO = Path(__file__).resolve().parents[3]


def _library(db: Path, videos: int = 6, per: int = 20, seed: int = 3) -> LibraryStore:
    store = LibraryStore.open(db)
    rng = np.random.default_rng(seed)
    for v in range(videos):
        add_video(
            store, db.parent / "media", f"v{v}.mp4", [unit(*rng.standard_normal(DIM)) for _ in range(per)]
        )
    return store


def _ann(store: LibraryStore) -> LibraryStore:
    store.vectors.ann_min = 0
    store.vectors.background = False
    return store


def _exact(store: LibraryStore, q: np.ndarray, k: int, filters: SearchFilters | None = None) -> list[int]:
    old = store.vectors.ann_min
    store.vectors.ann_min = 10**9
    store.vectors.clear()
    try:
        return [c for c, _ in store.knn(q, k, filters)]
    finally:
        store.vectors.ann_min = old


def test_the_index_is_saved_and_loaded_without_a_rebuild(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = _ann(_library(db))
    assert store.vectors.prepare(wait=True)
    index_file, state_file = paths_for(db)
    assert index_file.exists() and json.loads(state_file.read_text())["size"] == 120
    stamp = index_file.stat().st_mtime_ns
    store.vectors.clear()
    store.vectors.build_delay_s = 3600.0  # a rebuild would not happen within this test
    store.vectors.background = True
    hits = store.knn(unit(1, 2), 5)
    assert store.vectors.index is not None and store.vectors.index.size == 120, "loaded from the file"
    assert index_file.stat().st_mtime_ns == stamp
    assert [c for c, _ in hits] == _exact(store, unit(1, 2), 5)
    store.close()


def test_changes_after_the_save_are_replayed_on_open(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = _ann(_library(db))
    store.vectors.prepare(wait=True)
    store.vectors.clear()  # as if the process ended: the file reflects the library up to now
    # Another process (or a crash before the next save) changes the library: one video gone, one new.
    gone = store.videos()[0]
    store.delete_video(gone.id)
    new = add_video(store, tmp_path / "media", "new.mp4", [unit(5, 5, 5), unit(5, 5, 4)])
    hits = store.knn(unit(5, 5, 5), 200)
    assert store.vectors.index is not None and store.vectors.index.size == 102
    details = store.clip_details([c for c, _ in hits])
    assert {details[c].video_id for c, _ in hits[:2]} == {new}
    assert gone.id not in {d.video_id for d in details.values()}
    assert len(hits) == 102
    store.close()


def test_an_index_copied_from_another_library_is_rebuilt(tmp_path: Path) -> None:
    a = _ann(_library(tmp_path / "a" / "lib.db", seed=1))
    a.vectors.prepare(wait=True)
    b = _ann(_library(tmp_path / "b" / "lib.db", seed=2))
    b_db = tmp_path / "b" / "lib.db"
    for src, dst in zip(paths_for(a.path), paths_for(b_db), strict=True):
        shutil.copy(src, dst)
    q = unit(1, -1, 2)
    assert [c for c, _ in b.knn(q, 10)] == _exact(b, q, 10)
    assert b.vectors.index is not None and json.loads(paths_for(b_db)[1].read_text())["library_id"] != ""
    with b.reading() as c:
        own = c.execute("SELECT value FROM meta WHERE key = 'library_id'").fetchall()[0][0]
    assert b.vectors.index.state.library_id == own
    a.close()
    b.close()


def test_a_damaged_index_file_is_rebuilt(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = _ann(_library(db))
    store.vectors.prepare(wait=True)
    store.vectors.clear()
    paths_for(db)[0].write_bytes(b"not an index")
    q = unit(0, 1, 1)
    assert [c for c, _ in store.knn(q, 8)] == _exact(store, q, 8)
    store.close()


def test_a_library_copied_without_its_index_searches_and_rebuilds(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = _library(db)
    store.close()
    copy = tmp_path / "copy" / "lib.db"
    copy.parent.mkdir()
    shutil.copy(db, copy)
    with LibraryStore.open(copy) as again:
        _ann(again)
        q = unit(2, 1)
        assert [c for c, _ in again.knn(q, 7)] == _exact(again, q, 7)
        again.knn(q, 7)
        assert again.vectors.index is not None and paths_for(copy)[0].exists()


def test_large_filters_go_through_the_index_with_the_exact_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.store import knn

    monkeypatch.setattr(knn, "EXACT_FILTER_MAX", 0)
    store = _ann(_library(tmp_path / "lib.db", videos=10, per=30))
    for f in (SearchFilters(path_contains="v3"), SearchFilters(folder=str(tmp_path / "media"))):
        q = unit(1, 0.5, -0.5)
        got = store.knn(q, 12, f)
        assert store.vectors.index is not None
        assert [c for c, _ in got] == _exact(store, q, 12, f)
    store.close()


def test_candidates_are_exact_cosines_best_first(tmp_path: Path) -> None:
    store = _ann(_library(tmp_path / "lib.db"))
    q = unit(3, 1, 4)
    found = store.candidates(q, 50)
    assert len(found) == 50 and [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    for cid, score in found[:5]:
        vec = store.clip_vector(cid)
        assert vec is not None and score == pytest.approx(float(vec @ q), abs=1e-6)
    store.close()


def test_status_reports_the_index(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = _library(db)
    store.vectors.ann_min = 10**9
    assert store.vector_index_status().state is IndexState.NONE
    _ann(store).vectors.prepare(wait=True)
    status = store.vector_index_status()
    assert status.state is IndexState.READY and status.vectors == 120 and "120" in status.sentence()
    store.vectors.clear()
    assert store.vector_index_status().state is IndexState.READY  # from the saved file
    store.close()


SEARCH_IN_A_FRESH_PROCESS = """
import sys, numpy as np
from pathlib import Path
from engine.store import LibraryStore
from engine.store.ann import simd_level
with LibraryStore.open(Path(sys.argv[1])) as store:
    store.vectors.ann_min = 0
    store.vectors.background = False
    q = np.ones(16, np.float32)
    ann = [c for c, _ in store.knn(q, 10)]
    assert store.vectors.index is not None
    store.vectors.ann_min = 10**9
    store.vectors.clear()
    exact = [c for c, _ in store.knn(q, 10)]
print(simd_level(), ann == exact, "torch" in sys.modules)
"""


@pytest.mark.parametrize("level", [None, "AVX2"])
def test_search_in_a_fresh_process_needs_no_torch_and_agrees_at_avx2(
    tmp_path: Path, level: str | None
) -> None:
    db = tmp_path / "lib.db"
    _library(db).close()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if level is not None:
        env["FAISS_SIMD_LEVEL"] = level
    out = subprocess.run(
        [sys.executable, "-c", SEARCH_IN_A_FRESH_PROCESS, str(db)],
        capture_output=True, text=True, env=env, timeout=120, check=True,
    ).stdout.split()  # fmt: skip
    assert out[1:] == ["True", "False"], out
    if level is not None:
        assert out[0] == level
