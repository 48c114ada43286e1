"""LibraryWatcher end to end: real file-system events, real videos, the real indexer with the tiny model."""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.indexing import Indexer
from engine.indexing.watch import LibraryWatcher, observers, supervisor
from engine.indexing.watch.inbox import Inbox
from engine.store import LibraryStore, VideoStatus
from tests.engine.indexing.conftest import write_video

SETTLE = 0.5


@pytest.fixture(scope="module")
def tiny():
    from engine.model import load_model

    return load_model("tiny", device="cpu")


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


class Lib:
    """A library folder, its database and a reader over it."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "videos"
        self.root.mkdir()
        self.db = tmp_path / "lib.db"
        with LibraryStore.open(self.db) as store:
            self.folder_id = store.add_folder(self.root).id

    def rows(self) -> dict[str, object]:
        with LibraryStore.open(self.db) as store:
            return {os.path.relpath(v.path, self.root): v for v in store.videos()}

    def indexed(self) -> set[str]:
        return {p for p, v in self.rows().items() if v.status == VideoStatus.INDEXED}

    def check(self) -> list[str]:
        with LibraryStore.open(self.db) as store:
            return store.check()


@pytest.fixture
def lib(tmp_path: Path) -> Lib:
    return Lib(tmp_path)


@pytest.fixture
def watcher_for(tiny) -> Iterator[Callable[..., LibraryWatcher]]:
    started: list[LibraryWatcher] = []

    def make(lib: Lib, **kw) -> LibraryWatcher:
        kw.setdefault("settle_s", SETTLE)
        kw.setdefault("health_interval_s", 0.3)
        kw.setdefault("poll_interval_s", 0.3)
        w = LibraryWatcher(lib.db, model=tiny, **kw)
        w.start()
        started.append(w)
        return w

    yield make
    for w in started:
        w.stop(timeout=10)


def test_create_modify_rename_delete(lib: Lib, watcher_for) -> None:
    write_video(lib.root / "old.avi", 1)
    w = watcher_for(lib)
    assert wait_for(lambda: lib.indexed() == {"old.avi"})  # the start-up rescan
    assert wait_for(lambda: w.status()[str(lib.root)]["last_scan"] is not None, 5)
    assert w.status()[str(lib.root)]["state"] == "watching"

    write_video(lib.root / "new.avi", 2)
    assert wait_for(lambda: lib.indexed() == {"old.avi", "new.avi"})
    first = lib.rows()["new.avi"]

    write_video(lib.root / "new.avi", 3, seconds=2.0)  # rewritten with other content
    assert wait_for(lambda: lib.rows()["new.avi"].content_hash != first.content_hash)
    assert wait_for(lambda: lib.rows()["new.avi"].status == VideoStatus.INDEXED)
    assert w.wait_idle(20)
    encoded = w.stats().indexed
    assert encoded == 3

    old = lib.rows()["old.avi"]
    (lib.root / "old.avi").rename(lib.root / "renamed.avi")
    assert wait_for(lambda: set(lib.rows()) == {"renamed.avi", "new.avi"})
    moved = lib.rows()["renamed.avi"]
    assert moved.id == old.id and moved.status == VideoStatus.INDEXED
    assert w.wait_idle(20)
    assert w.stats().indexed == encoded  # a rename costs no encoding

    (lib.root / "new.avi").unlink()
    assert wait_for(lambda: set(lib.rows()) == {"renamed.avi"})
    assert lib.check() == []


def test_a_slow_copy_is_indexed_once_and_complete(lib: Lib, watcher_for, tmp_path: Path) -> None:
    source = write_video(tmp_path / "camera" / "card.avi", 5, seconds=4.0)
    data = source.read_bytes()
    w = watcher_for(lib)
    assert w.wait_idle(20)
    target = lib.root / "card.avi"
    chunks = 16
    step = -(-len(data) // chunks)
    seen_while_copying: list[str] = []
    with open(target, "wb") as fh:  # one writer holding the file open, like a file manager
        for i in range(chunks):
            fh.write(data[i * step : (i + 1) * step])
            fh.flush()
            if i == 2:
                # Another video lands in the same root and settles while the copy goes on: syncing
                # it must not drag the half-copied file along.
                write_video(lib.root / "other.avi", 6)
            # A stall longer than the settle time, half-way: the open file must still be left alone.
            time.sleep(1.5 if i == chunks // 2 else 0.15)
            seen_while_copying.extend(lib.rows())
    assert "card.avi" not in seen_while_copying  # never recorded (not even as failed) while incomplete
    assert wait_for(lambda: lib.indexed() == {"card.avi", "other.avi"})
    assert w.wait_idle(20)
    row = lib.rows()["card.avi"]
    assert row.size == len(data)
    stats = w.stats()
    assert stats.indexed == 2 and stats.failed == 0


@pytest.mark.slow
def test_renaming_a_folder_of_100_videos_encodes_nothing(lib: Lib, watcher_for, tiny) -> None:
    trip = lib.root / "trip"
    for i in range(100):
        write_video(trip / f"clip{i:03d}.avi", 100 + i, seconds=1.0, fps=4, size=(64, 48))
    first = Indexer(lib.db, model=tiny).run()
    assert first.indexed == 100 and first.failed == 0
    before = {os.path.basename(p): row.id for p, row in lib.rows().items()}

    w = watcher_for(lib)
    assert w.wait_idle(30)
    baseline = w.stats()
    trip.rename(lib.root / "trip 2025")
    assert wait_for(lambda: all(p.startswith("trip 2025") for p in lib.rows()), 60)
    assert w.wait_idle(30)
    stats = w.stats()
    assert stats.indexed - baseline.indexed == 0
    assert stats.moved - baseline.moved == 100
    assert stats.syncs - baseline.syncs == 1  # one reconcile for the whole rename
    after = {os.path.basename(p): row.id for p, row in lib.rows().items()}
    assert after == before  # the same rows, so the same clips and vectors
    assert lib.check() == []


def test_a_move_between_two_roots_keeps_the_vectors(lib: Lib, watcher_for, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "readme.txt").write_text("an archive root")
    with LibraryStore.open(lib.db) as store:
        store.add_folder(archive)
    write_video(lib.root / "keep.avi", 81)
    (lib.root / "notes.txt").write_text("not empty once the video leaves")  # else it looks unplugged
    w = watcher_for(lib, settle_s=1.0)  # longer than inotify's 0.5 s wait for the other end of a move
    assert wait_for(lambda: lib.indexed() == {"keep.avi"})
    assert w.wait_idle(20)
    old = lib.rows()["keep.avi"]
    encoded = w.stats().indexed
    (lib.root / "keep.avi").rename(archive / "keep.avi")  # two observers: an unpaired delete and create
    assert wait_for(lambda: [v.path for v in lib.rows().values()] == [str(archive / "keep.avi")])
    assert w.wait_idle(20)
    assert [v.id for v in lib.rows().values()] == [old.id]
    assert w.stats().indexed == encoded


def test_a_burst_of_1000_files_is_one_rescan(lib: Lib, watcher_for, tmp_path: Path) -> None:
    dump = lib.root / "dump"
    dump.mkdir()  # an existing folder: its files' events count towards a burst one by one
    w = watcher_for(lib)
    assert w.wait_idle(20)
    baseline = w.stats()
    staging = tmp_path / "staging"
    write_video(staging / "a.avi", 7)
    write_video(staging / "b.avi", 8)
    for i in range(1000):
        (dump / f"sidecar{i:04d}.xml").write_bytes(b"")
    for name in ("a.avi", "b.avi"):
        shutil.copy2(staging / name, dump / name)
    assert wait_for(lambda: lib.indexed() == {"dump/a.avi", "dump/b.avi"})
    assert w.wait_idle(20)
    stats = w.stats()
    assert stats.events - baseline.events >= 1000
    assert stats.bursts - baseline.bursts == 1
    assert stats.syncs - baseline.syncs == 1
    assert stats.folder_rescans - baseline.folder_rescans == 1
    assert stats.indexed - baseline.indexed == 2


def test_a_new_folder_copied_in_is_one_rescan(lib: Lib, watcher_for, tmp_path: Path) -> None:
    staging = tmp_path / "staging" / "holiday"
    for i in range(5):
        write_video(staging / f"h{i}.avi", 70 + i, seconds=1.0, fps=4, size=(64, 48))
    w = watcher_for(lib)
    assert w.wait_idle(20)
    baseline = w.stats()
    shutil.copytree(staging, lib.root / "holiday")
    assert wait_for(lambda: len(lib.indexed()) == 5)
    assert w.wait_idle(20)
    stats = w.stats()
    assert stats.syncs - baseline.syncs == 1
    assert stats.folder_rescans - baseline.folder_rescans == 1
    assert stats.indexed - baseline.indexed == 5


def test_a_root_removed_and_restored_loses_nothing(lib: Lib, watcher_for, tmp_path: Path) -> None:
    write_video(lib.root / "a.avi", 11)
    write_video(lib.root / "sub" / "b.avi", 12)
    w = watcher_for(lib)
    assert wait_for(lambda: lib.indexed() == {"a.avi", "sub/b.avi"})
    assert w.wait_idle(20)
    before = {p: v.id for p, v in lib.rows().items()}
    encoded = w.stats().indexed

    backup = tmp_path / "backup"
    shutil.copytree(lib.root, backup)  # copy2 keeps the mtimes, like a drive coming back
    shutil.rmtree(lib.root)  # the card is pulled: deletes, then the root itself goes
    assert wait_for(lambda: w.status()[str(lib.root)]["state"] == "offline", 10)
    time.sleep(SETTLE * 3)  # give any stray delete every chance to be (wrongly) applied
    assert w.wait_idle(20)
    assert {p: v.id for p, v in lib.rows().items()} == before
    with LibraryStore.open(lib.db) as store:
        assert [f.online for f in store.list_folders()] == [False]

    shutil.copytree(backup, lib.root)
    assert wait_for(lambda: w.status()[str(lib.root)]["state"] == "watching", 10)
    assert w.wait_idle(20)
    assert {p: v.id for p, v in lib.rows().items()} == before
    assert lib.indexed() == set(before)
    assert w.stats().indexed == encoded  # nothing re-encoded on return
    with LibraryStore.open(lib.db) as store:
        assert [f.online for f in store.list_folders()] == [True]
    write_video(lib.root / "c.avi", 13)  # and it is watched again
    assert wait_for(lambda: "c.avi" in lib.indexed())


def test_an_injected_handler_fault_is_recovered(lib: Lib, watcher_for, monkeypatch) -> None:
    w = watcher_for(lib)
    assert w.wait_idle(20)
    real_put = Inbox.put
    faults = {"left": 3}

    def faulty_put(inbox, root, change):
        if faults["left"] > 0:
            faults["left"] -= 1
            raise RuntimeError("injected handler fault")
        real_put(inbox, root, change)

    monkeypatch.setattr(Inbox, "put", faulty_put)  # the watcher's inbox, through its public class
    write_video(lib.root / "lost.avi", 21)  # its first events are lost to the fault
    assert wait_for(lambda: "lost.avi" in lib.indexed())  # the fault's rescan finds it
    assert w.stats().handler_faults == 3
    write_video(lib.root / "later.avi", 22)  # and the observer thread is still alive
    assert wait_for(lambda: "later.avi" in lib.indexed())
    assert w.stats().observer_restarts == 0


def test_a_dead_observer_is_restarted_and_what_it_missed_indexed(lib: Lib, watcher_for, monkeypatch) -> None:
    made: list = []
    real = observers.make_native_observer
    monkeypatch.setattr(observers, "make_native_observer", lambda: made.append(real()) or made[-1])
    w = watcher_for(lib)
    assert w.wait_idle(20)
    assert len(made) == 1
    made[0].stop()  # watchdog's threads die behind the watcher's back
    write_video(lib.root / "missed.avi", 31)
    assert wait_for(lambda: "missed.avi" in lib.indexed())
    assert w.stats().observer_restarts == 1
    write_video(lib.root / "after.avi", 32)
    assert wait_for(lambda: "after.avi" in lib.indexed())


def test_a_root_that_cannot_be_watched_is_polled(lib: Lib, watcher_for, monkeypatch) -> None:
    def refuse():
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(observers, "make_native_observer", refuse)
    w = watcher_for(lib)
    assert w.status()[str(lib.root)]["state"] == "polling"
    with LibraryStore.open(lib.db) as store:
        assert [f.polling for f in store.list_folders()] == [True]
    write_video(lib.root / "polled.avi", 41)
    assert wait_for(lambda: "polled.avi" in lib.indexed())


def test_pause_holds_indexing_until_resume(lib: Lib, watcher_for) -> None:
    w = watcher_for(lib)
    assert w.wait_idle(20)
    w.pause()
    write_video(lib.root / "held.avi", 51)
    time.sleep(SETTLE * 4)
    assert lib.rows() == {}
    w.resume()
    assert wait_for(lambda: "held.avi" in lib.indexed())


def test_stop_returns_and_start_again_catches_up(lib: Lib, watcher_for, tiny) -> None:
    w = watcher_for(lib)
    assert w.wait_idle(20)
    w.stop()  # how long it takes is a figure in tests/bench/watch_bench.py, not an assertion here
    assert not w.is_running
    write_video(lib.root / "while_off.avi", 61)  # changed while nothing ran
    again = watcher_for(lib)
    assert wait_for(lambda: "while_off.avi" in lib.indexed())
    assert again.is_running


def test_the_periodic_rescan_catches_what_events_missed(lib: Lib, watcher_for, monkeypatch) -> None:
    w = watcher_for(lib, rescan_interval_s=1.5)
    assert w.wait_idle(20)
    first_scan = w.status()[str(lib.root)]["last_scan"]
    assert first_scan is not None
    monkeypatch.setattr(Inbox, "put", lambda inbox, root, change: None)  # every event lost: a flaky mount
    write_video(lib.root / "unseen.avi", 91)
    assert wait_for(lambda: "unseen.avi" in lib.indexed())
    assert w.status()[str(lib.root)]["last_scan"] > first_scan
    assert w.stats().root_rescans >= 2


def test_a_new_folder_past_the_watch_limit_is_still_indexed(lib: Lib, watcher_for, monkeypatch) -> None:
    w = watcher_for(lib)
    assert w.wait_idle(20)
    monkeypatch.setattr(supervisor, "watch_limit_reached", lambda path: True)  # the system is out of watches
    write_video(lib.root / "new folder" / "deep.avi", 95)
    assert wait_for(lambda: w.status()[str(lib.root)]["state"] == "polling", 10)
    assert wait_for(lambda: "new folder/deep.avi" in lib.indexed())
    write_video(lib.root / "new folder" / "later.avi", 96)  # seen by polling from now on
    assert wait_for(lambda: "new folder/later.avi" in lib.indexed())
