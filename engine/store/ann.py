"""The approximate (ANN) index of clip vectors: FAISS IVF-PQ, saved beside the library file.

Why FAISS IVF-PQ (measured against usearch's HNSW in tests/bench/search_bench.py, see
docs/benchmarks.md): 64-byte product-quantized codes plus an 8-byte id per clip keep 10M clips
under 1 GB of RAM, which no graph index over int8 or float vectors does (usearch i8 needs ~0.65 KB a
clip); the coarse inverted lists bound the codes read per query; ids are our clip ids, so deleting
or re-encoding a video is `remove_ids` + `add_with_ids`. The codes only propose candidates: the
caller re-scores them from the float16 rows saved beside the index (engine.store.ann_rows) and
SQLite's float32 vectors; SQLite stays the source of truth.

The index is derived data. Its state file (JSON, beside the .faiss file) records the library it was
built from, the vector table's epoch and dimension, and the last `vector_log` seq it reflects, so
an opener replays the log from there or rebuilds when the file is stale or foreign.

FAISS picks its SIMD code at run time; the environment variable FAISS_SIMD_LEVEL (NONE, AVX2,
AVX512) caps it (the loader's FAISS_OPT_LEVEL only chooses among Python modules this wheel does not
ship). An unknown value aborts the process inside FAISS, so it is checked before the import.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from engine.store.ann_rows import ROW_DTYPE, RowMatrix, RowWriter, drop_base

log = logging.getLogger(__name__)

#: Dimensions per product-quantizer sub-vector; each gets a 4-bit code ("fast scan": codes compared
#: 32 at a time from SIMD registers), so a 512-d vector is 128 codes in 64 bytes.
DIMS_PER_CODE = 4
#: Inverted lists probed per query: as many as hold about SCAN_CODES codes on average, at least MIN_PROBE
#: (all of an index up to SCAN_CODES vectors). Text queries sit apart from the images (cosines ~0.25), so
#: their neighbours spread over many lists. Measured on CLIP-like data (docs/benchmarks.md, "fourth pass"):
#: 1M (1024 lists), 256 probes + 600 re-scored: recall@10 0.992 in 11.2 ms; 160 + 800: 0.9935 in 8.9 ms;
#: 128 + 1000: 0.986. 10M (4096 lists) with 1600 re-scored, 96 / 128 / 256 / 512 probes: 0.976 / 0.977 /
#: 0.977 / 0.977: more lists no longer help there, the 4-bit codes' ranking limits recall, so the re-score
#: depth grows instead (96 probes + 2400 re-scored: 0.989 in 17-22 ms; 128 + 3200: 0.991 in 23-26 ms).
SCAN_CODES = 160_000
MIN_PROBE = 96
#: Candidates re-scored exactly (float16 rows, FAISS's fp16 scorer): RESCORE_DEPTH up to a million vectors,
#: then growing as size^0.6 (the 4-bit codes rank the true top 10 lower among more vectors). 10M, 128 of
#: 4096 lists probed, 600 / 1000 / 1600 / 2400 / 3200 re-scored: recall@10 0.935 / 0.961 / 0.977 / 0.989 /
#: 0.991.
RESCORE_DEPTH = 800
RESCORE_DEPTH_MAX = 2400
#: Training vectors per inverted list (FAISS warns below 39).
TRAIN_PER_LIST = 40
MIN_PQ_TRAIN = 1000
FORMAT = 1
#: float16 rows scored per FAISS call (f16_inner_products).
SCORE_BLOCK = 2048
SIMD_LEVELS = ("NONE", "AVX2", "AVX512", "AVX512_SPR", "ARM_NEON", "ARM_SVE")

_faiss: Any = None
_faiss_lock = threading.Lock()


def faiss_module() -> Any:
    """FAISS, imported once; a FAISS_SIMD_LEVEL it would abort on is dropped with a warning."""
    global _faiss
    with _faiss_lock:
        if _faiss is None:
            level = os.environ.get("FAISS_SIMD_LEVEL")
            if level is not None and level.upper() not in SIMD_LEVELS:
                log.warning(
                    "ignoring FAISS_SIMD_LEVEL=%r (expected one of %s)", level, ", ".join(SIMD_LEVELS)
                )
                del os.environ["FAISS_SIMD_LEVEL"]
            elif level is not None:
                os.environ["FAISS_SIMD_LEVEL"] = level.upper()
            import faiss

            # One OpenMP thread: a query (one vector) gains nothing from more, and a background build
            # must not spin-wait against the indexer and the UI for the same cores (a 20k build took
            # 199 s with FAISS's default team on this loaded 2-core box).
            faiss.omp_set_num_threads(1)
            _faiss = faiss
        return _faiss


def simd_level() -> str:
    """The SIMD level FAISS dispatches to in this process (e.g. "AVX2")."""
    return str(faiss_module().SIMDConfig.get_level_name())


def list_count(n: int) -> int:
    """Inverted lists for n vectors: ~sqrt(n), a power of two between 16 and 4096."""
    target = max(16.0, min(4096.0, float(np.sqrt(max(n, 1)))))
    return int(2 ** round(np.log2(target)))


@dataclass
class AnnState:
    """What an index file reflects: the library, its vector table, and the log position."""

    library_id: str
    epoch: int
    dim: int
    last_seq: int
    size: int
    format: int = FORMAT
    matrix: str = ""  # the token of the float16 rows saved with it (engine.store.ann_rows)


def probes_for(size: int, nlist: int) -> int:
    """Lists to probe for an index of `size` vectors in `nlist` lists (see SCAN_CODES)."""
    per_list = max(1.0, size / max(nlist, 1))
    return min(nlist, max(MIN_PROBE, round(SCAN_CODES / per_list)))


def rescore_depth(size: int) -> int:
    """Candidates to re-score exactly for an index of `size` vectors (see RESCORE_DEPTH)."""
    grown = RESCORE_DEPTH * (max(size, 1) / 1_000_000) ** 0.6
    return int(min(RESCORE_DEPTH_MAX, max(RESCORE_DEPTH, grown)))


def paths_for(db: Path) -> tuple[Path, Path]:
    """The index file and its state file beside the library database."""
    return db.with_name(db.name + ".ann.faiss"), db.with_name(db.name + ".ann.json")


class AnnIndex:
    """An IVF-PQ index over clip ids (inner product on unit vectors) with its state."""

    def __init__(self, index: Any, state: AnnState, rows: RowMatrix | None = None) -> None:
        self._index = index
        self.state = state
        self.rows = rows  # the indexed vectors as float16, for the exact re-score (None: use SQLite's)
        faiss = faiss_module()
        self._ivf = faiss.extract_index_ivf(index)
        self.nprobe = probes_for(self.size, int(self._ivf.nlist))  # fixed at load; a rebuild re-decides
        self.depth = rescore_depth(self.size)

    @classmethod
    def build(
        cls,
        sample: np.ndarray,
        blocks: Iterable[tuple[np.ndarray, np.ndarray]],
        state: AnnState,
        *,
        progress: Callable[[int], None] = lambda done: None,
        cancelled: Callable[[], bool] = lambda: False,
        rows_beside: Path | None = None,
    ) -> AnnIndex | None:
        """Train on `sample` (a spread of stored vectors), then add every (ids, vectors) block.

        With `rows_beside` (the library file) the vectors are also written as float16 rows beside it.
        Returns None when `cancelled()` turns true on the way.
        """
        faiss = faiss_module()
        dim = state.dim
        m = dim // DIMS_PER_CODE if dim % DIMS_PER_CODE == 0 else _divisor_near(dim, dim // DIMS_PER_CODE)
        nlist = min(list_count(state.size), max(1, len(sample) // TRAIN_PER_LIST))
        # Codes need a few hundred training vectors; a smaller sample (a tiny library) keeps floats.
        codes = f"PQ{max(1, m)}x4fs" if len(sample) >= MIN_PQ_TRAIN else "Flat"
        index = faiss.index_factory(dim, f"IVF{nlist},{codes}", faiss.METRIC_INNER_PRODUCT)
        index.train(np.ascontiguousarray(sample, np.float32))
        writer = _row_writer(rows_beside, dim)
        done = 0
        for ids, vectors in blocks:
            if cancelled():
                if writer is not None:
                    writer.abort()
                return None
            index.add_with_ids(np.ascontiguousarray(vectors, np.float32), np.ascontiguousarray(ids, np.int64))
            if writer is not None:
                writer.append(ids, vectors)
            done += len(ids)
            progress(done)
        state.size = int(index.ntotal)
        return cls(index, state, None if writer is None else writer.finish())

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def nbytes(self) -> int:
        """RAM held: codes and ids of every vector plus the coarse centroids and PQ tables."""
        per_vector = int(self._ivf.code_size) + 8
        return self.size * per_vector + int(self._ivf.nlist) * self.state.dim * 4 + 16 * self.state.dim * 4

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Clip ids of about the `depth` best codes for `query`, optionally only among `allowed` ids."""
        faiss = faiss_module()
        if depth <= 0 or self.size == 0:
            return np.zeros(0, np.int64)
        params = faiss.SearchParametersIVF()
        params.nprobe = self.nprobe
        selector = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, np.int64))
            params.sel = selector
            params.nprobe = min(int(self._ivf.nlist), 2 * self.nprobe)  # fewer hits per list
        q = np.ascontiguousarray(query, np.float32).reshape(1, -1)
        _, found = self._index.search(q, int(depth), params=params)
        ids = found[0]
        return ids[ids >= 0].astype(np.int64)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, np.float32), np.ascontiguousarray(ids, np.int64)
            )
            if self.rows is not None:
                self.rows.add(ids, vectors)

    def remove(self, ids: np.ndarray) -> None:
        if len(ids):
            self._index.remove_ids(faiss_module().IDSelectorBatch(np.ascontiguousarray(ids, np.int64)))
            if self.rows is not None:
                self.rows.remove(ids)

    def score(self, ids: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """(ids, cosines) from the float16 rows, for the ids they hold (in any order); None without rows."""
        found = None if self.rows is None else self.rows.gather(ids)
        if found is None:
            return None
        return found[0], f16_inner_products(found[1], query)

    # --- files ------------------------------------------------------------------------------------
    def save(self, db: Path) -> None:
        """Write the index then its state, each to a temporary name renamed into place."""
        index_path, state_path = paths_for(db)
        self.state.size = self.size
        before = read_state(db)
        self.state.matrix = ""
        if self.rows is not None:
            self.rows.save(db, self.state.last_seq)
            self.state.matrix = self.rows.token
        tmp_index = index_path.with_name(f"{index_path.name}.{os.getpid()}.tmp")
        tmp_state = state_path.with_name(f"{state_path.name}.{os.getpid()}.tmp")
        faiss_module().write_index(self._index, str(tmp_index))
        tmp_state.write_text(json.dumps(asdict(self.state)))
        # The index goes first: a crash between the renames leaves an older state, whose replay of
        # the log is harmless (replay removes each logged clip before adding it back).
        os.replace(tmp_index, index_path)
        os.replace(tmp_state, state_path)
        if before is not None and before.matrix != self.state.matrix:
            drop_base(db, before.matrix)

    @classmethod
    def load(cls, db: Path) -> AnnIndex | None:
        """The saved index, or None when there is none or it cannot be read."""
        index_path, state_path = paths_for(db)
        if not index_path.exists() or not state_path.exists():
            return None
        try:
            state = AnnState(**json.loads(state_path.read_text()))
            if state.format != FORMAT:
                return None
            rows = RowMatrix.load(db, state.dim, state.matrix, state.last_seq)
            if rows is None:
                log.info("the vector rows beside %s do not match its index; rebuilding both", db)
                return None
            index = faiss_module().read_index(str(index_path))
        except Exception:  # noqa: BLE001 - a damaged or foreign file is rebuilt, never trusted
            log.warning("cannot read the vector index %s; it will be rebuilt", index_path, exc_info=True)
            return None
        return cls(index, state, rows)


def f16_inner_products(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    """`rows @ query` for float16 rows, computed in float32 by FAISS's fp16 scalar quantizer.

    FAISS converts and multiplies 8 components at a time (F16C); NumPy's float16 -> float32 cast alone
    costs ~7x more (0.63 ms for 400 x 512, measured). The products are those of the float16 values,
    exact to float32 rounding (~1e-7), so they differ from the float32 vectors' by at most 2^-11.
    """
    n = len(rows)
    out = np.empty(n, np.float32)
    if n == 0:
        return out
    faiss = faiss_module()
    dim = rows.shape[1]
    q = np.ascontiguousarray(query, np.float32).reshape(1, dim)
    codes = np.ascontiguousarray(rows, ROW_DTYPE).view(np.uint8).reshape(n, 2 * dim)
    scorer = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
    for start in range(0, n, SCORE_BLOCK):  # blocks: the scorer's buffer is reused, and stays in cache
        block = codes[start : start + SCORE_BLOCK]
        scorer.reset()
        scorer.add_sa_codes(block)
        scores, order = scorer.search(q, len(block))
        out[start + order[0]] = scores[0]
    return out


def read_state(db: Path) -> AnnState | None:
    """The saved index's state file, without loading the index (for status reports)."""
    try:
        return AnnState(**json.loads(paths_for(db)[1].read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _row_writer(db: Path | None, dim: int) -> RowWriter | None:
    if db is None:
        return None
    try:
        return RowWriter(db, dim)
    except OSError as err:  # a read-only folder: candidates are re-scored from SQLite instead
        log.warning("cannot write the vector rows beside %s: %s", db, err)
        return None


def _divisor_near(dim: int, want: int) -> int:
    """The divisor of dim closest to `want` (PQ needs dim divisible by its sub-quantizer count)."""
    return min((d for d in range(1, dim + 1) if dim % d == 0), key=lambda d: abs(d - want))
