"""Numbered schema migrations, recorded in `schema_migrations`; PRAGMA user_version mirrors the count.

A database whose version is higher than the last migration here was written by a newer Glimpse and is
refused (SchemaTooNewError) rather than half-understood. The vector table is not a migration: its
dimension comes from the model and it is made by engine.store.vec_table when first needed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from engine.errors import SchemaTooNewError, StoreError
from engine.store.db import Connection, scalar

log = logging.getLogger(__name__)

Migration = Callable[[Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register a migration; names are m001_..., applied in order."""
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(conn: Connection) -> None:
    conn.execute(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE folders (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            excludes TEXT NOT NULL DEFAULT '[]',
            online INTEGER NOT NULL DEFAULT 1,
            polling INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE videos (
            id INTEGER PRIMARY KEY,
            folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            path TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            mtime REAL NOT NULL,
            content_hash TEXT NOT NULL,
            duration REAL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'indexed', 'failed')),
            error TEXT,
            fingerprint TEXT,
            indexed_at REAL
        );
        CREATE INDEX videos_folder ON videos(folder_id);
        CREATE INDEX videos_hash ON videos(content_hash);
        CREATE INDEX videos_status ON videos(status);
        -- AUTOINCREMENT: clip ids are never reused, so an in-memory vector index can trust them.
        CREATE TABLE clips (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
            start REAL NOT NULL,
            "end" REAL NOT NULL
        );
        CREATE INDEX clips_video ON clips(video_id);
        CREATE TABLE frames (
            id INTEGER PRIMARY KEY,
            clip_id INTEGER NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
            t REAL NOT NULL,
            weight REAL NOT NULL,
            thumb BLOB
        );
        CREATE INDEX frames_clip ON frames(clip_id);
        -- Every vector insert/delete, in commit order: readers' in-memory indexes catch up from here.
        CREATE TABLE vector_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            clip_id INTEGER NOT NULL,
            added INTEGER NOT NULL
        );
        """
    )


@migration
def m002_ann_library_id(conn: Connection) -> None:
    # A random id per library: a saved ANN index beside the file names the library it was built from,
    # so an index copied in from another library is never trusted.
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('library_id', lower(hex(randomblob(16))))")


def schema_version(conn: Connection) -> int:
    """The database's schema version (0 for a new file)."""
    return int(scalar(conn, "PRAGMA user_version"))


def latest_version() -> int:
    """The schema version this code writes."""
    return len(MIGRATIONS)


def check_version(conn: Connection, path: Path | str) -> int:
    """Refuse a database from a newer Glimpse; return its version."""
    version = schema_version(conn)
    if version > latest_version():
        raise SchemaTooNewError(
            f"The library database {path} was made by a newer version of Glimpse "
            f"(schema {version}, this version knows up to {latest_version()}); update Glimpse to open it."
        )
    return version


def migrate(conn: Connection, path: Path | str) -> int:
    """Apply every pending migration, each in its own transaction; return the new version."""
    version = check_version(conn, path)
    if version == latest_version():
        return version
    for number, (name, fn) in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            current = check_version(conn, path)
            if current >= number:
                conn.execute("COMMIT")
                continue
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
            )
            fn(conn)
            conn.execute(
                "INSERT INTO schema_migrations(id, name, applied_at) VALUES (?, ?, ?)",
                (number, name, time.time()),
            )
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
            log.info("applied migration %s to %s", name, path)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return latest_version()


def require_current(conn: Connection, path: Path | str) -> None:
    """For read-only opens: the schema must be exactly current (no migration possible)."""
    version = check_version(conn, path)
    if version < latest_version():
        raise StoreError(
            f"The library database {path} needs an upgrade; open it once with Glimpse (not read-only) first."
        )
