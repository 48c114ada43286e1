"""The sqlite-vec vec0 table of clip vectors (cosine) and the log readers use to follow its changes.

The table's dimension comes from the model, so it is made when the first vector arrives (meta "dim")
and remade when the model changes (meta "vec_epoch" is bumped so in-memory indexes start over).
sqlite-vec does not honour INSERT OR REPLACE, so a changed clip is always delete + insert in the
caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from engine.store.db import Connection, rows, scalar

TABLE = "clip_vectors"
#: sqlite-vec refuses KNN queries with k above this.
MAX_K = 4096


def get_meta(conn: Connection, key: str) -> str | None:
    value = scalar(conn, "SELECT value FROM meta WHERE key = ?", (key,))
    return None if value is None else str(value)


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def table_exists(conn: Connection) -> bool:
    return bool(rows(conn, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", (TABLE,)))


def vector_dim(conn: Connection) -> int | None:
    """The library's vector dimension, or None before the first vector."""
    value = get_meta(conn, "dim")
    return int(value) if value and table_exists(conn) else None


def epoch(conn: Connection) -> int:
    """Bumped whenever the vector table is remade; in-memory indexes of another epoch are stale."""
    return int(get_meta(conn, "vec_epoch") or 0)


def create_table(conn: Connection, dim: int) -> None:
    """(Re)create the vec0 table for `dim`-dimensional vectors; existing vectors are dropped."""
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING vec0("
        f"clip_id INTEGER PRIMARY KEY, embedding float[{int(dim)}] distance_metric=cosine)"
    )
    conn.execute("DELETE FROM vector_log")
    set_meta(conn, "dim", str(int(dim)))
    set_meta(conn, "vec_epoch", str(epoch(conn) + 1))


def as_blob(vector: np.ndarray, dim: int) -> bytes:
    """A float32 little-endian blob, checked for shape and finiteness."""
    arr = np.ascontiguousarray(np.asarray(vector, dtype="<f4").reshape(-1))
    if arr.shape[0] != dim:
        raise ValueError(f"vector has {arr.shape[0]} dimensions, the library uses {dim}")
    if not np.isfinite(arr).all():
        raise ValueError("vector contains NaN or infinity")
    return arr.tobytes()


def insert(conn: Connection, pairs: Sequence[tuple[int, bytes]]) -> None:
    """Insert (clip_id, blob) pairs and log them."""
    conn.executemany(f"INSERT INTO {TABLE}(clip_id, embedding) VALUES (?, ?)", pairs)
    conn.executemany("INSERT INTO vector_log(clip_id, added) VALUES (?, 1)", [(cid,) for cid, _ in pairs])


def delete_for_videos(conn: Connection, video_ids: Sequence[int]) -> None:
    """Delete (and log) the vectors of these videos' clips; clips themselves are left to the caller."""
    if not video_ids or not table_exists(conn):
        return
    ids = [
        int(r[0])
        for r in conn.execute(
            "SELECT id FROM clips WHERE video_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(video_ids)),),
        )
    ]
    if not ids:
        return
    conn.execute(f"DELETE FROM {TABLE} WHERE clip_id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))
    conn.executemany("INSERT INTO vector_log(clip_id, added) VALUES (?, 0)", [(i,) for i in ids])


def knn(
    conn: Connection, query: bytes, k: int, candidates: Sequence[int] | None = None
) -> list[tuple[int, float]]:
    """Exact cosine KNN by sqlite-vec, optionally restricted to candidate clip ids; (clip_id, cosine)."""
    k = max(1, min(int(k), MAX_K))
    if candidates is None:
        found = rows(
            conn,
            f"SELECT clip_id, distance FROM {TABLE} WHERE embedding MATCH ? AND k = ? ORDER BY distance",
            (query, k),
        )
    else:
        if not candidates:
            return []
        found = rows(
            conn,
            f"SELECT clip_id, distance FROM {TABLE} WHERE embedding MATCH ? AND k = ? "
            "AND clip_id IN (SELECT value FROM json_each(?)) ORDER BY distance",
            (query, k, json.dumps(list(candidates))),
        )
    return [(int(cid), 1.0 - float(dist)) for cid, dist in found]


def fetch(conn: Connection, clip_ids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
    """The stored float32 vectors of these clips (missing ids are absent)."""
    if not clip_ids:
        return {}
    found = rows(
        conn,
        f"SELECT clip_id, embedding FROM {TABLE} WHERE clip_id IN (SELECT value FROM json_each(?))",
        (json.dumps([int(c) for c in clip_ids]),),
    )
    return {int(cid): np.frombuffer(blob, dtype="<f4", count=dim) for cid, blob in found}


def count(conn: Connection) -> int:
    if not table_exists(conn):
        return 0
    return int(scalar(conn, f"SELECT count(*) FROM {TABLE}"))
