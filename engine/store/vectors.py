"""KNN over the library's clip vectors: sqlite-vec for small libraries, an in-memory index for big ones."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import numpy as np

from engine.results import SearchFilters
from engine.store import filters as flt
from engine.store import vec_table

if TYPE_CHECKING:
    from engine.store.library import LibraryStore

log = logging.getLogger(__name__)


class VectorSearch:
    """Answers store.knn(); keeps any in-memory index in step with SQLite."""

    def __init__(self, store: LibraryStore) -> None:
        self._store = store
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Drop in-memory state (on close)."""

    def knn(self, vector: np.ndarray, k: int, filters: SearchFilters | None) -> list[tuple[int, float]]:
        """(clip_id, cosine) of the k best clips, best first."""
        k = max(1, min(int(k), vec_table.MAX_K))
        with self._store.reading() as c:
            dim = vec_table.vector_dim(c)
            if dim is None:
                return []
            query = _unit_query(vector, dim)
            candidates = None if flt.is_empty(filters) else flt.candidate_clips(c, filters)  # type: ignore[arg-type]
            return vec_table.knn(c, query.tobytes(), k, candidates)


def _unit_query(vector: np.ndarray, dim: int) -> np.ndarray:
    from engine.errors import QueryError

    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    if v.shape[0] != dim:
        raise QueryError(
            f"The query vector has {v.shape[0]} dimensions but the library's vectors have {dim}."
        )
    norm = float(np.linalg.norm(v))
    if not np.isfinite(v).all() or norm == 0.0:
        raise QueryError("The query vector is zero or not finite.")
    return np.ascontiguousarray(v / norm, dtype="<f4")
