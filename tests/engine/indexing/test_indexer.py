"""End to end on generated videos with the tiny model: index, search, rename, delete, fail, resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from engine.indexing import Indexer, IndexProgress
from engine.search import ImageQuery, Searcher
from engine.store import LibraryStore, VideoStatus
from tests.engine.indexing.conftest import pattern_frame, write_video


@pytest.fixture(scope="module")
def tiny():
    from engine.model import load_model

    return load_model("tiny", device="cpu")


def _image_of(seed: int, path: Path) -> Path:
    cv2.imwrite(str(path), pattern_frame(seed))
    return path


def _other_model(tmp_path: Path) -> str:
    """Save another model (tiny's shapes, other head weights) and return its spec."""
    import torch

    from engine.model import load_model

    other = load_model("tiny", device="cpu")
    with torch.no_grad():
        next(other.head.parameters()).add_(0.5)
    other.save(tmp_path / "other_model")
    return str(tmp_path / "other_model")


def _index(db: Path, tiny, roots=None, **kw):
    events: list[IndexProgress] = []
    indexer = Indexer(db, model=tiny, on_progress=events.append)
    return indexer.run(roots, **kw), events


def test_index_then_search_by_frame_finds_the_video(tmp_path: Path, library: Path, tiny) -> None:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    summary, events = _index(db, tiny)
    assert summary.indexed == 4 and summary.failed == 0
    done = events[-1]
    assert done.videos_done == 4 and done.videos_total == 4 and done.frames_per_s > 0
    with LibraryStore.open(db) as store:
        assert store.counts().indexed == 4
        assert store.check() == []
        searcher = Searcher(store, tiny)
        for seed, name in ((1, "alpha.avi"), (3, "gamma.mp4"), (4, "delta.avi")):
            results = searcher.search(ImageQuery(_image_of(seed, tmp_path / f"q{seed}.png")), k=5)
            assert Path(results[0].path).name == name
            top = results[0]
            assert 0.0 <= top.start < top.end <= 3.5
            assert top.frames and abs(sum(f.weight for f in top.frames) - 1.0) < 1e-3


def test_rescan_is_free_and_rename_move_keep_vectors(tmp_path: Path, library: Path, tiny) -> None:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    _index(db, tiny)
    again, _ = _index(db, tiny)
    assert again.indexed == 0 and again.skipped == 4

    (library / "alpha.avi").rename(library / "renamed.avi")
    (library / "trips").rename(library / "holidays")  # a folder rename moves what is inside
    summary, _ = _index(db, tiny)
    assert summary.indexed == 0 and summary.moved == 2 and summary.removed == 0
    with LibraryStore.open(db) as store:
        paths = sorted(Path(v.path).relative_to(library).as_posix() for v in store.videos())
        assert paths == ["beta.avi", "gamma.mp4", "holidays/delta.avi", "renamed.avi"]
        results = Searcher(store, tiny).search(ImageQuery(_image_of(1, tmp_path / "q.png")), k=3)
        assert results[0].path == str(library / "renamed.avi")


def test_deleted_file_leaves_search_and_changed_file_is_reencoded(
    tmp_path: Path, library: Path, tiny
) -> None:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    _index(db, tiny)
    (library / "beta.avi").unlink()
    write_video(library / "gamma.mp4", 9, seconds=4.0)  # same name, new content
    summary, _ = _index(db, tiny)
    assert summary.removed == 1 and summary.indexed == 1
    with LibraryStore.open(db) as store:
        assert store.video_by_path(str(library / "beta.avi")) is None
        searcher = Searcher(store, tiny)
        hits = searcher.search(ImageQuery(_image_of(2, tmp_path / "q2.png")), k=10)
        assert all(Path(r.path).name != "beta.avi" for r in hits)
        hits = searcher.search(ImageQuery(_image_of(9, tmp_path / "q9.png")), k=3)
        assert Path(hits[0].path).name == "gamma.mp4"
        assert store.check() == []


def test_bad_file_is_recorded_and_not_retried_until_asked(tmp_path: Path, library: Path, tiny) -> None:
    db = tmp_path / "lib.db"
    (library / "broken.mp4").write_bytes(os.urandom(4096))
    (library / "empty.mkv").write_bytes(b"")
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    summary, _ = _index(db, tiny)
    assert summary.indexed == 4 and summary.failed == 2
    assert sorted(Path(p).name for p, _ in summary.failures) == ["broken.mp4", "empty.mkv"]
    with LibraryStore.open(db) as store:
        reasons = dict(store.failures())
        assert set(map(lambda p: Path(p).name, reasons)) == {"broken.mp4", "empty.mkv"}
        assert all(r and "Traceback" not in r for r in reasons.values())
        assert store.video_by_path(str(library / "broken.mp4")).status == VideoStatus.FAILED
    again, _ = _index(db, tiny)
    assert again.indexed == 0 and again.failed == 0
    retried, _ = _index(db, tiny, retry_failed=True)
    assert retried.failed == 2


def test_model_change_reencodes_and_never_mixes(tmp_path: Path, library: Path, tiny) -> None:

    from engine.errors import ModelMismatchError
    from engine.model import load_model

    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    _index(db, tiny)
    spec = _other_model(tmp_path)
    other = load_model(spec, device="cpu")
    assert other.fingerprint != tiny.fingerprint
    summary = Indexer(db, model=other, model_spec=spec).run()
    # Only the head differs: the stored frame features are re-encoded, nothing is decoded.
    assert summary.from_features == 4 and summary.indexed == 0
    with LibraryStore.open(db) as store:
        assert {v.fingerprint for v in store.videos()} == {other.fingerprint}
        assert store.get_meta("model_spec") == spec
        assert store.check() == []
        with pytest.raises(ModelMismatchError):
            Searcher(store, tiny).search(ImageQuery(_image_of(1, tmp_path / "q.png")))


def _indexed_now(db: Path) -> int:
    """Committed videos, read without waiting on the writer (a full store open may wait for its lock)."""
    import apsw

    if not db.exists():
        return 0
    try:
        conn = apsw.Connection(str(db), flags=apsw.SQLITE_OPEN_READONLY)
        conn.set_busy_timeout(20)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM videos WHERE status = 'indexed'").fetchone()[0])
        finally:
            conn.close()
    except apsw.Error:  # not created yet, or busy
        return 0


@pytest.mark.slow
def test_killed_indexer_resumes_without_loss_or_duplicates(tmp_path: Path, make_video) -> None:
    root = tmp_path / "many"
    for i in range(24):
        make_video(root / f"v{i:02d}.avi", 100 + i, seconds=8.0)
    db = tmp_path / "lib.db"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    cmd = [sys.executable, "-m", "engine", "--db", str(db), "--model", "tiny", "index", "-q", str(root)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until some, but not all, videos are committed
        time.sleep(0.05)
        if _indexed_now(db) >= 1:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with LibraryStore.open(db) as store:
        assert store.check() == []
        partial = store.counts()
    assert partial.indexed < 24 or pytest.skip("indexing finished before the kill")
    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    with LibraryStore.open(db) as store:
        counts = store.counts()
        assert store.check() == []
        assert counts.indexed == 24 and counts.pending == 0 and counts.failed == 0
        assert len(store.videos()) == 24
        clips_per_video = counts.clips
    # A fresh index of the same files gives exactly the same number of clips: nothing lost or doubled.
    fresh = tmp_path / "fresh.db"
    subprocess.run([*cmd[:4], str(fresh), *cmd[5:]], env=env, check=True, capture_output=True, timeout=300)
    with LibraryStore.open(fresh) as store:
        assert store.counts().clips == clips_per_video


def test_cancel_mid_run_commits_whole_videos_only_and_a_cancel_before_a_run_is_not_lost(
    tmp_path: Path, make_video, tiny
) -> None:
    root = tmp_path / "many"
    for i in range(6):
        make_video(root / f"v{i}.avi", 200 + i, seconds=6.0)
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(root))
    indexer = Indexer(db, model=tiny)
    indexer.on_progress = lambda p: indexer.cancel() if p.videos_done >= 1 else None
    summary = indexer.run()
    assert summary.cancelled and 1 <= summary.indexed < 6
    with LibraryStore.open(db) as store:
        assert store.check() == []
        counts = store.counts()
        assert counts.indexed == summary.indexed and counts.pending == 6 - counts.indexed

    indexer.on_progress = None
    indexer.cancel()  # lands while no run is going: the next run stops at once
    assert indexer.run().indexed == 0
    finished = indexer.run()  # and the one after starts afresh
    assert not finished.cancelled and finished.indexed == 6 - counts.indexed


def test_sync_paths_looks_only_at_the_paths_given(tmp_path: Path, library: Path, tiny) -> None:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    _index(db, tiny)
    write_video(library / "new_one.avi", 21)
    write_video(library / "half_copied.avi", 22)  # changed too, but not reported yet
    (library / "beta.avi").rename(library / "trips" / "beta.avi")
    indexer = Indexer(db, model=tiny)
    moved_to = library / "trips" / "beta.avi"
    summary = indexer.sync_paths([library / "new_one.avi", library / "beta.avi", moved_to])
    assert summary.indexed == 1 and summary.moved == 1 and summary.removed == 0
    with LibraryStore.open(db) as store:
        assert store.video_by_path(str(library / "half_copied.avi")) is None
        assert store.video_by_path(str(library / "trips" / "beta.avi")) is not None
    assert indexer.sync_paths([library / "trips"]).indexed == 0  # a folder: what is under it
    assert indexer.sync_paths([library]).indexed == 1  # the root: everything


def test_a_folder_that_goes_away_during_a_run_fails_nothing_and_is_indexed_when_back(
    tmp_path: Path, library: Path, tiny
) -> None:
    db = tmp_path / "lib.db"
    away = tmp_path / "unmounted"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    indexer = Indexer(db, model=tiny)

    def unmount(p: IndexProgress) -> None:  # after the scan, before any video is read
        if p.phase == "indexing" and library.exists():
            library.rename(away)

    indexer.on_progress = unmount
    summary = indexer.run()
    assert summary.failed == 0 and summary.failures == [] and summary.vanished == 4
    with LibraryStore.open(db) as store:
        assert store.failures() == [] and store.counts().pending == 4
    indexer.on_progress = None
    assert indexer.run().offline_roots == [str(library)]  # still away: kept, not failed or removed
    away.rename(library)
    back = indexer.run()
    assert back.indexed == 4 and back.failed == 0
    with LibraryStore.open(db) as store:
        assert store.counts().indexed == 4 and store.check() == []


def test_a_model_switch_stopped_before_its_first_video_leaves_the_library_searchable(
    tmp_path: Path, library: Path, tiny
) -> None:

    from engine.model import load_model
    from engine.search import search

    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    _index(db, tiny)
    spec = _other_model(tmp_path)
    indexer = Indexer(db, model=load_model(spec, device="cpu"), model_spec=spec)
    indexer.on_progress = lambda p: indexer.cancel() if p.phase == "indexing" else None
    assert indexer.run().indexed == 0  # stopped after the scan, before any video
    with LibraryStore.open(db) as store:
        assert store.get_meta("model_spec") == "tiny"  # still the model of the stored vectors
    assert search(ImageQuery(_image_of(1, tmp_path / "q.png")), db=db)  # not a "reindex needed" error
    indexer.on_progress = None
    # The stopped run had set the rows pending (a pending row may hold a changed file), so this run
    # decodes them rather than trusting their stored frame features.
    assert indexer.run().indexed == 4
    with LibraryStore.open(db) as store:
        assert store.get_meta("model_spec") == spec


def test_indexing_a_folder_covers_the_library_folders_nested_in_it(
    tmp_path: Path, library: Path, tiny
) -> None:
    db = tmp_path / "lib.db"
    inner = library / "trips"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
        inner_id = store.add_folder(str(inner)).id
    assert _index(db, tiny)[0].indexed == 4
    assert _index(db, tiny)[0].indexed == 0  # nested folders do not re-encode each other's videos
    write_video(inner / "new_one.avi", 31)
    assert _index(db, tiny, [library])[0].indexed == 1  # the outer folder's run reaches it
    write_video(inner / "new_two.avi", 32)
    assert Indexer(db, model=tiny).sync_paths([library]).indexed == 1  # and a rescan of it
    with LibraryStore.open(db) as store:
        assert {v.folder_id for v in store.videos() if Path(v.path).parent == inner} == {inner_id}
        assert store.check() == []


def test_decode_workers_use_the_cores_a_gpu_encoder_leaves_free(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the CPU the encoder needs cores (at most 4 decoders); on a GPU decoding is the limit."""
    from engine.indexing import indexer as indexer_mod

    for cores, on_cpu, on_gpu in ((2, 1, 1), (8, 4, 7), (16, 4, 15), (64, 4, 16)):
        monkeypatch.setattr(indexer_mod.os, "cpu_count", lambda cores=cores: cores)
        assert indexer_mod.default_decode_workers() == on_cpu
        assert indexer_mod.default_decode_workers(encoder_on_gpu=True) == on_gpu
