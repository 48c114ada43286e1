"""The float16 copy of the indexed vectors beside the ANN index, for a cheap exact re-score.

Re-scoring the index's few hundred candidates with float32 vectors read from sqlite-vec costs one
point lookup each (0.2-0.4 ms cold, ~100 ms for 400 at 1M clips). This keeps every indexed vector
as float16 in a memory-mapped file written once per build (`<db>.ann.<token>.f16`, never changed
afterwards), plus the rows the log replay adds after it in memory, and an id -> row map: removing or
re-encoding a clip tombstones its row, so a replaced vector is never read again. The map, the added
rows and the log seq they reflect are saved with the index (`<db>.ann.rows.npz`); an opener trusts
them only when that seq, the token and the file's size match the index's state, otherwise the whole
index is rebuilt. float16 keeps 11 significant bits, so on unit vectors a dot product is off by
at most ~5e-4 (|sum q_i v_i e_i| <= 2^-11 sum |q_i v_i| <= 2^-11): the scores are cosines within 1e-3.
"""

from __future__ import annotations

import logging
import mmap
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Clip ids above this are not mapped (a dense id -> row array would be too big); re-scoring then
#: falls back to SQLite's vectors.
MAX_ID = 1 << 27
ROW_DTYPE = np.dtype("<f2")
#: Bytes of the base file touched per step of `RowMatrix.warm`.
WARM_BLOCK = 64 << 20


def matrix_path(db: Path, token: str) -> Path:
    return db.with_name(f"{db.name}.ann.{token}.f16")


def rows_path(db: Path) -> Path:
    return db.with_name(db.name + ".ann.rows.npz")


class RowMatrix:
    """Indexed clip vectors as float16 rows: a read-only mapped base plus rows added since."""

    def __init__(self, dim: int, token: str, base: np.ndarray, ids: np.ndarray, extra: np.ndarray) -> None:
        self.dim = dim
        self.token = token
        self._base = base
        self._extra = extra
        self._ids = ids  # row -> clip id, -1 for a removed row
        self._row_of = np.full(0, -1, np.int64)
        self.usable = True
        live = ids >= 0
        self._map(ids[live], np.flatnonzero(live))

    # --- changes ---------------------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if not len(ids):
            return
        self.remove(ids)
        start = len(self._ids)
        self._extra = np.concatenate([self._extra, np.asarray(vectors, ROW_DTYPE).reshape(-1, self.dim)])
        self._ids = np.concatenate([self._ids, np.asarray(ids, np.int64)])
        self._map(np.asarray(ids, np.int64), np.arange(start, start + len(ids)))

    def remove(self, ids: np.ndarray) -> None:
        """Tombstone these clips' rows (their vectors are never read again)."""
        ids = np.asarray(ids, np.int64)
        rows = self._rows(ids)
        hit = rows >= 0
        self._ids[rows[hit]] = -1
        self._row_of[ids[hit]] = -1

    def _map(self, ids: np.ndarray, rows: np.ndarray) -> None:
        if not len(ids):
            return
        top = int(ids.max())
        if top >= MAX_ID or int(ids.min()) < 0:
            self.usable = False
            return
        if top >= len(self._row_of):
            grown = np.full(max(top + 1, 2 * len(self._row_of)), -1, np.int64)
            grown[: len(self._row_of)] = self._row_of
            self._row_of = grown
        self._row_of[ids] = rows

    def _rows(self, ids: np.ndarray) -> np.ndarray:
        inside = (ids >= 0) & (ids < len(self._row_of))
        out = np.full(len(ids), -1, np.int64)
        out[inside] = self._row_of[ids[inside]]
        return out

    # --- re-scoring -------------------------------------------------------------------------------
    def gather(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(ids held, their float16 rows [n, dim]) in file order; None when the map cannot answer.

        Rows are read in file order (neighbours share pages of the map), so the ids come back reordered.
        """
        if not self.usable:
            return None
        ids = np.asarray(ids, np.int64)
        rows = self._rows(ids)
        held = np.flatnonzero(rows >= 0)
        held = held[np.argsort(rows[held], kind="stable")]
        ids, rows = ids[held], rows[held]
        base_n = len(self._base)
        if not len(self._extra):  # no replayed rows: one gather from the map
            return ids, np.take(np.asarray(self._base), rows, axis=0)
        out = np.empty((len(rows), self.dim), ROW_DTYPE)
        in_base = rows < base_n
        out[in_base] = np.take(np.asarray(self._base), rows[in_base], axis=0)
        out[~in_base] = self._extra[rows[~in_base] - base_n]
        return ids, out

    def score(self, ids: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(ids held, their cosines with `query`); None when the map cannot answer (ids too large)."""
        found = self.gather(ids)
        if found is None:
            return None
        return found[0], found[1].astype(np.float32) @ np.asarray(query, np.float32)

    def warm(self, stopped: Callable[[], bool] = lambda: False) -> bool:
        """Touch every page of the mapped base file, so queries find its rows mapped (no page faults).

        One byte a page, 64 MB at a time; returns False when `stopped()` turned true on the way. A
        query's gather of 600 rows at 1M clips spent ~1 ms of its 2.6 ms on first-touch faults.
        """
        flat = np.asarray(self._base).reshape(-1).view(np.uint16)
        step = max(1, mmap.PAGESIZE // ROW_DTYPE.itemsize)
        block = step * (WARM_BLOCK // mmap.PAGESIZE)
        for start in range(0, len(flat), block):
            if stopped():
                return False
            int(flat[start : start + block : step].sum())
        return True

    @property
    def mapped_bytes(self) -> int:
        return int(self._base.nbytes)

    # --- files ------------------------------------------------------------------------------------
    def save(self, db: Path, seq: int) -> None:
        """Write the map and the added rows for log position `seq`."""
        path = rows_path(db)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            np.savez(f, seq=np.int64(seq), token=np.array(self.token), ids=self._ids, extra=self._extra)
        os.replace(tmp, path)

    @classmethod
    def load(cls, db: Path, dim: int, token: str, seq: int) -> RowMatrix | None:
        """The saved rows when they reflect exactly `seq` of build `token`; else None (never trusted)."""
        try:
            with np.load(rows_path(db), allow_pickle=False) as saved:
                if int(saved["seq"]) != seq or str(saved["token"]) != token:
                    return None
                ids = np.array(saved["ids"], np.int64)
                extra = np.array(saved["extra"], ROW_DTYPE)
            if extra.ndim != 2 or extra.shape[1] != dim or len(extra) > len(ids):
                return None
            base = _map_file(matrix_path(db, token), len(ids) - len(extra), dim)
        except (OSError, ValueError, KeyError, TypeError):
            log.info("the vector rows beside %s are missing or damaged", db, exc_info=True)
            return None
        return cls(dim, token, base, ids, extra)


class RowWriter:
    """Writes a build's base file block by block (beside the library, under a fresh token)."""

    def __init__(self, db: Path, dim: int) -> None:
        self.dim = dim
        self.token = uuid.uuid4().hex[:16]
        self.path = matrix_path(db, self.token)
        self._file = self.path.open("wb")  # OSError in a read-only folder: the caller goes without
        self._ids: list[np.ndarray] = []

    def append(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(vectors, ROW_DTYPE).tobytes())
        self._ids.append(np.asarray(ids, np.int64))

    def finish(self) -> RowMatrix:
        self._file.close()
        ids = np.concatenate(self._ids) if self._ids else np.zeros(0, np.int64)
        base = _map_file(self.path, len(ids), self.dim)
        return RowMatrix(self.dim, self.token, base, ids, np.zeros((0, self.dim), ROW_DTYPE))

    def abort(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def drop_base(db: Path, token: str) -> None:
    """Delete a replaced build's base file (best effort: it may still be mapped elsewhere)."""
    if token:
        try:
            matrix_path(db, token).unlink(missing_ok=True)
        except OSError:
            pass


def _map_file(path: Path, n: int, dim: int) -> np.ndarray:
    """The base file as a read-only [n, dim] float16 map (ValueError when its size differs)."""
    size = path.stat().st_size
    if size != n * dim * ROW_DTYPE.itemsize:
        raise ValueError(f"{path} holds {size} bytes, not {n} rows of {dim}")
    if n == 0:
        return np.zeros((0, dim), ROW_DTYPE)
    return np.memmap(path, ROW_DTYPE, mode="r", shape=(n, dim))
