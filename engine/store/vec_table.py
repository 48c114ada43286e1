"""The sqlite-vec vec0 table of clip vectors (cosine) and the log readers use to follow its changes.

The table's dimension comes from the model, so it is made when the first vector arrives (meta "dim")
and remade when the model changes (meta "vec_epoch" is bumped so in-memory indexes start over).
sqlite-vec does not honour INSERT OR REPLACE, so a changed clip is always delete + insert in the
caller's transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence

import numpy as np

from engine.errors import DatabaseCorruptError
from engine.store.db import Connection, rows, scalar

log = logging.getLogger(__name__)

TABLE = "clip_vectors"
#: sqlite-vec refuses KNN queries with k above this.
MAX_K = 4096
#: Vectors per vec0 chunk. sqlite-vec's default (1024) makes each chunk a 2 MB blob, and reading one
#: vector from it walks up to 512 overflow pages (~0.5-1 ms); 64-vector chunks (128 KB) keep the
#: exact re-rank reads cheap and cost sqlite-vec's own scan little.
CHUNK_SIZE = 64
#: Log rows kept for readers that fall behind; a reader further behind rebuilds its index.
LOG_KEEP = 200_000


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
    if not value or not table_exists(conn):
        return None
    if not value.isdigit() or int(value) == 0:
        raise DatabaseCorruptError(
            f"The library's vector dimension is recorded as {value!r}, not a positive number: "
            "the database is damaged."
        )
    return int(value)


def epoch(conn: Connection) -> int:
    """Bumped whenever the vector table is remade; in-memory indexes of another epoch are stale."""
    return int(get_meta(conn, "vec_epoch") or 0)


def create_table(conn: Connection, dim: int) -> None:
    """(Re)create the vec0 table for `dim`-dimensional vectors; existing vectors are dropped."""
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    conn.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING vec0("
        f"clip_id INTEGER PRIMARY KEY, embedding float[{int(dim)}] distance_metric=cosine, "
        f"chunk_size={CHUNK_SIZE})"
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
    """Insert (clip_id, blob) pairs and log them (the ANN index follows the log)."""
    conn.executemany(f"INSERT INTO {TABLE}(clip_id, embedding) VALUES (?, ?)", pairs)
    conn.executemany("INSERT INTO vector_log(clip_id, added) VALUES (?, 1)", [(cid,) for cid, _ in pairs])
    trim_log(conn)


def trim_log(conn: Connection, keep: int | None = None) -> None:
    """Drop the oldest log rows once the log holds twice `keep` (cheap: two index lookups)."""
    keep = LOG_KEEP if keep is None else keep
    lo = scalar(conn, "SELECT min(seq) FROM vector_log")
    hi = scalar(conn, "SELECT max(seq) FROM vector_log")
    if lo is not None and hi is not None and int(hi) - int(lo) > 2 * keep:
        conn.execute("DELETE FROM vector_log WHERE seq <= ?", (int(hi) - keep,))


def log_position(conn: Connection) -> int:
    """The last log sequence number ever assigned (0 before any)."""
    return int(scalar(conn, "SELECT seq FROM sqlite_sequence WHERE name = 'vector_log'") or 0)


def log_since(conn: Connection, seq: int) -> tuple[int | None, list[tuple[int, bool]]]:
    """(oldest seq still logged, [(clip_id, added)] after `seq` in commit order)."""
    lo = scalar(conn, "SELECT min(seq) FROM vector_log")
    changes = [
        (int(cid), bool(added))
        for cid, added in rows(
            conn, "SELECT clip_id, added FROM vector_log WHERE seq > ? ORDER BY seq", (seq,)
        )
    ]
    return (None if lo is None else int(lo)), changes


def pending_changes(conn: Connection, seq: int) -> int:
    """How many log rows follow `seq` (bounded by the seq range, no scan)."""
    hi = scalar(conn, "SELECT max(seq) FROM vector_log")
    return 0 if hi is None else max(0, int(hi) - seq)


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
    # One point delete per row: vec0 answers `clip_id IN (...)` with a full scan.
    conn.executemany(f"DELETE FROM {TABLE} WHERE clip_id = ?", [(i,) for i in ids])
    conn.executemany("INSERT INTO vector_log(clip_id, added) VALUES (?, 0)", [(i,) for i in ids])


def json_ids(ids: Sequence[int]) -> str:
    """A JSON array of ints, for `IN (SELECT value FROM json_each(?))`."""
    return json.dumps([int(i) for i in ids])


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
    """The stored float32 vectors of these clips (missing ids are absent), by sqlite-vec's own lookups."""
    out: dict[int, np.ndarray] = {}
    for cid in clip_ids:
        # Point lookups: vec0 answers `clip_id IN (...)` with a full scan.
        blob = scalar(conn, f"SELECT embedding FROM {TABLE} WHERE clip_id = ?", (int(cid),))
        if blob is not None:
            out[int(cid)] = np.frombuffer(blob, dtype="<f4", count=dim)
    return out


def live_clips(conn: Connection, clip_ids: Sequence[int]) -> np.ndarray:
    """Which of these clip ids are clips in this snapshot (one query through the clips table's key)."""
    if not clip_ids:
        return np.zeros(0, np.int64)
    sql = "SELECT id FROM clips WHERE id IN (SELECT value FROM json_each(?))"
    found = rows(conn, sql, (json_ids(clip_ids),))
    return np.array([int(r[0]) for r in found], np.int64)


def clip_count(conn: Connection) -> int:
    """Clips in the library (through an index; counting the vec0 table would read every chunk)."""
    return int(scalar(conn, "SELECT count(*) FROM clips"))


def count(conn: Connection) -> int:
    if not table_exists(conn):
        return 0
    return int(scalar(conn, f"SELECT count(*) FROM {TABLE}"))


def iter_all(conn: Connection, dim: int, batch: int = 8192) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every stored (clip ids, vectors) in blocks, through the vec0 table's documented full scan."""
    ids: list[int] = []
    blobs: list[bytes] = []
    for cid, blob in conn.execute(f"SELECT clip_id, embedding FROM {TABLE}"):
        ids.append(int(cid))  # type: ignore[arg-type]
        blobs.append(blob)  # type: ignore[arg-type]
        if len(ids) == batch:
            yield np.array(ids, np.int64), np.frombuffer(b"".join(blobs), "<f4").reshape(-1, dim)
            ids, blobs = [], []
    if ids:
        yield np.array(ids, np.int64), np.frombuffer(b"".join(blobs), "<f4").reshape(-1, dim)


def fetch_matrix(conn: Connection, clip_ids: Sequence[int], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(found clip ids, their vectors as one [n, dim] matrix) by point lookups; missing ids are left out."""
    # In rowid order: neighbouring rows share vec0 chunks and pages (measured 5x faster than random order).
    found = fetch(conn, sorted(clip_ids), dim)
    if not found:
        return np.zeros(0, np.int64), np.zeros((0, dim), np.float32)
    return np.fromiter(found, np.int64, len(found)), np.stack(list(found.values()))
