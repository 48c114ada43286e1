"""Opening a library: migrations, sqlite-vec loading, and the bad files a user can point us at."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import apsw
import pytest
import sqlite_vec

from engine import config
from engine.errors import DatabaseCorruptError, DatabaseLockedError, SchemaTooNewError, StoreError
from engine.store import LibraryStore
from engine.store.migrations import MIGRATIONS, latest_version

from .conftest import add_video, unit


def test_migrates_an_empty_file_and_records_each_migration(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    with LibraryStore.open(db) as store:
        assert store.path == db
    conn = apsw.Connection(str(db))
    names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY id")]
    assert names == [name for name, _ in MIGRATIONS]
    assert names[0].startswith("m001_")
    assert conn.execute("PRAGMA user_version").fetchall()[0][0] == latest_version()
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert {"meta", "folders", "videos", "clips", "frames", "vector_log", "schema_migrations"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchall()[0][0] == "wal"
    conn.close()


def test_reopening_keeps_data_and_applies_nothing_twice(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        add_video(store, tmp_path / "v", "a.mp4", [unit(1, 0)])
    with LibraryStore.open(db) as store:
        assert store.counts().indexed == 1
        assert store.check() == []
    conn = apsw.Connection(str(db))
    assert conn.execute("SELECT count(*) FROM schema_migrations").fetchall()[0][0] == latest_version()
    conn.close()


def test_default_path_follows_glimpse_home(glimpse_home: Path) -> None:
    with LibraryStore.open() as store:
        assert store.path == config.db_path()
        assert store.path.parent == glimpse_home
    assert (glimpse_home / "library.db").exists()


def test_sqlite_vec_loads_although_this_python_sqlite3_may_not() -> None:
    # The reason the store uses apsw: record what the machine's own sqlite3 can do, then prove ours works.
    stdlib_can_load = hasattr(sqlite3.Connection, "enable_load_extension")
    with LibraryStore.open() as store, store.reading() as conn:
        version = conn.execute("SELECT vec_version()").fetchall()[0][0]
    assert version == "v" + sqlite_vec.__version__
    if not stdlib_can_load:
        with pytest.raises(AttributeError):
            sqlite3.connect(":memory:").enable_load_extension(True)  # type: ignore[attr-defined]


def test_newer_schema_is_refused_with_a_sentence(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    LibraryStore.open(db).close()
    conn = apsw.Connection(str(db))
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="newer version of Glimpse"):
        LibraryStore.open(db)
    with pytest.raises(SchemaTooNewError):
        LibraryStore.open(db, readonly=True)


def test_random_bytes_are_a_corrupt_database_and_the_file_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "junk.db"
    payload = bytes(range(256)) * 64
    db.write_bytes(payload)
    with pytest.raises(DatabaseCorruptError, match="damaged or not a database"):
        LibraryStore.open(db)
    assert db.read_bytes() == payload


def test_a_damaged_page_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "damaged.db"
    with LibraryStore.open(db) as store:
        for i in range(30):
            add_video(store, tmp_path / "v", f"{i}.mp4", [unit(1, i)] * 3)
    data = bytearray(db.read_bytes())
    # Keep the header, scribble over a page in the middle.
    data[4096 * 3 : 4096 * 4] = b"\x42" * 4096
    db.write_bytes(bytes(data))
    # Either opening refuses with a sentence, or the integrity check reports the damage.
    try:
        store = LibraryStore.open(db)
    except DatabaseCorruptError:
        return
    try:
        try:
            problems = store.check()
        except DatabaseCorruptError:
            return
        assert problems, "a scribbled page must not pass the integrity check"
    finally:
        store.close()


def test_locked_database_gives_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    with LibraryStore.open(db) as store:
        folder = store.add_folder(tmp_path / "v")
    holder = apsw.Connection(str(db))
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with LibraryStore.open(db, busy_timeout_s=0.2) as store:
            # WAL readers still read while another program holds the write lock...
            assert [f.id for f in store.list_folders()] == [folder.id]
            # ...but a write gives up after the busy timeout with a sentence.
            with pytest.raises(DatabaseLockedError, match="locked by another program"):
                store.add_pending(folder.id, str(tmp_path / "v" / "a.mp4"), 1, 1.0, "h")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with LibraryStore.open(db) as store:
        assert store.videos() == []


def test_exclusive_lock_on_a_rollback_journal_file_is_locked_error(tmp_path: Path) -> None:
    db = tmp_path / "journal.db"
    holder = apsw.Connection(str(db))
    holder.execute("CREATE TABLE x(a)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseLockedError):
            LibraryStore.open(db, busy_timeout_s=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_readonly_open_needs_an_existing_library(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no library database"):
        LibraryStore.open(tmp_path / "missing.db", readonly=True)
    db = tmp_path / "lib.db"
    LibraryStore.open(db).close()
    with LibraryStore.open(db, readonly=True) as store:
        assert store.list_folders() == []
        with pytest.raises(StoreError, match="read-only"):
            store.add_folder(tmp_path)


def test_use_after_close_is_a_store_error(tmp_path: Path) -> None:
    store = LibraryStore.open(tmp_path / "lib.db")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.counts()
