"""A folder's state is decided, worded and written in one place (engine.indexing.watch.roots)."""

from __future__ import annotations

from pathlib import Path

from engine.indexing.watch.roots import RootState, record_state, root_state, stored_state
from engine.store import LibraryStore


def test_offline_wins_then_polling_then_online() -> None:
    assert root_state(online=False, polling=True) == RootState.OFFLINE
    assert root_state(online=True, polling=True) == RootState.POLLING
    assert root_state(online=True, polling=False) == RootState.ONLINE
    assert RootState.POLLING.text == "polling (no file events)"
    assert {s.text for s in RootState} >= {"watching", "offline", "online"}


def test_the_one_writer_and_the_one_reader_agree(tmp_path: Path) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    with LibraryStore.open(tmp_path / "lib.db") as store:
        row = store.add_folder(folder)
        record_state(store, row.id, RootState.POLLING)
        assert stored_state(store.find_folder(folder), set()) == RootState.POLLING
        record_state(store, row.id, RootState.ONLINE)  # a scan keeps what the watcher set
        assert stored_state(store.find_folder(folder), set()) == RootState.POLLING
        record_state(store, row.id, RootState.WATCHING)
        now = store.find_folder(folder)
        assert now is not None and now.online and not now.polling
        assert stored_state(now, set()) == RootState.ONLINE
        assert stored_state(now, {now.path}) == RootState.OFFLINE  # the disk as it is now wins
        record_state(store, row.id, RootState.OFFLINE)
        gone = store.find_folder(folder)
        assert gone is not None and not gone.online
