"""The scan walks folders safely and diffs disk against the store."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from engine.indexing.scan import plan_scan, walk_videos
from engine.store import ClipRecord, FrameRecord, LibraryStore, content_hash


def _save(store: LibraryStore, video_id: int, size: int, mtime: float, digest: str, fp: str = "fp") -> None:
    clip = ClipRecord(
        start=0.0, end=1.0, vector=np.ones(4, np.float32) / 2, frames=[FrameRecord(0.0, 1.0, b"")]
    )
    store.save_video(
        video_id, duration=1.0, fingerprint=fp, clips=[clip], size=size, mtime=mtime, content_hash=digest
    )


def _touch(path: Path, data: bytes = b"x" * 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_walk_skips_hidden_system_and_excluded(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    keep = [_touch(root / "a.mp4"), _touch(root / "sub" / "b.MOV"), _touch(root / "sub" / "deep" / "c.mkv")]
    for skipped in (
        ".git/x.mp4",
        "@eaDir/thumb.mp4",
        "$RECYCLE.BIN/old.mp4",
        ".Trash-1000/files/t.mp4",
        "System Volume Information/s.mp4",
        ".hidden/h.mp4",
        "sub/.dotfile.mp4",
        "notes.txt",
        "raw/skip_me.mp4",
        "sub/clip.tmp.mp4",
    ):
        _touch(root / skipped)
    found = sorted(f.path for f in walk_videos(root, excludes=["raw", "*.tmp.mp4"]))
    assert found == sorted(str(p) for p in keep)


def test_walk_never_follows_symlinked_folders_or_loops(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    outside = tmp_path / "outside"
    _touch(root / "a.mp4")
    _touch(outside / "secret.mp4")
    os.symlink(root, root / "loop")  # a loop back to the root
    os.symlink(outside, root / "out")  # a way out of the root
    os.symlink(outside / "secret.mp4", root / "linked_out.mp4")
    os.symlink(root / "a.mp4", root / "linked_in.mp4")
    found = sorted(os.path.basename(f.path) for f in walk_videos(root))
    assert found == ["a.mp4", "linked_in.mp4"]


def test_plan_new_changed_moved_gone_and_offline(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    a = _touch(root / "a.mp4", b"A" * 5000)
    b = _touch(root / "b.mp4", b"B" * 5000)
    c = _touch(root / "c.mp4", b"C" * 5000)
    with LibraryStore.open(tmp_path / "lib.db") as store:
        folder = store.add_folder(str(root))
        plan = plan_scan(store, [folder], "fp")
        assert sorted(f.path for _, f, _ in plan.to_index) == sorted(map(str, (a, b, c)))
        for folder_id, f, digest in plan.to_index:  # pretend they were indexed (no clips needed for the diff)
            vid = store.add_pending(folder_id, f.path, f.size, f.mtime, digest)
            _save(store, vid, f.size, f.mtime, digest)
        assert plan_scan(store, [folder], "fp").skipped == 3

        a.rename(root / "renamed.mp4")  # move: same content, new path
        b.write_bytes(b"b" * 6000)  # changed
        c.unlink()  # gone
        plan = plan_scan(store, [folder], "fp")
        assert [(m.old_path, m.new.path) for m in plan.moves] == [(str(a), str(root / "renamed.mp4"))]
        assert [f.path for _, f, _ in plan.to_index] == [str(b)]
        assert [row.path for row in plan.gone] == [str(c)]

        # A different model fingerprint means everything is re-encoded.
        assert len(plan_scan(store, [folder], "other").to_index) >= 2


def test_missing_or_emptied_root_is_offline_not_wiped(tmp_path: Path) -> None:
    root = tmp_path / "drive"
    f = _touch(root / "a.mp4", b"A" * 5000)
    with LibraryStore.open(tmp_path / "lib.db") as store:
        folder = store.add_folder(str(root))
        vid = store.add_pending(folder.id, str(f), 5000, f.stat().st_mtime, "h")
        _save(store, vid, 5000, f.stat().st_mtime, "h")
        f.unlink()  # the mount point is now empty
        plan = plan_scan(store, [folder], "fp")
        assert plan.offline_roots == [str(root)] and plan.gone == []
        root.rmdir()  # and now missing altogether
        plan = plan_scan(store, [folder], "fp")
        assert plan.offline_roots == [str(root)] and plan.gone == []


def test_move_between_roots_is_found_even_when_only_the_new_root_is_scanned(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    a = _touch(one / "a.mp4", b"A" * 5000)
    two.mkdir()
    with LibraryStore.open(tmp_path / "lib.db") as store:
        f1, f2 = store.add_folder(str(one)), store.add_folder(str(two))
        digest = content_hash(a)
        vid = store.add_pending(f1.id, str(a), 5000, a.stat().st_mtime, digest)
        _save(store, vid, 5000, a.stat().st_mtime, digest)
        a.rename(two / "a.mp4")
        plan = plan_scan(store, [f2], "fp")  # the old root is not part of this scan
        assert [(m.video_id, m.new.path) for m in plan.moves] == [(vid, str(two / "a.mp4"))]
        assert plan.to_index == []


def test_a_subfolder_that_cannot_be_listed_keeps_its_videos(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "lib"
    a = _touch(root / "a.mp4", b"A" * 5000)
    b = _touch(root / "locked" / "b.mp4", b"B" * 5000)
    with LibraryStore.open(tmp_path / "lib.db") as store:
        folder = store.add_folder(str(root))
        for f in (a, b):
            digest = content_hash(f)
            vid = store.add_pending(folder.id, str(f), 5000, f.stat().st_mtime, digest)
            _save(store, vid, 5000, f.stat().st_mtime, digest)
        real_scandir = os.scandir

        def scandir(path):  # permissions taken away, or an I/O error on a network share
            if os.fspath(path) == str(root / "locked"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", scandir)
        plan = plan_scan(store, [folder], "fp")
        assert plan.gone == [] and plan.to_index == [] and plan.skipped == 1
        plan = plan_scan(store, [folder], "fp", scope=[str(root / "locked")])
        assert plan.gone == []


def test_nested_library_folders_do_not_reencode_each_others_videos(tmp_path: Path) -> None:
    outer = tmp_path / "lib"
    inner = outer / "trips"
    files = [_touch(outer / "a.mp4", b"A" * 5000), _touch(inner / "b.mp4", b"B" * 5000)]
    with LibraryStore.open(tmp_path / "lib.db") as store:
        folders = [store.add_folder(str(outer)), store.add_folder(str(inner))]
        plan = plan_scan(store, folders, "fp")
        owner = {f.path: folder_id for folder_id, f, _ in plan.to_index}
        assert owner == {str(files[0]): folders[0].id, str(files[1]): folders[1].id}
        for folder_id, f, digest in plan.to_index:
            vid = store.add_pending(folder_id, f.path, f.size, f.mtime, digest)
            _save(store, vid, f.size, f.mtime, digest)
        for scanned in (folders, folders[:1], folders[1:]):
            plan = plan_scan(store, scanned, "fp")
            assert plan.to_index == [] and plan.gone == [] and plan.moves == []


def test_a_name_that_is_not_utf8_is_skipped_and_does_not_stop_the_scan(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    good = _touch(root / "good.mp4", b"G" * 5000)
    try:
        _touch(root / os.fsdecode(b"latin1-caf\xe9.mp4"), b"L" * 5000)
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    assert [f.path for f in walk_videos(root)] == [str(good)]
    with LibraryStore.open(tmp_path / "lib.db") as store:
        folder = store.add_folder(str(root))
        plan = plan_scan(store, [folder], "fp")
        for folder_id, f, digest in plan.to_index:  # storable, every one
            store.add_pending(folder_id, f.path, f.size, f.mtime, digest)
        assert [f.path for _, f, _ in plan.to_index] == [str(good)]


def test_a_video_that_cannot_be_looked_at_keeps_its_index(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "lib"
    a = _touch(root / "a.mp4", b"A" * 5000)
    with LibraryStore.open(tmp_path / "lib.db") as store:
        folder = store.add_folder(str(root))
        vid = store.add_pending(folder.id, str(a), 5000, a.stat().st_mtime, content_hash(a))
        _save(store, vid, 5000, a.stat().st_mtime, content_hash(a))
        real_stat = os.stat

        def stat(path, *args, **kwargs):  # a stale network handle or a permission taken away
            if os.fspath(path) == str(a):
                raise OSError(5, "Input/output error", os.fspath(path))
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(os, "stat", stat)
        assert plan_scan(store, [folder], "fp").gone == []
        assert plan_scan(store, [folder], "fp", scope=[str(a)]).gone == []
