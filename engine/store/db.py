"""Connections to the library database: apsw + sqlite-vec, WAL, busy timeout, error mapping.

Why apsw and not the standard library's sqlite3: sqlite-vec is a loadable extension, and many Python
builds ship a sqlite3 module compiled without `enable_load_extension` (pyenv builds, macOS's system
Python, and this project's own machines). apsw bundles its own current SQLite that can always load
extensions, so the vector table works on every Python the app runs on.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import apsw
import sqlite_vec

from engine.errors import DatabaseCorruptError, DatabaseLockedError, StoreError

log = logging.getLogger(__name__)

#: How long a statement waits for another connection's lock before giving up.
DEFAULT_BUSY_TIMEOUT_S = 5.0

#: Bytes of the database file read through a memory map (64-bit builds only).
MMAP_SIZE = 1 << 36

Connection = apsw.Connection


def rows(conn: Connection, sql: str, params: Sequence[object] = ()) -> list[Any]:
    """All result rows (typed loosely: SQLite values are checked where used)."""
    return list(conn.execute(sql, tuple(params)).fetchall())


def scalar(conn: Connection, sql: str, params: Sequence[object] = ()) -> Any:
    """The first column of the first row, or None."""
    found = conn.execute(sql, tuple(params)).fetchall()
    return found[0][0] if found else None


def translate_error(err: BaseException, path: Path | str) -> StoreError:
    """Map an apsw exception to the engine's typed store error with a sentence for a person."""
    if isinstance(err, apsw.BusyError | apsw.LockedError):
        return DatabaseLockedError(
            f"The library database {path} is locked by another program; close it or try again shortly."
        )
    if isinstance(err, apsw.NotADBError | apsw.CorruptError):
        return DatabaseCorruptError(
            f"The library database {path} is damaged or not a database; "
            "restore a backup or start a new library."
        )
    if isinstance(err, apsw.CantOpenError):
        return StoreError(f"The library database {path} cannot be opened (missing folder or no permission).")
    if isinstance(err, apsw.ReadOnlyError):
        return StoreError(f"The library database {path} is read-only here.")
    if isinstance(err, apsw.FullError):
        return StoreError(f"The disk holding the library database {path} is full.")
    return StoreError(f"The library database {path} failed: {err}")


@contextmanager
def sql_errors(path: Path | str) -> Iterator[None]:
    """Re-raise any apsw error inside the block as a typed StoreError (chained for the logs)."""
    try:
        yield
    except apsw.Error as err:
        raise translate_error(err, path) from err


def connect(
    path: Path, *, readonly: bool = False, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
) -> Connection:
    """Open one connection with sqlite-vec loaded, WAL on (writable) and a busy timeout.

    Args:
        path: the database file (created when missing unless readonly).
        readonly: open without write access; the file must exist.
        busy_timeout_s: how long to wait for another writer's lock.

    Returns:
        An apsw connection in autocommit mode.
    """
    flags = apsw.SQLITE_OPEN_READONLY if readonly else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
    if readonly and not path.exists():
        raise StoreError(f"There is no library database at {path}.")
    with sql_errors(path):
        conn = apsw.Connection(str(path), flags=flags)
        try:
            conn.setbusytimeout(int(busy_timeout_s * 1000))
            conn.enable_load_extension(True)
            conn.load_extension(sqlite_vec.loadable_path())
            conn.enable_load_extension(False)
            # Touch the file: random bytes fail here (NotADBError), not later in a random place.
            conn.execute("SELECT count(*) FROM sqlite_schema").fetchall()
            if not readonly:
                mode = scalar(conn, "PRAGMA journal_mode=WAL")
                if str(mode).lower() != "wal":
                    log.warning("could not switch %s to WAL (journal_mode=%s)", path, mode)
                # NORMAL in WAL keeps every commit atomic; only the last commits may be lost on power cut.
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            # 64 MB page cache: re-rank reads touch vector chunks scattered over the file.
            conn.execute("PRAGMA cache_size=-65536")
            if sys.maxsize > 2**32:
                # Pages read through a memory map, not one read() each: reading one vector walks a
                # vec0 chunk's overflow pages, 141 -> 24 us a read at 1M clips (measured). It maps
                # address space, not RAM; SQLite caps it at its compile-time maximum. The cost: a disk
                # error while reading becomes a crash (SIGBUS) rather than an error; the library file
                # lives on a local disk (the user's data folder), and nothing here truncates it.
                conn.execute(f"PRAGMA mmap_size={MMAP_SIZE}")
        except BaseException:
            conn.close()
            raise
    return conn


@contextmanager
def write_transaction(conn: Connection, path: Path | str) -> Iterator[Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error; nested use joins the outer transaction."""
    if not conn.getautocommit():
        yield conn
        return
    with sql_errors(path):
        conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        try:
            conn.execute("ROLLBACK")
        except apsw.Error:  # already rolled back by SQLite itself
            log.debug("rollback after error failed", exc_info=True)
        raise
    with sql_errors(path):
        conn.execute("COMMIT")


@contextmanager
def read_transaction(conn: Connection, path: Path | str) -> Iterator[Connection]:
    """A short consistent snapshot for multi-statement reads (joins an open transaction)."""
    if not conn.getautocommit():
        yield conn
        return
    with sql_errors(path):
        conn.execute("BEGIN")
    try:
        yield conn
    finally:
        try:
            conn.execute("COMMIT")
        except apsw.Error:
            log.debug("ending read transaction failed", exc_info=True)
