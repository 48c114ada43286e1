"""The supervisor over a real store and real watchdog observers (no indexer involved)."""

from __future__ import annotations

import errno
import logging
import os
import time
from pathlib import Path

import pytest

from engine.indexing.watch import observers, supervisor
from engine.indexing.watch.inbox import Drained, Inbox, RequestKind
from engine.indexing.watch.observers import EnqueueHandler, is_network_path, mount_fs_type
from engine.indexing.watch.roots import StoreLibrary
from engine.indexing.watch.supervisor import RootState, Supervisor
from engine.indexing.watch.types import Change, ChangeKind
from engine.store import LibraryStore


def wait_for(predicate, timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


@pytest.fixture
def store(tmp_path: Path):
    with LibraryStore.open(tmp_path / "lib.db") as s:
        yield s


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "keep.txt").write_text("not empty")
    return folder


def make_supervisor(store: LibraryStore, inbox: Inbox, **kw) -> Supervisor:
    kw.setdefault("poll_interval_s", 0.2)
    kw.setdefault("health_interval_s", 3600.0)  # tests call check() themselves
    return Supervisor(StoreLibrary(store), inbox, **kw)


@pytest.fixture
def native_observers(monkeypatch) -> list:
    """Every watchdog observer the supervisor starts for a root, newest last (through the public factory)."""
    made: list = []
    real = observers.make_native_observer

    def make():
        made.append(real())
        return made[-1]

    monkeypatch.setattr(observers, "make_native_observer", make)
    return made


def kill(observer) -> None:
    """Stop watchdog's threads behind the supervisor's back, as a crash in them would."""
    observer.stop()
    observer.join(5)
    assert not observer.is_alive()


def collect(inbox: Inbox, name: str, timeout: float = 5.0) -> Drained:
    """Drain the inbox until a change to a file called `name` arrived; everything drained on the way."""
    seen = Drained()

    def arrived() -> bool:
        got = inbox.drain()
        seen.changes.extend(got.changes)
        seen.requests.extend(got.requests)
        return any(name in (os.path.basename(c.path), os.path.basename(c.dest)) for c in seen.changes)

    wait_for(arrived, timeout)
    return seen


def changes_for(inbox: Inbox, name: str, timeout: float = 5.0) -> list[Change]:
    return collect(inbox, name, timeout).changes


def test_roots_are_watched_by_events_and_a_start_up_rescan_is_asked(store, root, tmp_path) -> None:
    store.add_folder(root)
    inbox = Inbox()
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        assert sup.status()[str(root)].state == RootState.WATCHING
        drained = inbox.drain()
        assert [(r.kind, r.root) for r in drained.requests] == [(RequestKind.RESCAN, str(root))]
        (root / "new.mp4").write_bytes(b"v")
        kinds: set[ChangeKind] = set()

        def closed() -> bool:
            kinds.update(c.kind for c in inbox.drain().changes if c.path.endswith("new.mp4"))
            return ChangeKind.CLOSED in kinds

        assert wait_for(closed)
        assert ChangeKind.CREATED in kinds
        assert [(f.online, f.polling) for f in store.list_folders()] == [(True, False)]
    finally:
        sup.stop()


def test_a_watch_limit_falls_back_to_polling_and_says_so(store, root, monkeypatch) -> None:
    folder = store.add_folder(root)

    def refuse():
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr(observers, "make_native_observer", refuse)
    inbox = Inbox()
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        status = sup.status()[str(root)]
        assert status.state == RootState.POLLING
        assert "limit" in status.reason
        assert [f.polling for f in store.list_folders() if f.id == folder.id] == [True]
        assert [(f.online, f.polling) for f in store.list_folders()] == [(True, True)]
        (root / "polled.mp4").write_bytes(b"v")
        changes = changes_for(inbox, "polled.mp4")
        assert any(c.path.endswith("polled.mp4") and not c.tracks_writes for c in changes)
    finally:
        sup.stop()


def test_the_watch_limit_probe_passes_on_an_ordinary_folder(tmp_path) -> None:
    assert observers.watch_limit_reached(str(tmp_path)) is False


def test_sub_folders_past_the_watch_limit_switch_the_root_to_polling(store, root, monkeypatch) -> None:
    folder = store.add_folder(root)
    inbox = Inbox()
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        assert sup.status()[str(root)].state == RootState.WATCHING
        inbox.drain()
        # watchdog skips a new sub-folder it cannot watch without a word; the probe is what tells.
        monkeypatch.setattr(supervisor, "watch_limit_reached", lambda path: True)
        sup.check()
        assert sup.status()[str(root)].state == RootState.WATCHING  # no new folder, no probe
        sup.note_new_folder(str(root))
        sup.check()
        status = sup.status()[str(root)]
        assert status.state == RootState.POLLING and "limit" in status.reason
        assert [f.polling for f in store.list_folders() if f.id == folder.id] == [True]
        assert [(r.kind, r.reason) for r in inbox.drain().requests] == [
            (RequestKind.RESCAN, "watch limit reached")
        ]
    finally:
        sup.stop()


def test_a_root_started_at_the_watch_limit_is_polled(store, root, monkeypatch) -> None:
    store.add_folder(root)
    monkeypatch.setattr(supervisor, "watch_limit_reached", lambda path: True)
    sup = make_supervisor(store, Inbox())
    sup.start()
    try:
        status = sup.status()[str(root)]
        assert status.state == RootState.POLLING and "limit" in status.reason
    finally:
        sup.stop()


def test_network_file_systems_are_polled() -> None:
    mounts = (
        "/dev/sda1 / ext4 rw 0 0\n"
        "nas:/export /mnt/nas nfs4 rw 0 0\n"
        "//srv/share /mnt/my\\040share cifs rw 0 0\n"
        "/dev/sdb1 /mnt/nas/local ext4 rw 0 0\n"
    )
    assert mount_fs_type("/mnt/nas/films/a.mp4", mounts) == "nfs4"
    assert is_network_path("/mnt/nas/films", mounts)
    assert is_network_path("/mnt/my share/x", mounts)
    assert not is_network_path("/mnt/nas/local/x", mounts)  # a local disk mounted inside the share
    assert not is_network_path("/home/me/videos", mounts)


def test_a_root_missing_at_start_up_is_offline(store, tmp_path) -> None:
    gone = tmp_path / "never-mounted"
    folder = store.add_folder(gone)
    inbox = Inbox()
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        assert sup.status()[str(gone)].state == RootState.OFFLINE
        assert [f.online for f in store.list_folders() if f.id == folder.id] == [False]
        assert inbox.drain().requests == []  # nothing to rescan, nothing to forget
    finally:
        sup.stop()


def test_a_vanished_root_goes_offline_and_comes_back(store, root, tmp_path) -> None:
    folder = store.add_folder(root)
    inbox = Inbox()
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        inbox.drain()
        away = tmp_path / "unplugged"
        root.rename(away)
        sup.check()
        assert sup.status()[str(root)].state == RootState.OFFLINE
        assert not sup.is_online(str(root))
        assert [f.online for f in store.list_folders() if f.id == folder.id] == [False]
        assert [(r.kind, r.root) for r in inbox.drain().requests] == [(RequestKind.OFFLINE, str(root))]
        away.rename(root)
        sup.check()
        assert sup.status()[str(root)].state == RootState.WATCHING
        assert [f.online for f in store.list_folders() if f.id == folder.id] == [True]
        assert [(r.kind, r.reason) for r in inbox.drain().requests] == [(RequestKind.RESCAN, "back online")]
    finally:
        sup.stop()


def test_an_emptied_root_with_known_videos_is_offline(store, root) -> None:
    folder = store.add_folder(root)
    store.add_pending(folder.id, str(root / "a.mp4"), 1, 1.0, "hash")
    inbox = Inbox()
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        assert sup.status()[str(root)].state == RootState.WATCHING
        (root / "keep.txt").unlink()  # an empty mount point: the drive went away
        sup.check()
        assert sup.status()[str(root)].state == RootState.OFFLINE
        assert "empty" in sup.status()[str(root)].reason
    finally:
        sup.stop()


def test_an_emptied_root_on_its_recorded_device_is_a_deletion_not_an_outage(store, root) -> None:
    folder = store.add_folder(root)
    store.add_pending(folder.id, str(root / "a.mp4"), 1, 1.0, "hash")
    store.set_folder_device(folder.id, os.stat(root).st_dev)  # seen holding files on this device
    inbox = Inbox()
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        (root / "keep.txt").unlink()  # the user emptied the folder; it is still on its own device
        sup.check()
        assert sup.status()[str(root)].state == RootState.WATCHING
        store.set_folder_device(folder.id, os.stat(root).st_dev + 1)  # as if the drive had been unmounted
        sup.check()
        assert sup.status()[str(root)].state == RootState.OFFLINE
    finally:
        sup.stop()


def test_a_dead_observer_is_restarted_and_its_root_rescanned(store, root, native_observers) -> None:
    store.add_folder(root)
    inbox = Inbox()
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        inbox.drain()
        assert len(native_observers) == 1 and sup.status()[str(root)].state == RootState.WATCHING
        kill(native_observers[0])
        sup.check()
        status = sup.status()[str(root)]
        assert status.restarts == 1 and status.state == RootState.WATCHING
        assert len(native_observers) == 2 and native_observers[1].is_alive()
        assert [(r.kind, r.reason) for r in inbox.drain().requests] == [
            (RequestKind.RESCAN, "observer restarted")
        ]
        (root / "after.mp4").write_bytes(b"v")
        assert any(c.path.endswith("after.mp4") for c in changes_for(inbox, "after.mp4"))
    finally:
        sup.stop()


def test_repeated_deaths_switch_a_root_to_polling(store, root, monkeypatch, native_observers) -> None:
    store.add_folder(root)
    monkeypatch.setattr(supervisor, "TROUBLE_LIMIT", 2)
    sup = make_supervisor(store, Inbox())
    sup.start()
    try:
        for _ in range(2):
            kill(native_observers[-1])
            sup.check()
        status = sup.status()[str(root)]
        assert status.state == RootState.POLLING
        assert status.restarts == 2
        assert len(native_observers) == 2  # polling now: no third native observer
    finally:
        sup.stop()


def test_a_handler_fault_never_escapes_and_watching_goes_on(store, root) -> None:
    store.add_folder(root)
    inbox = Inbox()
    faults: list[tuple[str, Exception]] = []
    sup = make_supervisor(store, inbox, on_fault=lambda r, e: faults.append((r, e)))
    real_put = inbox.put
    calls = {"n": 0}

    def flaky_put(r: str, change: Change) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("injected fault")
        real_put(r, change)

    inbox.put = flaky_put  # type: ignore[method-assign]
    sup.start()
    try:
        inbox.drain()
        (root / "first.mp4").write_bytes(b"v")
        assert wait_for(lambda: faults)
        assert faults[0][0] == str(root) and "injected" in str(faults[0][1])
        (root / "second.mp4").write_bytes(b"v")
        seen = collect(inbox, "second.mp4")
        assert any(c.path.endswith("second.mp4") for c in seen.changes)
        sup.check()
        assert sup.status()[str(root)].restarts == 0  # the observer survived its handler's fault
        # The lost event is made good by a rescan of its root.
        assert (RequestKind.RESCAN, str(root), "handler fault") in [
            (r.kind, r.root, r.reason) for r in seen.requests
        ]
    finally:
        sup.stop()


def test_the_handler_swallows_an_unconvertible_event() -> None:
    faults: list[Exception] = []
    handler = EnqueueHandler("/r", lambda c: None, lambda r, e: faults.append(e), tracks_writes=True)

    from watchdog.events import FileCreatedEvent

    handler.dispatch(FileCreatedEvent(12345))  # type: ignore[arg-type]  # a path os.fsdecode refuses
    assert len(faults) == 1 and isinstance(faults[0], TypeError)


def test_an_overflow_warning_from_a_roots_observer_asks_for_a_rescan(store, root, native_observers) -> None:
    """watchdog reports a kernel queue overflow only as a log warning from the observer's threads.

    The warning is logged here from the observer's own dispatch thread (a handler call), the way
    watchdog logs it; forcing a real kernel overflow would mean holding watchdog's private reader lock.
    """
    store.add_folder(root)
    inbox = Inbox()
    real_put = inbox.put

    def put_then_overflow(r: str, change: Change) -> None:
        if change.path.endswith("burst.mp4"):
            logging.getLogger(observers.INOTIFY_LOGGER).warning("Inotify queue overflowed; events were lost")
        real_put(r, change)

    inbox.put = put_then_overflow  # type: ignore[method-assign]
    sup = make_supervisor(store, inbox)
    sup.start()
    try:
        inbox.drain()
        assert sup.status()[str(root)].overflows == 0
        (root / "burst.mp4").write_bytes(b"v")

        def overflowed() -> bool:
            sup.check()
            return sup.status()[str(root)].overflows > 0

        assert wait_for(overflowed)
        assert any(r.reason == "queue overflow" and r.root == str(root) for r in inbox.drain().requests)
        assert sup.status()[str(root)].restarts == 0 and native_observers[0].is_alive()
    finally:
        sup.stop()
