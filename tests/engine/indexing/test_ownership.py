"""Who owns a video: offline drives, symlinked folders, nested folders and emptied folders (issue 14)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from engine.indexing import Indexer
from engine.paths import deepest_root, is_within
from engine.search import Searcher
from engine.store import LibraryStore
from tests.engine.indexing.conftest import write_video


@pytest.fixture(scope="module")
def tiny():
    from engine.model import load_model

    return load_model("tiny", device="cpu")


def _run(db: Path, tiny, roots=None):
    return Indexer(db, model=tiny).run(roots)


def _owners(db: Path) -> dict[str, str]:
    with LibraryStore.open(db) as store:
        folders = {f.id: f.path for f in store.list_folders()}
        return {Path(v.path).name: folders[v.folder_id] for v in store.videos()}


def test_is_within_and_deepest_root() -> None:
    assert is_within("/a/b", "/a") and is_within("/a", "/a") and not is_within("/a", "/a", strict=True)
    assert not is_within("/ab", "/a") and is_within("/a/b/", "/a/")
    assert deepest_root("/a/b/c.mp4", ["/a", "/a/b", "/x"]) == "/a/b"
    assert deepest_root("/ab/c.mp4", ["/a"]) is None


def test_a_copy_of_an_offline_drives_video_is_a_new_video(tmp_path: Path, tiny) -> None:
    drive, home = tmp_path / "drive", tmp_path / "home"
    write_video(drive / "trip.avi", 1)
    write_video(home / "cat.avi", 2)
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(drive)
        store.add_folder(home)
    assert _run(db, tiny).indexed == 2
    unplugged = tmp_path / "unplugged"
    drive.rename(unplugged)  # the drive is unplugged: its folder is gone
    shutil.copy2(unplugged / "trip.avi", home / "trip.avi")
    summary = _run(db, tiny, [home])
    assert summary.moved == 0 and summary.indexed == 1
    with LibraryStore.open(db) as store:
        assert store.video_by_path(drive / "trip.avi") is not None  # the drive's entry is untouched
    unplugged.rename(drive)  # back again: nothing to re-encode
    back = _run(db, tiny)
    assert back.indexed == 0 and back.moved == 0 and back.removed == 0


def test_the_same_folder_through_a_symlink_is_one_library_folder(tmp_path: Path, tiny) -> None:
    videos = tmp_path / "Videos"
    write_video(videos / "a.avi", 1)
    os.symlink(videos / "a.avi", videos / "link-to-a.avi")
    link = tmp_path / "link-to-Videos"
    os.symlink(videos, link)
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        first, second = store.add_folder(videos), store.add_folder(link)
        assert first.id == second.id and second.path == str(videos)  # the path the user gave first
        assert store.find_folder(link) == first
    summary = _run(db, tiny, [link])
    assert summary.indexed == 1
    with LibraryStore.open(db) as store:
        assert [Path(v.path).name for v in store.videos()] == ["a.avi"]
        assert len(Searcher(store, tiny).search("a bar", k=10)) == 1


def test_ownership_moves_between_nested_folders_without_encoding(tmp_path: Path, tiny) -> None:
    nest = tmp_path / "nest"
    sub = nest / "sub"
    write_video(nest / "top.avi", 1)
    write_video(sub / "inner.avi", 2)
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(nest)
    assert _run(db, tiny).indexed == 2
    with LibraryStore.open(db) as store:
        store.add_folder(sub)
    handed = _run(db, tiny, [sub])
    assert handed.indexed == 0 and handed.removed == 0
    assert _owners(db) == {"top.avi": str(nest), "inner.avi": str(sub)}
    with LibraryStore.open(db) as store:
        store.remove_folder(sub)
        assert {Path(v.path).name for v in store.videos()} == {"top.avi", "inner.avi"}
        assert len({r.path for r in Searcher(store, tiny).search("a bar", k=10)}) == 2
    assert _owners(db) == {"top.avi": str(nest), "inner.avi": str(nest)}
    again = _run(db, tiny)
    assert again.indexed == 0 and again.skipped == 2


def test_an_emptied_folder_on_its_own_device_is_a_deletion_not_an_outage(tmp_path: Path, tiny) -> None:
    downloads = tmp_path / "Downloads"
    write_video(downloads / "a.avi", 1)
    write_video(downloads / "b.avi", 2)
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(downloads)
    _run(db, tiny)
    for f in downloads.iterdir():
        f.unlink()
    summary = _run(db, tiny)
    assert summary.offline_roots == [] and summary.removed == 2
    with LibraryStore.open(db) as store:
        assert store.videos() == [] and store.list_folders()[0].online


def test_a_link_reported_alone_by_the_watcher_is_not_a_second_video(tmp_path: Path, tiny) -> None:
    videos = tmp_path / "Videos"
    write_video(videos / "a.avi", 1)
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(videos)
    _run(db, tiny)
    (videos / "later").mkdir()
    os.symlink(videos / "a.avi", videos / "later" / "link.avi")
    summary = Indexer(db, model=tiny).sync_paths([videos / "later"])
    assert summary.indexed == 0
    with LibraryStore.open(db) as store:
        assert [Path(v.path).name for v in store.videos()] == ["a.avi"]
