"""Numbered schema migrations, recorded by name in `schema_migrations`; PRAGMA user_version mirrors the count.

A migration is known by its name (m002_what_it_does), checked at import to be unique and to carry its
position, so two branches that each append an m002 cannot both merge unnoticed; a database that records
a migration this code does not know came from another build and is refused, not guessed at.

A database whose version is higher than the last migration here was written by a newer Glimpse and is
refused (SchemaTooNewError) rather than half-understood. The vector table is not a migration: its
dimension comes from the model and it is made by engine.store.vec_table when first needed.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

from engine.errors import DatabaseCorruptError, SchemaTooNewError, StoreError
from engine.store.db import Connection, rows, scalar

log = logging.getLogger(__name__)

Migration = Callable[[Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


#: m, the migration's position as three digits, then what it does.
MIGRATION_NAME = re.compile(r"m(\d{3})_\w+")


def migration(fn: Migration) -> Migration:
    """Register a migration; applied in order, recorded by its name m<NNN>_<what> (NNN: its position)."""
    name, position = fn.__name__, len(MIGRATIONS) + 1
    if any(name == known for known, _ in MIGRATIONS):
        raise RuntimeError(f"migration {name} is registered twice")
    named = MIGRATION_NAME.fullmatch(name)
    if named is None or int(named.group(1)) != position:
        raise RuntimeError(f"migration {name} is number {position}: name it m{position:03d}_<what it does>")
    MIGRATIONS.append((name, fn))
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
def m002_frame_features(conn: Connection) -> None:
    # One row per clip: its frames' backbone features (int8 codes with a per-frame scale, so a frame
    # costs dim + 8 bytes: 520 B at 512 dims) and their timestamps. Older libraries have no rows here
    # and stay searchable by clip vectors; the next reindex fills them.
    conn.execute(
        """
        CREATE TABLE frame_features (
            clip_id INTEGER PRIMARY KEY REFERENCES clips(id) ON DELETE CASCADE,
            dim INTEGER NOT NULL,
            times BLOB NOT NULL,
            scales BLOB NOT NULL,
            codes BLOB NOT NULL
        );
        """
    )


@migration
def m003_ann_library_id(conn: Connection) -> None:
    # A random id per library: a saved ANN index beside the file names the library it was built from,
    # so an index copied in from another library is never trusted.
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('library_id', lower(hex(randomblob(16))))")


def schema_version(conn: Connection) -> int:
    """The database's schema version (0 for a new file)."""
    return int(scalar(conn, "PRAGMA user_version"))


def latest_version() -> int:
    """The schema version this code writes."""
    return len(MIGRATIONS)


def applied_migrations(conn: Connection) -> list[str]:
    """The names of the migrations the database records, in the order applied (none for a new file)."""
    if not scalar(conn, "SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'"):
        return []
    return [str(r[0]) for r in rows(conn, "SELECT name FROM schema_migrations ORDER BY id")]


def check_version(conn: Connection, path: Path | str) -> int:
    """Refuse a database from a newer (or another) Glimpse; return its version."""
    version = schema_version(conn)
    if version < 0:  # SQLite allows any integer; no Glimpse ever wrote one below 0
        raise DatabaseCorruptError(
            f"The library database {path} has an invalid schema version ({version}); "
            "it is damaged or not a Glimpse library."
        )
    if version > latest_version():
        raise SchemaTooNewError(
            f"The library database {path} was made by a newer version of Glimpse "
            f"(schema {version}, this version knows up to {latest_version()}); update Glimpse to open it."
        )
    known = {name for name, _ in MIGRATIONS}
    unknown = [name for name in applied_migrations(conn) if name not in known]
    if unknown:
        raise SchemaTooNewError(
            f"The library database {path} has schema changes this version of Glimpse does not know "
            f"({', '.join(unknown)}); open it with the Glimpse that made them."
        )
    return version


def migrate(conn: Connection, path: Path | str) -> int:
    """Apply every migration the database does not record, each in its own transaction; return the version."""
    check_version(conn, path)
    if len(applied_migrations(conn)) == latest_version():
        return latest_version()
    for number, (name, fn) in enumerate(MIGRATIONS, start=1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read under the write lock: another process may have migrated meanwhile.
            check_version(conn, path)
            if name in applied_migrations(conn):
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
