"""store.knn(): sqlite-vec's exact scan for small libraries, the in-memory int8 index for big ones.

The index is derived data: it is built from SQLite inside one read transaction and follows the
writer through `vector_log` (every vector insert/delete, in commit order). Each query first catches
up (a cheap max(seq) lookup when nothing changed); a model change (vec_epoch) or a reader too far
behind the log rebuilds it. Candidates from the int8 scan are re-ranked exactly with the float32
vectors stored in SQLite, so returned scores are exact cosines.

One VectorSearch serves every LibraryStore of the same database file in this process
(`VectorSearch.for_path`): the GUI opens a short-lived store per search, and the index must outlive it.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from engine.errors import QueryError
from engine.results import SearchFilters
from engine.store import filters as flt
from engine.store import vec_table
from engine.store.db import Connection, connect, read_transaction, rows
from engine.store.vectors import VectorIndex

log = logging.getLogger(__name__)

#: Below this many clips sqlite-vec's exact scan is fast enough (about 35 ms at 50k x 512).
ACCEL_MIN_VECTORS = 50_000
#: Extra candidates re-ranked exactly beyond k, absorbing int8 rounding near the k-th score: at 1M
#: random 512-d vectors, re-ranking the int8 top 20 already gives recall@10 = 1.0 (top 10 alone: 0.96).
RERANK_MARGIN_MIN = 16
RERANK_MARGIN_MAX = 64
#: A big library's index starts building this long after its first query.
BUILD_DELAY_S = 2.0


class VectorSearch:
    """Answers store.knn(); builds the in-memory index (in the background) and keeps it in step with SQLite.

    Packing a million rows takes ~15 s, so a big library's index is built on a background thread (with
    its own connection) that starts `build_delay_s` after the first query (a one-shot CLI search has
    exited by then and never pays for it); until it is ready queries use sqlite-vec's exact scan.
    `warm(wait=True)` builds it now (the GUI at startup, benchmarks).
    """

    _shared: dict[str, VectorSearch] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def for_path(cls, path: Path) -> VectorSearch:
        """The process-wide VectorSearch of one database file."""
        key = os.path.realpath(path)
        with cls._shared_lock:
            found = cls._shared.get(key)
            if found is None:
                found = cls._shared[key] = cls(Path(key))
            return found

    def __init__(self, path: Path, *, accel_min: int = ACCEL_MIN_VECTORS) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._index: VectorIndex | None = None
        self._direct_fetch = False
        self._builder: threading.Thread | None = None
        self._stop = threading.Event()
        self.accel_min = accel_min
        self.margin_min = RERANK_MARGIN_MIN
        self.background = True
        self.build_delay_s = BUILD_DELAY_S

    @property
    def index(self) -> VectorIndex | None:
        """The in-memory index, once built."""
        return self._index

    def clear(self) -> None:
        """Stop any background build and drop the in-memory index (on close)."""
        self._stop.set()
        builder = self._builder
        if builder is not None and builder is not threading.current_thread():
            builder.join(timeout=30)
        with self._lock:
            self._index = None
        self._stop.clear()

    @contextmanager
    def _own_snapshot(self) -> Iterator[Connection]:
        conn = connect(self._path, readonly=True)
        try:
            with read_transaction(conn, self._path):
                yield conn
        finally:
            conn.close()

    def warm(self, *, wait: bool = True) -> bool:
        """Build the index now; True when it is ready (False for an empty library or when not waiting)."""
        with self._own_snapshot() as c:
            dim = vec_table.vector_dim(c)
            if dim is None:
                return False
            with self._lock:
                if self._usable(c, dim):
                    return True
        if not wait:
            self._start_builder(delay=0.0)
            return False
        with self._own_snapshot() as c:
            self._build_now(c, dim)
        return self._index is not None

    def knn(
        self, c: Connection, vector: np.ndarray, k: int, filters: SearchFilters | None
    ) -> list[tuple[int, float]]:
        """(clip_id, cosine) of the k best clips, best first, read through `c` (inside a read snapshot)."""
        k = max(1, min(int(k), vec_table.MAX_K))
        with self._lock:
            dim = vec_table.vector_dim(c)
            if dim is None:
                return []
            query = unit_query(vector, dim)
            if _writing(c):
                # Uncommitted changes must not leak into the shared index: answer exactly instead.
                candidates = None if flt.is_empty(filters) else flt.candidate_clips(c, filters)  # type: ignore[arg-type]
                return vec_table.knn(c, query.tobytes(), k, candidates)
            index = self._index if self._usable(c, dim) else None
            if index is None and vec_table.clip_count(c) >= self.accel_min:
                if self.background:
                    self._start_builder(delay=self.build_delay_s)
                else:
                    index = self._build_locked(c, dim)
            if index is None:
                candidates = None if flt.is_empty(filters) else flt.candidate_clips(c, filters)  # type: ignore[arg-type]
                return vec_table.knn(c, query.tobytes(), k, candidates)
            videos = None
            if not flt.is_empty(filters):
                videos = np.array(flt.candidate_videos(c, filters), np.int64)  # type: ignore[arg-type]
                if not len(videos):
                    return []
            margin = max(self.margin_min, min(RERANK_MARGIN_MAX, k // 2))
            ids = index.candidates(query, k + margin, videos)
            fetch = vec_table.fetch_direct if self._direct_fetch else vec_table.fetch
            vectors = fetch(c, ids.tolist(), dim)
        scored = [(cid, float(np.dot(vec, query))) for cid, vec in vectors.items()]
        scored.sort(key=lambda item: -item[1])
        return scored[:k]

    # --- the index's life -------------------------------------------------------------------------
    def _usable(self, c: Connection, dim: int) -> bool:
        """True when the index exists and now reflects the snapshot `c` reads (caught up if needed)."""
        index = self._index
        if index is None:
            return False
        if index.epoch == vec_table.epoch(c) and index.dim == dim and self._catch_up(c, index):
            return True
        self._index = None
        return False

    def _start_builder(self, delay: float) -> None:
        if self._builder is not None and self._builder.is_alive():
            return
        self._builder = threading.Thread(
            target=self._build_in_background, args=(delay,), name="glimpse-vector-index", daemon=True
        )
        self._builder.start()

    def _build_in_background(self, delay: float) -> None:
        if self._stop.wait(delay):
            return
        try:
            with self._own_snapshot() as c:
                dim = vec_table.vector_dim(c)
                if dim is not None:
                    self._build_now(c, dim)
        except Exception:  # noqa: BLE001 - searches fall back to sqlite-vec; the log keeps the cause
            log.exception("building the vector index failed")

    def _build_now(self, c: Connection, dim: int) -> None:
        """Build from this snapshot without holding the lock, then install it (searches catch it up)."""
        index = self._build(c, dim, vec_table.epoch(c))
        if index is not None and not self._stop.is_set():
            with self._lock:
                if self._index is None or self._index.last_seq < index.last_seq:
                    self._index = index

    def _build_locked(self, c: Connection, dim: int) -> VectorIndex | None:
        self._index = self._build(c, dim, vec_table.epoch(c))
        return self._index

    def _build(self, c: Connection, dim: int, epoch: int) -> VectorIndex | None:
        t0 = time.perf_counter()
        direct = vec_table.direct_fetch_agrees(c, dim)
        last_seq = vec_table.log_position(c)
        pairs = rows(c, "SELECT id, video_id FROM clips ORDER BY id")
        table = np.array(pairs, np.int64).reshape(-1, 2)
        video_of = (table[:, 0], table[:, 1])
        stop = self._stop.is_set
        index = VectorIndex.build(
            vec_table.iter_all(c, dim), video_of, dim=dim, epoch=epoch, last_seq=last_seq, cancelled=stop
        )
        if index is not None and index.size != len(table):
            log.warning(
                "vector index read %d vectors for %d clips; reading row by row", index.size, len(table)
            )
            index = VectorIndex.build(
                vec_table.iter_all(c, dim, fast=False),
                video_of,
                dim=dim,
                epoch=epoch,
                last_seq=last_seq,
                cancelled=stop,
            )
        if index is None:
            return None
        self._direct_fetch = direct
        log.info(
            "vector index built: %d vectors, %.0f MB, %s kernel, %s re-rank reads, %.1f s",
            index.size,
            index.nbytes / 1e6,
            index.backend,
            "direct" if direct else "sqlite-vec",
            time.perf_counter() - t0,
        )
        return index

    def _catch_up(self, c: Connection, index: VectorIndex) -> bool:
        """Apply logged changes since the index was made; False when it must be rebuilt instead."""
        behind = vec_table.pending_changes(c, index.last_seq)
        if behind == 0:
            return True
        if behind > max(50_000, index.size // 4):
            return False  # fetching that many rows one by one is slower than a rebuild
        oldest, changes = vec_table.log_since(c, index.last_seq)
        if oldest is None or oldest > index.last_seq + 1:
            return False  # the log was trimmed past us
        final: dict[int, bool] = {}
        for cid, added in changes:
            final[cid] = added
        added_ids = [cid for cid, added in final.items() if added]
        fetch = vec_table.fetch_direct if self._direct_fetch else vec_table.fetch
        vectors = fetch(c, added_ids, index.dim)
        videos = dict(
            rows(
                c,
                "SELECT id, video_id FROM clips WHERE id IN (SELECT value FROM json_each(?))",
                (vec_table.json_ids(added_ids),),
            )
        )
        added_map = {cid: (int(videos.get(cid, -1)), vectors[cid]) for cid in added_ids if cid in vectors}
        index.apply(added_map, {cid for cid, added in final.items() if not added})
        index.last_seq = vec_table.log_position(c)
        return True


@atexit.register
def _stop_builders() -> None:
    """Stop background builds before the interpreter tears down (no thread left inside SQLite or torch)."""
    with VectorSearch._shared_lock:
        searches = list(VectorSearch._shared.values())
    for search in searches:
        search.clear()


def _writing(c: Connection) -> bool:
    """True inside a write transaction on this connection."""
    try:
        return bool(c.txn_state("main") == 2)  # SQLITE_TXN_WRITE
    except Exception:  # noqa: BLE001 - an older apsw: assume the worst only when not in autocommit
        return not c.getautocommit()


def unit_query(vector: np.ndarray, dim: int) -> np.ndarray:
    """The query as a float32 unit vector of the library's dimension."""
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    if v.shape[0] != dim:
        raise QueryError(
            f"The query vector has {v.shape[0]} dimensions but the library's vectors have {dim}."
        )
    norm = float(np.linalg.norm(v))
    if not np.isfinite(v).all() or norm == 0.0:
        raise QueryError("The query vector is zero or not finite.")
    return np.ascontiguousarray(v / norm, dtype="<f4")
