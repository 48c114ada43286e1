"""LibraryStore: the one SQLite file of a library (folders, videos, clips, frames, clip vectors).

Concurrency: one writer (the indexer) uses short BEGIN IMMEDIATE transactions; readers (GUI, CLI)
read WAL snapshots and are never blocked by it. Connections are per thread: a LibraryStore may be used
from any thread, each thread gets its own connection on first use (cheap: no migration), and
`LibraryStore.open()` in a worker thread is just as cheap. Everything about one video is written in
one transaction, so a crash leaves the old state or the new one, never orphans.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from engine import config
from engine.errors import StoreError, VideoNotInLibraryError
from engine.paths import system_folder_reason
from engine.store import clip_writes, vec_table
from engine.store import folders as folder_sql
from engine.store.db import (
    DEFAULT_BUSY_TIMEOUT_S,
    Connection,
    connect,
    read_transaction,
    rows,
    scalar,
    sql_errors,
    write_transaction,
)
from engine.store.knn import VectorSearch
from engine.store.migrations import migrate, require_current
from engine.store.queries import LibraryQueries
from engine.store.rows import (
    ClipRecord,
    FolderRow,
)

log = logging.getLogger(__name__)


class LibraryStore(LibraryQueries):
    """A library database; use `LibraryStore.open()`."""

    def __init__(self, path: Path, *, readonly: bool, busy_timeout_s: float) -> None:
        self._path = path
        self._readonly = readonly
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[Connection] = []
        self._closed = False
        self.vectors = VectorSearch.for_path(path)

    # --- lifecycle --------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        readonly: bool = False,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    ) -> LibraryStore:
        """Open (creating and migrating when writable) a library database.

        Args:
            path: the database file; default config.db_path() (GLIMPSE_DB or GLIMPSE_HOME/library.db).
            readonly: never write; the file must exist and be of the current schema.
            busy_timeout_s: how long a statement waits for another program's lock.

        Returns:
            The open store (a context manager; `close()` when done).

        Raises:
            DatabaseLockedError, DatabaseCorruptError, SchemaTooNewError, StoreError: with a sentence.
        """
        db = config.db_path(path)
        if not readonly:
            try:
                db.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreError(f"Cannot create the folder for the library database {db}: {err}.") from err
        store = cls(db, readonly=readonly, busy_timeout_s=busy_timeout_s)
        try:
            conn = store._conn()
            with sql_errors(db):
                if readonly:
                    require_current(conn, db)
                else:
                    migrate(conn, db)
                    store.vectors.prepare()  # a big library's ANN index: built once, in the background
        except BaseException:
            store.close()
            raise
        return store

    @property
    def path(self) -> Path:
        return self._path

    @property
    def readonly(self) -> bool:
        return self._readonly

    def _conn(self) -> Connection:
        """This thread's connection, opened on first use."""
        if self._closed:
            raise StoreError(f"The library database {self._path} is closed.")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self._path, readonly=self._readonly, busy_timeout_s=self._busy_timeout_s)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection (the process-wide vector index of this file stays)."""
        with self._lock:
            self._closed = True
            conns, self._connections = self._connections, []
        for conn in conns:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing must not raise
                log.debug("closing a connection failed", exc_info=True)

    def __enter__(self) -> LibraryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self._readonly:
            raise StoreError(f"The library database {self._path} is open read-only.")
        conn = self._conn()
        with sql_errors(self._path), write_transaction(conn, self._path):
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        conn = self._conn()
        with sql_errors(self._path), read_transaction(conn, self._path):
            yield conn

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group many writes into one transaction (bulk loads); nested writes join it."""
        with self._write():
            yield

    def data_version(self) -> int:
        """Changes when another connection commits (PRAGMA data_version)."""
        with sql_errors(self._path):
            return int(scalar(self._conn(), "PRAGMA data_version"))

    # --- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A library setting (e.g. "model_spec", "model_fingerprint", "dim"), or None."""
        with self._read() as c:
            return vec_table.get_meta(c, key)

    def set_meta(self, key: str, value: str) -> None:
        """Store a library setting."""
        with self._write() as c:
            vec_table.set_meta(c, key, str(value))

    def model_fingerprint(self) -> str | None:
        """The fingerprint of the model the library's vectors were made with (None when empty)."""
        return self.get_meta("model_fingerprint")

    # --- folders ----------------------------------------------------------------------------------
    def add_folder(self, path: str | os.PathLike[str], excludes: Sequence[str] = ()) -> FolderRow:
        """Add a library root (idempotent: the same root, even through a symlink, is returned unchanged)."""
        p = folder_sql.folder_path(path)
        reason = system_folder_reason(p)
        if reason is not None:
            raise StoreError(f"{p} cannot be a library folder: {reason}.")
        try:
            p.encode("utf-8")
        except UnicodeEncodeError as err:
            raise StoreError(
                f"{p!r} cannot be a library folder: its name is not valid UTF-8; rename it first."
            ) from err
        with self._write() as c:
            if folder_sql.find_folder_id(c, p) is None:
                params = (p, json.dumps(list(excludes)))
                c.execute("INSERT INTO folders(path, excludes) VALUES (?, ?)", params)
        row = self.find_folder(p)
        assert row is not None
        return row

    def find_folder(self, path: str | os.PathLike[str]) -> FolderRow | None:
        """The library folder at `path` (as stored, or the same real location through symlinks), or None."""
        with self._read() as c:
            folder_id = folder_sql.find_folder_id(c, os.fspath(path))
            return None if folder_id is None else folder_sql.folder_rows(c, folder_id)[0]

    def remove_folder(self, path: str | os.PathLike[str]) -> None:
        """Forget a root and every video, clip, frame and vector under it.

        Videos that another library folder also covers (the root was nested in it) are handed to that
        folder instead, vectors and all.
        """
        with self._write() as c:
            folder_id = folder_sql.find_folder_id(c, os.fspath(path))
            if folder_id is not None:
                folder_sql.remove_folder(c, folder_id)

    def folder_device(self, folder_id: int) -> int | None:
        """The device (st_dev) the root was last seen on holding files, or None."""
        with self._read() as c:
            return folder_sql.folder_device(c, folder_id)

    def offline_roots(self) -> set[str]:
        """Paths of the library folders that are offline now (checked on disk, not the stored flag)."""
        with self._read() as c:
            return folder_sql.offline_roots(c)

    def set_folder_device(self, folder_id: int, device: int) -> None:
        with self._write() as c:
            if folder_sql.folder_device(c, folder_id) != device:
                folder_sql.set_folder_device(c, folder_id, device)

    def list_folders(self) -> list[FolderRow]:
        """Every library root, in the order added."""
        with self._read() as c:
            return folder_sql.folder_rows(c)

    def set_folder_state(
        self, folder_id: int, *, online: bool | None = None, polling: bool | None = None
    ) -> None:
        """Mark a root online/offline and whether it is watched by polling."""
        with self._write() as c:
            if online is not None:
                c.execute("UPDATE folders SET online = ? WHERE id = ?", (int(online), folder_id))
            if polling is not None:
                c.execute("UPDATE folders SET polling = ? WHERE id = ?", (int(polling), folder_id))

    def set_folder_excludes(self, folder_id: int, excludes: list[str]) -> None:
        """Replace a root's exclude patterns."""
        with self._write() as c:
            c.execute("UPDATE folders SET excludes = ? WHERE id = ?", (json.dumps(list(excludes)), folder_id))

    # --- videos -----------------------------------------------------------------------------------
    def add_pending(
        self, folder_id: int, path: str | os.PathLike[str], size: int, mtime: float, content_hash: str
    ) -> int:
        """Record a video to index: a new row, or the existing row set back to pending; returns its id.

        Its old clips stay searchable until save_video replaces them.
        """
        with self._write() as c:
            video_id = scalar(
                c,
                "INSERT INTO videos(folder_id, path, size, mtime, content_hash, status) "
                "VALUES (?, ?, ?, ?, ?, 'pending') ON CONFLICT(path) DO UPDATE SET "
                "folder_id = excluded.folder_id, "
                "size = excluded.size, mtime = excluded.mtime, content_hash = excluded.content_hash, "
                "status = 'pending', error = NULL RETURNING id",
                (folder_id, os.fspath(path), int(size), float(mtime), content_hash),
            )
        return int(video_id)

    def save_video(
        self,
        video_id: int,
        *,
        duration: float,
        fingerprint: str,
        clips: Sequence[ClipRecord],
        size: int,
        mtime: float,
        content_hash: str,
        model_spec: str | None = None,
        backbone: str | None = None,
    ) -> None:
        """Replace a video's clips, frames and vectors and mark it indexed, in ONE transaction.

        Args:
            video_id: a row from add_pending.
            duration: seconds.
            fingerprint: the model's fingerprint; a different one from the library's switches the library
                to the new model (every other video goes back to pending, old vectors are dropped).
            clips: at least one clip; vectors of the model's dimension (normalized here if needed).
            size, mtime, content_hash: the file as it was read.
            model_spec: the model's spec, recorded as the library's ("model_spec") in the same
                transaction, so the spec never names another model than the stored vectors'.
            backbone: the model's backbone fingerprint, recorded ("backbone_fingerprint") with the frame
                features (written for each clip whose frames all carry a `feature`).

        Raises:
            StoreError: unknown video, no clips, or a bad vector; nothing is written then.
        """
        prepared = clip_writes.prepare_clips(clips)
        dim = prepared[0][0].shape[0]
        with self._write() as c:
            if not rows(c, "SELECT 1 FROM videos WHERE id = ?", (video_id,)):
                raise VideoNotInLibraryError(f"Video {video_id} is not in the library.")
            clip_writes.ensure_model(c, fingerprint, dim)
            if model_spec and vec_table.get_meta(c, "model_spec") != model_spec:
                vec_table.set_meta(c, "model_spec", model_spec)
            with_features = clip_writes.replace_clips(c, video_id, prepared)
            if backbone and with_features and vec_table.get_meta(c, "backbone_fingerprint") != backbone:
                vec_table.set_meta(c, "backbone_fingerprint", backbone)
            c.execute(
                "UPDATE videos SET status = 'indexed', error = NULL, duration = ?, fingerprint = ?, "
                "size = ?, "
                "mtime = ?, content_hash = ?, indexed_at = ? WHERE id = ?",
                (float(duration), fingerprint, int(size), float(mtime), content_hash, time.time(), video_id),
            )

    def requeue_videos(self, video_ids: Sequence[int]) -> None:
        """Drop these videos' clips and vectors and set them pending (they must be decoded again)."""
        if not video_ids:
            return
        with self._write() as c:
            vec_table.delete_for_videos(c, list(video_ids))
            ids = json.dumps([int(i) for i in video_ids])
            c.execute("DELETE FROM clips WHERE video_id IN (SELECT value FROM json_each(?))", (ids,))
            c.execute(
                "UPDATE videos SET status = 'pending', fingerprint = NULL "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (ids,),
            )

    def mark_failed(self, video_id: int, reason: str, *, size: int, mtime: float, content_hash: str) -> None:
        """Mark a video failed with a short reason; its (now stale) clips are removed."""
        with self._write() as c:
            vec_table.delete_for_videos(c, [video_id])
            c.execute("DELETE FROM clips WHERE video_id = ?", (video_id,))
            c.execute(
                "UPDATE videos SET status = 'failed', error = ?, size = ?, mtime = ?, content_hash = ?, "
                "indexed_at = ? WHERE id = ?",
                (str(reason), int(size), float(mtime), content_hash, time.time(), video_id),
            )

    def move_video(
        self, video_id: int, *, new_path: str | os.PathLike[str], folder_id: int, size: int, mtime: float
    ) -> None:
        """Point a video at its new path (a rename or move); clips and vectors are kept."""
        with self._write() as c:
            # A row already at the new path (the file it named is gone: replaced by the moved one).
            stale = [
                int(r[0])
                for r in rows(
                    c, "SELECT id FROM videos WHERE path = ? AND id != ?", (os.fspath(new_path), video_id)
                )
            ]
            vec_table.delete_for_videos(c, stale)
            c.execute("DELETE FROM videos WHERE path = ? AND id != ?", (os.fspath(new_path), video_id))
            c.execute(
                "UPDATE videos SET path = ?, folder_id = ?, size = ?, mtime = ? WHERE id = ?",
                (os.fspath(new_path), folder_id, int(size), float(mtime), video_id),
            )

    def delete_video(self, video_id: int) -> None:
        """Forget a video with its clips, frames and vectors."""
        with self._write() as c:
            vec_table.delete_for_videos(c, [video_id])
            c.execute("DELETE FROM videos WHERE id = ?", (video_id,))
