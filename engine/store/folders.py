"""Library folder identity and hand-over: SQL for the folders table that LibraryStore's methods share.

A folder is identified by its real location: the same folder given twice (once through a symlink)
is one library folder, shown by the path the user gave first. Videos belong to the deepest library
folder holding them, so removing a nested folder hands its videos to the folder around it.
"""

from __future__ import annotations

import json
import os

from engine.paths import deepest_root, real_path, root_is_offline
from engine.store import vec_table
from engine.store.db import Connection
from engine.store.rows import FolderRow

#: Meta key prefix of the device (st_dev) a root was last seen on, holding files.
DEVICE_KEY = "folder_device:"


def folder_path(path: str | os.PathLike[str]) -> str:
    """A folder as stored: absolute, user-expanded, symlinks kept (the path the user gave)."""
    return os.path.abspath(os.path.expanduser(os.fspath(path)))


def folder_rows(conn: Connection, folder_id: int | None = None) -> list[FolderRow]:
    """Every library folder in the order added (or just the one with this id)."""
    sql = "SELECT id, path, excludes, online, polling FROM folders"
    found = (
        conn.execute(sql + " ORDER BY id")
        if folder_id is None
        else conn.execute(sql + " WHERE id = ?", (folder_id,))
    )
    return [
        FolderRow(int(i), str(p), list(json.loads(str(e))), bool(online), bool(polling))
        for i, p, e, online, polling in found
    ]


def find_folder_id(conn: Connection, path: str) -> int | None:
    """The id of the library folder at `path`: by the path as stored, else by the same real location."""
    p = folder_path(path)
    found = list(conn.execute("SELECT id, path FROM folders ORDER BY id"))
    for folder_id, stored in found:
        if stored == p:
            return int(folder_id)
    real = real_path(p)
    for folder_id, stored in found:
        if real_path(str(stored)) == real:
            return int(folder_id)
    return None


def remove_folder(conn: Connection, folder_id: int) -> None:
    """Forget a folder; its videos that another library folder covers move to it, the rest are deleted."""
    others = {
        str(p): int(i) for i, p in conn.execute("SELECT id, path FROM folders WHERE id != ?", (folder_id,))
    }
    doomed: list[int] = []
    for video_id, video_path in list(
        conn.execute("SELECT id, path FROM videos WHERE folder_id = ?", (folder_id,))
    ):
        owner = deepest_root(str(video_path), others)
        if owner is None:
            doomed.append(int(video_id))
        else:
            conn.execute("UPDATE videos SET folder_id = ? WHERE id = ?", (others[owner], int(video_id)))
    vec_table.delete_for_videos(conn, doomed)
    conn.execute("DELETE FROM videos WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(doomed),))
    conn.execute("DELETE FROM folders WHERE id = ?", (folder_id,))
    conn.execute("DELETE FROM meta WHERE key = ?", (f"{DEVICE_KEY}{folder_id}",))


def folder_device(conn: Connection, folder_id: int) -> int | None:
    """The device a root was last seen on holding files, or None."""
    value = vec_table.get_meta(conn, f"{DEVICE_KEY}{folder_id}")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def set_folder_device(conn: Connection, folder_id: int, device: int) -> None:
    vec_table.set_meta(conn, f"{DEVICE_KEY}{folder_id}", str(int(device)))


def offline_roots(conn: Connection) -> set[str]:
    """The library folders offline right now, by `engine.paths.root_is_offline` on the disk as it is.

    The disk, not the stored flag: the flag is refreshed by scans and the watcher, so it lags when a
    drive was unplugged since (or came back).
    """
    counts = {
        int(f): int(n) for f, n in conn.execute("SELECT folder_id, count(*) FROM videos GROUP BY folder_id")
    }
    out: set[str] = set()
    for folder_id, path in list(conn.execute("SELECT id, path FROM folders")):
        known = counts.get(int(folder_id), 0)
        if root_is_offline(str(path), known, folder_device(conn, int(folder_id))):
            out.add(str(path))
    return out
