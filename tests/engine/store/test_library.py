"""Folders, videos and the one-transaction save, through a real database."""

from __future__ import annotations

from pathlib import Path

import apsw
import numpy as np
import pytest

from engine.errors import StoreError
from engine.store import ClipRecord, LibraryStore, VideoStatus, content_hash

from .conftest import DIM, add_video, clips_from, unit


def test_folders_are_idempotent_and_keep_their_settings(store: LibraryStore, tmp_path: Path) -> None:
    a = store.add_folder(tmp_path / "a", excludes=["*.tmp"])
    again = store.add_folder(str(tmp_path / "a"), excludes=["ignored"])
    assert again == a
    assert a.excludes == ["*.tmp"] and a.online and not a.polling
    b = store.add_folder(tmp_path / "b")
    store.set_folder_state(b.id, online=False, polling=True)
    store.set_folder_excludes(a.id, ["x/**", "*.part"])
    folders = store.list_folders()
    assert [f.path for f in folders] == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert folders[0].excludes == ["x/**", "*.part"]
    assert (folders[1].online, folders[1].polling) == (False, True)


def test_remove_folder_drops_its_videos_clips_frames_and_vectors(store: LibraryStore, tmp_path: Path) -> None:
    add_video(store, tmp_path / "a", "one.mp4", [unit(1, 0), unit(0, 1)])
    keep = add_video(store, tmp_path / "b", "two.mp4", [unit(1, 1)])
    store.remove_folder(tmp_path / "a")
    assert [v.id for v in store.videos()] == [keep]
    assert store.counts().clips == 1
    hits = store.knn(unit(1, 0), 10)
    assert len(hits) == 1 and store.clip_details([hits[0][0]])[hits[0][0]].video_id == keep
    assert store.check() == []


def test_add_pending_then_save_then_reindex_replaces_everything(store: LibraryStore, tmp_path: Path) -> None:
    folder = store.add_folder(tmp_path)
    path = str(tmp_path / "a.mp4")
    vid = store.add_pending(folder.id, path, 10, 5.0, "h1")
    row = store.video_by_path(path)
    assert row is not None and row.status == VideoStatus.PENDING and row.id == vid
    store.save_video(
        vid,
        duration=6.0,
        fingerprint="fp",
        clips=clips_from([unit(1, 0), unit(0, 1), unit(1, 1)]),
        size=10,
        mtime=5.0,
        content_hash="h1",
    )
    first_ids = sorted(store.clip_details([c for c, _ in store.knn(unit(1, 0), 10)]))
    assert len(first_ids) == 3
    # The file changed: pending again, old clips still searchable until the new ones land.
    assert store.add_pending(folder.id, path, 20, 9.0, "h2") == vid
    pending = store.video(vid)
    assert pending is not None and pending.status == VideoStatus.PENDING and pending.size == 20
    assert store.counts().clips == 3
    store.save_video(
        vid,
        duration=4.0,
        fingerprint="fp",
        clips=clips_from([unit(0, 0, 1), unit(0, 0, 0, 1)]),
        size=20,
        mtime=9.0,
        content_hash="h2",
    )
    row = store.video(vid)
    assert row is not None
    assert (row.status, row.duration, row.size, row.mtime, row.content_hash) == (
        "indexed",
        4.0,
        20,
        9.0,
        "h2",
    )
    assert row.fingerprint == "fp" and row.indexed_at is not None
    hits = store.knn(unit(0, 0, 1), 10)
    assert len(hits) == 2 and not set(first_ids) & {c for c, _ in hits}
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert store.check() == []


def test_save_keeps_frames_and_thumbnails(store: LibraryStore, tmp_path: Path) -> None:
    vid = add_video(store, tmp_path, "a.mp4", [unit(1, 0), unit(0, 1)], duration=4.5)
    cid = store.knn(unit(0, 1), 1)[0][0]
    detail = store.clip_details([cid])[cid]
    assert (detail.video_id, detail.path, detail.start, detail.end, detail.duration) == (
        vid,
        str(tmp_path / "a.mp4"),
        2.0,
        4.0,
        4.5,
    )
    assert [(f.t, f.weight, f.thumb) for f in detail.frames] == [
        (2.5, 0.25, b"\xff\xd8a"),
        (3.5, 0.75, b"\xff\xd8b"),
    ]
    vec = store.clip_vector(cid)
    assert vec is not None and np.allclose(vec, unit(0, 1))
    assert store.clip_vector(999_999) is None
    assert store.clip_details([999_999]) == {}


def test_bad_vectors_write_nothing(store: LibraryStore, tmp_path: Path) -> None:
    folder = store.add_folder(tmp_path)
    vid = store.add_pending(folder.id, str(tmp_path / "a.mp4"), 1, 1.0, "h")
    bad = [
        [],
        [ClipRecord(0, 1, np.zeros(DIM, np.float32))],
        [ClipRecord(0, 1, np.full(DIM, np.nan, np.float32))],
        [ClipRecord(0, 1, unit(1)), ClipRecord(1, 2, np.ones(DIM + 1, np.float32))],
    ]
    for clips in bad:
        with pytest.raises(StoreError):
            store.save_video(
                vid, duration=1, fingerprint="fp", clips=clips, size=1, mtime=1.0, content_hash="h"
            )
    with pytest.raises(StoreError, match="not in the library"):
        store.save_video(
            12345,
            duration=1,
            fingerprint="fp",
            clips=clips_from([unit(1)]),
            size=1,
            mtime=1.0,
            content_hash="h",
        )
    assert store.counts().clips == 0 and store.video(vid).status == VideoStatus.PENDING  # type: ignore[union-attr]


def test_vectors_are_stored_normalized(store: LibraryStore, tmp_path: Path) -> None:
    folder = store.add_folder(tmp_path)
    vid = store.add_pending(folder.id, str(tmp_path / "a.mp4"), 1, 1.0, "h")
    raw = np.arange(1, DIM + 1, dtype=np.float32)
    store.save_video(
        vid, duration=1, fingerprint="fp", clips=[ClipRecord(0, 1, raw)], size=1, mtime=1.0, content_hash="h"
    )
    cid, score = store.knn(raw, 1)[0]
    assert score == pytest.approx(1.0, abs=1e-5)
    assert float(np.linalg.norm(store.clip_vector(cid))) == pytest.approx(1.0, abs=1e-5)


def test_mark_failed_move_and_delete(store: LibraryStore, tmp_path: Path) -> None:
    a = add_video(store, tmp_path / "lib", "a.mp4", [unit(1, 0)])
    b = add_video(store, tmp_path / "lib", "b.mp4", [unit(0, 1)])
    store.mark_failed(a, "not a video", size=3, mtime=2.0, content_hash="h3")
    assert store.failures() == [(str(tmp_path / "lib" / "a.mp4"), "not a video")]
    assert store.counts().failed == 1 and store.counts().clips == 1
    other = store.add_folder(tmp_path / "other")
    new_path = str(tmp_path / "other" / "renamed.mp4")
    store.move_video(b, new_path=new_path, folder_id=other.id, size=100, mtime=7.0)
    moved = store.video_by_path(new_path)
    assert moved is not None and moved.id == b and moved.folder_id == other.id
    assert store.video_by_path(str(tmp_path / "lib" / "b.mp4")) is None
    cid = store.knn(unit(0, 1), 1)[0][0]
    assert store.clip_details([cid])[cid].path == new_path
    assert [v.id for v in store.videos_by_hash("hash-b.mp4")] == [b]
    store.delete_video(b)
    assert store.counts().clips == 0 and store.knn(unit(0, 1), 5) == []
    assert store.check() == []


def test_counts_by_status_and_offline(store: LibraryStore, tmp_path: Path) -> None:
    add_video(store, tmp_path / "on", "a.mp4", [unit(1), unit(0, 1)])
    add_video(store, tmp_path / "off", "b.mp4", [unit(1)])
    off = store.add_folder(tmp_path / "off")
    store.add_pending(off.id, str(tmp_path / "off" / "c.mp4"), 1, 1.0, "hc")
    store.set_folder_state(off.id, online=False)
    counts = store.counts()
    assert (counts.indexed, counts.failed, counts.pending, counts.offline, counts.clips) == (2, 0, 1, 2, 3)
    assert [v.path for v in store.videos(status="pending")] == [str(tmp_path / "off" / "c.mp4")]
    assert len(store.videos(folder_id=off.id)) == 2


def test_a_new_model_fingerprint_switches_the_library(store: LibraryStore, tmp_path: Path) -> None:
    old = add_video(store, tmp_path, "a.mp4", [unit(1, 0)], fingerprint="old")
    assert store.model_fingerprint() == "old"
    new = add_video(store, tmp_path, "b.mp4", [unit(1, 0, dim=8)], fingerprint="new")
    assert store.model_fingerprint() == "new" and store.get_meta("dim") == "8"
    assert store.video(old).status == VideoStatus.PENDING  # type: ignore[union-attr]
    assert [store.clip_details([c])[c].video_id for c, _ in store.knn(unit(1, 0, dim=8), 5)] == [new]
    assert store.check() == []


def test_meta_round_trip(store: LibraryStore) -> None:
    assert store.get_meta("model_spec") is None
    store.set_meta("model_spec", "tiny")
    store.set_meta("model_spec", "ViT-B-32-quickgelu:openai")
    assert store.get_meta("model_spec") == "ViT-B-32-quickgelu:openai"


def test_check_finds_orphans_and_missing_vectors(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        vid = add_video(store, tmp_path, "a.mp4", [unit(1, 0), unit(0, 1)])
        assert store.check() == []
    raw = apsw.Connection(str(db))
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute("INSERT INTO frames(clip_id, t, weight) VALUES (424242, 1.0, 0.5)")
    raw.execute('INSERT INTO clips(video_id, start, "end") VALUES (?, 9, 10)', (vid,))
    raw.execute(
        "INSERT INTO videos(folder_id, path, size, mtime, content_hash, status) "
        "VALUES (1, '/x/empty.mp4', 1, 1, 'h', 'indexed')"
    )
    raw.close()
    with LibraryStore.open(db) as store:
        problems = " ".join(store.check())
    assert "frames without a clip" in problems
    assert "indexed videos without clips" in problems
    assert "vector rows must equal clip rows" in problems
    assert "1 clips have no vector" in problems


def test_content_hash_sees_size_and_sampled_regions(tmp_path: Path) -> None:
    big = bytearray(np.random.default_rng(1).integers(0, 256, 400_000, dtype=np.uint8).tobytes())
    a = tmp_path / "a.bin"
    a.write_bytes(bytes(big))
    b = tmp_path / "b.bin"
    b.write_bytes(bytes(big))
    assert content_hash(a) == content_hash(b) and len(content_hash(a)) == 32
    for offset in (0, len(big) // 2, len(big) - 1):
        changed = bytearray(big)
        changed[offset] ^= 0xFF
        b.write_bytes(bytes(changed))
        assert content_hash(b) != content_hash(a)
    b.write_bytes(bytes(big) + b"\0")
    assert content_hash(b) != content_hash(a)
    small = tmp_path / "s.bin"
    small.write_bytes(b"abc")
    assert content_hash(small) != content_hash(a)
    with pytest.raises(OSError):
        content_hash(tmp_path / "missing.bin")


def test_a_folder_whose_name_is_not_utf8_is_refused(store: LibraryStore, tmp_path: Path) -> None:
    import os

    with pytest.raises(StoreError, match="not valid UTF-8"):
        store.add_folder(tmp_path / os.fsdecode(b"caf\xe9"))
    assert store.list_folders() == []
