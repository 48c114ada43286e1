"""store.knn() and store.candidates(): exact search for small libraries, the FAISS index for big ones.

Small libraries are answered exactly by sqlite-vec's KNN. A library of `ann_min` clips or more gets an
IVF-PQ index (engine.store.ann), saved beside the database: an opener loads it, checks it belongs to
this library and vector table, and replays `vector_log` (every vector insert/delete, in commit order)
from the seq it reflects. A missing, foreign, stale or unreadable index is rebuilt on a background
thread while exact search answers. Every query catches up with the log inside its own read snapshot
first, so the index then holds exactly the vectors of that snapshot: its candidates are scored from
the float16 copy of the indexed vectors kept beside it (engine.store.ann_rows, FAISS's fp16 scorer),
and only the n best (plus any within float16 error of the last of them) are read again as float32
from SQLite in that snapshot. A candidate SQLite no longer holds is dead and the next one is read, so
SQLite confirms every clip returned and the scores are true cosines. Above EXACT_RESCORE_MAX the
float16 scores stand and the n kept are checked against the clips table instead.

A filter passing at most EXACT_FILTER_MAX clips is exact: every clip it passes is scored from the
float16 rows (sqlite-vec without the index). A larger one restricts the index's search to its clips.

One VectorSearch serves every LibraryStore of the same database file in this process
(`VectorSearch.for_path`): the GUI opens a short-lived store per search, and the index must outlive it.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from engine.errors import QueryError
from engine.results import SearchFilters
from engine.store import ann_build, vec_table
from engine.store import filters as flt
from engine.store.ann import AnnIndex, paths_for
from engine.store.ann_build import IndexState, IndexStatus
from engine.store.db import Connection, connect, read_transaction

log = logging.getLogger(__name__)

#: Below this many clips sqlite-vec's exact scan answers (it takes ~0.8 us a clip at 512-d, so
#: ~16 ms here; an ANN index would not pay for its build and upkeep).
ANN_MIN_VECTORS = 20_000
#: Up to this many results are re-scored again from SQLite's float32 vectors (scores exact to float32);
#: more keep the float16 rows' scores (true cosines within 1e-3, see engine.store.ann_rows).
EXACT_RESCORE_MAX = 50
#: A filter passing at most this many clips is answered exactly: every clip it passes is scored from
#: the float16 rows (20k x 512-d: ~10 MB gathered), the best re-read from SQLite (sqlite-vec's KNN
#: restricted to a set reads every vector: 550 ms at 100k clips, measured). Without the index
#: sqlite-vec answers.
EXACT_FILTER_MAX = 20_000
#: float16 scores of unit vectors are within 2^-11 of the float32 cosine (engine.store.ann_rows), so a
#: candidate more than twice that (plus float32 rounding) below another cannot overtake it exactly.
F16_MARGIN = 2.0**-10 + 1e-5
#: The index is saved again after this many replayed changes (and when the process ends).
SAVE_AFTER = 20_000
#: A read-only opener (a one-shot CLI search) starts a missing index's build this long after its query.
BUILD_DELAY_S = 2.0


class VectorSearch:
    """Answers store.knn()/candidates(); keeps the saved ANN index in step with SQLite."""

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

    def __init__(self, path: Path, *, ann_min: int = ANN_MIN_VECTORS) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._ann: AnnIndex | None = None
        self._load_tried = False
        self._unsaved = 0
        self._builder = ann_build.Builder(path)
        self.ann_min = ann_min
        self.depth: int | None = None  # candidates re-scored; None: the index's rule (ann.rescore_depth)
        self.background = True
        self.build_delay_s = BUILD_DELAY_S
        self.warm_rows = False  # set by prepare(): only long-lived (writable) openers map every row

    @property
    def path(self) -> Path:
        return self._path

    @property
    def index(self) -> AnnIndex | None:
        """The ANN index, once loaded or built."""
        return self._ann

    def status(self) -> IndexStatus:
        """Where the ANN index stands in this process (for `glimpse status` and the app)."""
        ann = self._ann
        if ann is not None:
            return IndexStatus(IndexState.READY, ann.size, ann.size, ann.size)
        return self._builder.status()

    def clear(self) -> None:
        """Stop any background build, save unsaved replayed changes, drop the in-memory index."""
        self._builder.stop()
        with self._lock:
            self._save_locked()
            self._ann = None
            self._load_tried = False
        self._builder.reset()

    @contextmanager
    def _own_snapshot(self) -> Iterator[Connection]:
        conn = connect(self._path, readonly=True)
        try:
            with read_transaction(conn, self._path):
                yield conn
        finally:
            conn.close()

    def prepare(self, *, wait: bool = False) -> bool:
        """Load the saved index, or build it (after `build_delay_s` in the background unless `wait`).

        Returns True when the index is ready. Called by every writable open (the indexer, the app):
        a big library gets its index once, in the background, while exact search answers.
        """
        self.warm_rows = True
        with self._own_snapshot() as c:
            dim = vec_table.vector_dim(c)
            if dim is None or vec_table.clip_count(c) < self.ann_min:
                return False
            with self._lock:
                if not wait and self._ann is None and paths_for(self._path)[0].exists():
                    return False  # the first query loads it (checked and caught up)
                return self._ready(c, dim, delay=None if wait else -1.0) is not None

    # --- queries ----------------------------------------------------------------------------------
    def knn(
        self, c: Connection, vector: np.ndarray, k: int, filters: SearchFilters | None
    ) -> list[tuple[int, float]]:
        """(clip_id, cosine) of the k best clips, best first, read through `c` (inside a read snapshot)."""
        return self.candidates(c, vector, k, filters)

    def candidates(
        self, c: Connection, vector: np.ndarray, n: int, filters: SearchFilters | None
    ) -> list[tuple[int, float]]:
        """The n best clips as (clip_id, exact cosine), best first; what a re-rank stage starts from."""
        n = max(1, min(int(n), vec_table.MAX_K))
        dim = vec_table.vector_dim(c)
        if dim is None:
            return []
        query = unit_query(vector, dim)
        allowed: np.ndarray | None = None
        if not flt.is_empty(filters):
            allowed = np.array(flt.candidate_clips(c, filters), np.int64)  # type: ignore[arg-type]
            if not len(allowed):
                return []
        with self._lock:
            ann = None if _writing(c) else self._ready(c, dim)
            if ann is None:
                return vec_table.knn(c, query.tobytes(), n, None if allowed is None else allowed.tolist())
            if allowed is not None and len(allowed) <= EXACT_FILTER_MAX:
                ids = allowed  # a small filtered set: every clip in it is scored, so the result is exact
            else:
                ids = ann.search(query, max(self.depth or ann.depth, 2 * n), allowed)
            scored = ann.score(ids, query)  # under the lock: the rows reflect exactly this snapshot
        held, scores = scored if scored is not None else (np.zeros(0, np.int64), np.zeros(0, np.float32))
        if len(held) < len(ids):  # ids the float16 rows do not hold: scored from SQLite's vectors
            found, vectors = vec_table.fetch_matrix(c, np.setdiff1d(ids, held).tolist(), dim)
            held, scores = np.concatenate([held, found]), np.concatenate([scores, vectors @ query])
        order = np.argsort(-scores, kind="stable")
        if n > EXACT_RESCORE_MAX:
            return _live_top(c, n, held[order], scores[order])
        return _exact_top(c, query, n, dim, held[order], scores[order])

    # --- the index's life -------------------------------------------------------------------------
    def _ready(self, c: Connection, dim: int, delay: float | None = -1.0) -> AnnIndex | None:
        """The index, caught up with the snapshot `c` reads; None when exact search must answer.

        A missing index is built after `delay` seconds in the background (-1: `build_delay_s`), or on
        this thread when `delay` is None or `background` is off.
        """
        if self._ann is None and not self._load_tried:
            self._load_tried = True
            self._ann = ann_build.load_checked(self._path, c, dim)
            self._start_warm()
        ann = self._ann
        if ann is not None:
            if ann.state.last_seq > vec_table.log_position(c):
                return None  # this snapshot is older than the index (another thread caught it up)
            if self._usable(c, dim):
                return ann if ann.size >= self.ann_min else None  # shrunk below: exact search pays
        if vec_table.clip_count(c) >= self.ann_min:
            if self.background and delay is not None:
                self._start_build(delay=self.build_delay_s if delay < 0 else delay)
            else:
                self._builder.run_with(c, self._install_locked)
                return self._ann
        return None

    def _usable(self, c: Connection, dim: int) -> bool:
        """True when the index belongs to this vector table and now reflects `c` (caught up)."""
        ann = self._ann
        if ann is None:
            return False
        if ann_build.same_table(ann, c, dim):
            replayed = ann_build.catch_up(ann, c)
            if replayed is not None:
                self._unsaved += replayed
                if self._unsaved >= SAVE_AFTER:
                    self._save_locked()
                return True
        log.info("the vector index is out of step with the library; rebuilding it")
        self._ann = None
        return False

    def _start_warm(self) -> None:
        """Map the float16 rows' pages in the background (a long-lived opener, a file that fits RAM)."""
        rows = None if self._ann is None else self._ann.rows
        if rows is None or not self.warm_rows or rows.mapped_bytes > _ram_bytes() // WARM_RAM_SHARE:
            return
        stop = self._builder.stopping
        threading.Thread(target=rows.warm, args=(stop,), name="glimpse-vector-rows", daemon=True).start()

    def _start_build(self, delay: float) -> None:
        self._builder.start(delay, self._install)

    def _install(self, ann: AnnIndex) -> None:
        with self._lock:
            self._install_locked(ann)

    def _install_locked(self, ann: AnnIndex) -> None:
        if self._ann is None or self._ann.state.last_seq < ann.state.last_seq:
            self._ann = ann
            self._unsaved = 0
            self._load_tried = True
            self._start_warm()

    def _save_locked(self) -> None:
        if self._ann is not None and self._unsaved:
            try:
                self._ann.save(self._path)
                self._unsaved = 0
            except OSError as err:  # a read-only folder: the log replay on the next open covers it
                log.warning("could not save the vector index beside %s: %s", self._path, err)


#: The float16 rows are mapped in the background only when their file is at most this share of RAM
#: (1 GB at 1M x 512-d; 10M clips' 10 GB are left to the page cache and the queries' own faults).
WARM_RAM_SHARE = 4


def _ram_bytes() -> int:
    """Physical memory, or 0 where the OS does not say (then nothing is warmed)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return 0


@atexit.register
def _stop_builders() -> None:
    """Stop background builds and save replayed changes before the interpreter tears down."""
    with VectorSearch._shared_lock:
        searches = list(VectorSearch._shared.values())
    for search in searches:
        search.clear()


def _exact_top(
    c: Connection, query: np.ndarray, n: int, dim: int, ids: np.ndarray, scores: np.ndarray
) -> list[tuple[int, float]]:
    """The n best of candidates (best first by their float16 scores), re-scored from SQLite's vectors.

    Only the first n are read from the vector table, plus any whose float16 score is within
    F16_MARGIN of the last one read (only those can overtake it exactly); a candidate with no vector in
    this snapshot is dead and the next one is read instead. So SQLite confirms every clip returned,
    every score is its float32 cosine, and the order is the exact one among the candidates.
    """
    got_ids: list[np.ndarray] = []
    got_vectors: list[np.ndarray] = []
    live, start, end = 0, 0, min(n, len(ids))
    threshold: float | None = None
    while start < end:
        found, vectors = vec_table.fetch_matrix(c, ids[start:end].tolist(), dim)
        got_ids.append(found)
        got_vectors.append(vectors)
        live += len(found)
        start = end
        if live < n:
            end = min(len(ids), end + n - live)
        elif threshold is None:  # once: those close enough behind the last one read
            threshold = float(scores[start - 1]) - F16_MARGIN
            end = max(start, int(np.searchsorted(-scores, -threshold, side="right")))
    if not live:
        return []
    found = np.concatenate(got_ids)
    exact = np.concatenate(got_vectors) @ query
    order = np.argsort(-exact, kind="stable")[:n]
    return [(int(found[i]), float(exact[i])) for i in order]


def _live_top(c: Connection, n: int, ids: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    """The first n candidates (best first) that are still clips in this snapshot, float16 scores kept."""
    out: list[tuple[int, float]] = []
    start, end = 0, min(n, len(ids))
    while start < end:
        alive = set(vec_table.live_clips(c, ids[start:end].tolist()).tolist())
        pairs = zip(ids[start:end].tolist(), scores[start:end].tolist(), strict=True)
        out += [(i, s) for i, s in pairs if i in alive]
        start, end = end, min(len(ids), end + n - len(out))
    return out


def _writing(c: Connection) -> bool:
    """True inside a write transaction on this connection (uncommitted rows must not reach the index)."""
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
