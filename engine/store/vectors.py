"""The in-memory vector index ("accelerator") and its int8 scan kernel; the one place engine.store uses torch.

Design: every clip vector is kept as per-row int8 codes (512 bytes + a scale per 512-d vector: about
520 MB of RAM at 1M clips). A query scans all codes (approximate cosine), keeps the best few
`k + margin`, and the caller re-ranks those exactly with the float32 vectors from SQLite, which
stays the source of truth. Vectors added since the last pack live in a small exact float32 "delta"
block; deleted rows are masked until the next repack.

Why torch here, against the house rule that keeps torch in engine/model and engine/train: the
exact float32 scan of a million 512-d vectors is memory-bound (2 GB per query; 46 ms with NumPy on
this project's 2-core machines, 790 ms with sqlite-vec). Per-row int8 codes cut the bytes to a
quarter, but NumPy has no fast int8 dot product. torch ships FBGEMM's VNNI int8 GEMM
(`quantized.linear_dynamic` over per-channel qint8 weights): 12-17 ms at 1M x 512 on the same
machines. torch is already a dependency of the app, is imported lazily, and the kernel is isolated
behind `Int8Matrix`; where the quantized ops are missing, a NumPy fallback gives the same answers
more slowly.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def quantize(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row symmetric int8 codes and scales: row ~= codes * scale."""
    block = np.asarray(block, dtype=np.float32)
    peak = np.abs(block).max(axis=1)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float64)
    codes = np.clip(np.rint(block / scales[:, None].astype(np.float32)), -127, 127).astype(np.int8)
    return codes, scales


class Int8Matrix:
    """An immutable matrix of int8 rows with per-row scales; `scores(q)` ~= rows @ q."""

    def __init__(self, codes: np.ndarray, scales: np.ndarray, *, backend: str | None = None) -> None:
        self.rows = int(codes.shape[0])
        self.dim = int(codes.shape[1]) if codes.ndim == 2 else 0
        self._packed: Any = None
        self._codes: np.ndarray | None = None
        self._scales = np.asarray(scales, dtype=np.float64)
        self.backend = backend or ("fbgemm" if _fbgemm_available() else "numpy")
        if self.rows == 0:
            self.backend = "numpy"
        if self.backend == "fbgemm":
            try:
                self._packed = _pack(codes, self._scales)
            except Exception as err:  # noqa: BLE001 - any failure of the optional kernel: fall back
                log.warning("int8 kernel unavailable (%s); using the NumPy scan", err)
                self.backend = "numpy"
        if self.backend == "numpy":
            self._codes = np.ascontiguousarray(codes, dtype=np.int8)

    @property
    def nbytes(self) -> int:
        """Approximate RAM held (codes + scales)."""
        return self.rows * self.dim + self._scales.nbytes

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Approximate dot products of every row with `query` (float32, length rows)."""
        if self.rows == 0:
            return np.zeros(0, np.float32)
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        if self._packed is not None:
            return _scan_pool().submit(_linear, q, self._packed).result()
        assert self._codes is not None
        result = np.empty(self.rows, np.float32)
        step = 32768  # blocks that stay in cache while converted to float
        for start in range(0, self.rows, step):
            block = self._codes[start : start + step].astype(np.float32)
            result[start : start + step] = block @ q[0]
        return result * self._scales.astype(np.float32)

    def codes_and_scales(self) -> tuple[np.ndarray, np.ndarray]:
        """The int8 codes and scales back (for repacking with new rows)."""
        if self._codes is not None:
            return self._codes, self._scales
        import torch

        weight, _ = torch.ops.quantized.linear_unpack(self._packed)
        return weight.int_repr().numpy(), self._scales


def scan_all(matrices: list[Int8Matrix], query: np.ndarray) -> list[np.ndarray]:
    """Scores of every matrix, the packed ones in one trip to the scan thread."""
    q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
    packed = [m._packed for m in matrices if m._packed is not None]
    fast = iter(_scan_pool().submit(_linear_many, q, packed).result()) if packed else iter(())
    return [next(fast) if m._packed is not None else m.scores(query) for m in matrices]


def _linear_many(q: np.ndarray, packed: list[Any]) -> list[np.ndarray]:
    return [_linear(q, p) for p in packed]


def _linear(q: np.ndarray, packed: Any) -> np.ndarray:
    import torch

    out = torch.ops.quantized.linear_dynamic(torch.from_numpy(q), packed)
    return np.array(out.numpy()[0], dtype=np.float32)


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _scan_pool() -> ThreadPoolExecutor:
    """One dedicated scan thread whose OpenMP team is a single thread.

    Why: the scan is memory-bound, so a second thread gains little on an idle 2-core machine
    (12.6 vs 17 ms at 1M) and loses badly on a busy one (OpenMP threads waiting for each other while
    the indexer encodes: 13-16 ms instead of 1.7 ms at 100k, measured). Setting the team size through
    OpenMP on this thread alone leaves torch's thread count for the model's threads untouched.
    """
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(
                1, thread_name_prefix="glimpse-vector-scan", initializer=_one_omp_thread
            )
        return _POOL


def _one_omp_thread() -> None:
    try:
        import torch

        torch.ones(4096).sum()  # torch sets this thread's OpenMP team on first use; do it first
        libdir = os.path.join(os.path.dirname(torch.__file__), "lib")
        for name in ("libgomp.so.1", "libomp.dylib", "libiomp5.so"):
            path = os.path.join(libdir, name)
            if os.path.exists(path):
                ctypes.CDLL(path).omp_set_num_threads(1)
                return
    except Exception:  # noqa: BLE001 - only a speed setting; the scan works with any team size
        log.debug("could not limit the scan thread's OpenMP team", exc_info=True)


def _fbgemm_available() -> bool:
    try:
        import torch

        return "fbgemm" in torch.backends.quantized.supported_engines or "x86" in (
            torch.backends.quantized.supported_engines
        )
    except Exception:  # noqa: BLE001 - no torch, or a build without quantized ops
        return False


def _pack(codes: np.ndarray, scales: np.ndarray) -> Any:
    import torch

    with warnings.catch_warnings():
        # Quantized tensor constructors are deprecated upstream; the packed GEMM is still the fastest
        # int8 path on CPU, and the NumPy fallback takes over if it ever goes away.
        warnings.simplefilter("ignore")
        weight = torch._make_per_channel_quantized_tensor(
            torch.from_numpy(np.ascontiguousarray(codes, dtype=np.int8)),
            torch.from_numpy(scales),
            torch.zeros(codes.shape[0], dtype=torch.long),
            0,
        )
        return torch.ops.quantized.linear_prepack(weight, None)


#: Rows per packed segment: packing costs ~12 us a row, so updates repack one segment, never all.
SEGMENT_ROWS = 131_072
#: New vectors stay in the exact float32 delta until there are this many.
DELTA_ROWS = 8192


class _Segment:
    """A packed block of rows sorted by clip id, with their video ids and a live mask."""

    def __init__(self, ids: np.ndarray, videos: np.ndarray, codes: np.ndarray, scales: np.ndarray) -> None:
        self.ids = ids
        self.videos = videos
        self.alive = np.ones(len(ids), bool)
        self.matrix = Int8Matrix(codes, scales)

    def remove(self, gone: np.ndarray) -> None:
        if not len(self.ids) or not len(gone):
            return
        pos = np.searchsorted(self.ids, gone)
        pos = pos[pos < len(self.ids)]
        self.alive[pos[np.isin(self.ids[pos], gone)]] = False

    def live_codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        codes, scales = self.matrix.codes_and_scales()
        a = self.alive
        return self.ids[a], self.videos[a], codes[a], scales[a]


class VectorIndex:
    """Int8 codes of every clip vector in packed segments, an exact delta block and deletion masks."""

    def __init__(self, dim: int, epoch: int, last_seq: int) -> None:
        self.dim = dim
        self.epoch = epoch
        self.last_seq = last_seq
        self._segments: list[_Segment] = []
        self._delta_ids = np.zeros(0, np.int64)
        self._delta_videos = np.zeros(0, np.int64)
        self._delta = np.zeros((0, dim), np.float32)

    @classmethod
    def build(
        cls,
        blocks: Iterable[tuple[np.ndarray, np.ndarray]],
        video_of: tuple[np.ndarray, np.ndarray],
        *,
        dim: int,
        epoch: int,
        last_seq: int,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> VectorIndex | None:
        """Quantize every (clip ids, vectors) block; `video_of` is (clip ids sorted, their video ids).

        Returns None when `cancelled()` turns true on the way.
        """
        index = cls(dim, epoch, last_seq)
        id_parts: list[np.ndarray] = []
        code_parts: list[np.ndarray] = []
        scale_parts: list[np.ndarray] = []
        for ids, vectors in blocks:
            if cancelled():
                return None
            codes, scales = quantize(vectors)
            id_parts.append(ids)
            code_parts.append(codes)
            scale_parts.append(scales)
        if not id_parts:
            return index
        ids = np.concatenate(id_parts)
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        codes = np.concatenate(code_parts)[order]
        scales = np.concatenate(scale_parts)[order]
        del code_parts, scale_parts
        videos = _lookup(video_of, ids)
        for start in range(0, len(ids), SEGMENT_ROWS):
            if cancelled():
                return None
            part = slice(start, start + SEGMENT_ROWS)
            index._segments.append(_Segment(ids[part], videos[part], codes[part], scales[part]))
        return index

    @property
    def size(self) -> int:
        """Live vectors in the index."""
        return sum(int(s.alive.sum()) for s in self._segments) + len(self._delta_ids)

    @property
    def segments(self) -> int:
        return len(self._segments)

    @property
    def nbytes(self) -> int:
        """Approximate RAM held."""
        held = sum(s.matrix.nbytes + s.ids.nbytes + s.videos.nbytes + s.alive.nbytes for s in self._segments)
        return held + self._delta.nbytes + self._delta_ids.nbytes + self._delta_videos.nbytes

    @property
    def backend(self) -> str:
        return self._segments[0].matrix.backend if self._segments else "numpy"

    def apply(self, added: dict[int, tuple[int, np.ndarray]], removed: set[int]) -> None:
        """Follow committed changes: `added` maps clip id -> (video id, unit vector)."""
        gone_set = removed | set(added)
        gone = np.sort(np.fromiter(gone_set, np.int64, len(gone_set)))
        for seg in self._segments:
            seg.remove(gone)
        if len(gone) and len(self._delta_ids):
            keep = ~np.isin(self._delta_ids, gone)
            self._delta_ids, self._delta_videos, self._delta = (
                self._delta_ids[keep],
                self._delta_videos[keep],
                self._delta[keep],
            )
        if added:
            ids = np.fromiter(added, np.int64, len(added))
            self._delta_ids = np.concatenate([self._delta_ids, ids])
            self._delta_videos = np.concatenate(
                [self._delta_videos, np.array([added[i][0] for i in added], np.int64)]
            )
            rows = np.stack([added[i][1] for i in added]).astype(np.float32)
            self._delta = np.concatenate([self._delta, rows])
        if len(self._delta_ids) >= DELTA_ROWS:
            self._fold_delta()
        self._compact()

    def _fold_delta(self) -> None:
        """Pack the delta into the last segment (or a new one once that is full)."""
        order = np.argsort(self._delta_ids, kind="stable")
        ids, videos = self._delta_ids[order], self._delta_videos[order]
        codes, scales = quantize(self._delta[order])
        last = self._segments[-1] if self._segments else None
        if last is not None and int(last.alive.sum()) + len(ids) <= SEGMENT_ROWS and ids[0] > last.ids[-1]:
            l_ids, l_videos, l_codes, l_scales = last.live_codes()
            self._segments[-1] = _Segment(
                np.concatenate([l_ids, ids]),
                np.concatenate([l_videos, videos]),
                np.concatenate([l_codes, codes]),
                np.concatenate([l_scales, scales]),
            )
        else:
            self._segments.append(_Segment(ids, videos, codes, scales))
        self._delta_ids = np.zeros(0, np.int64)
        self._delta_videos = np.zeros(0, np.int64)
        self._delta = np.zeros((0, self.dim), np.float32)

    def _compact(self) -> None:
        """Repack segments that are mostly deleted rows; drop empty ones."""
        kept: list[_Segment] = []
        for seg in self._segments:
            live = int(seg.alive.sum())
            if live == 0:
                continue
            if live < len(seg.ids) // 2:
                seg = _Segment(*seg.live_codes())
            kept.append(seg)
        self._segments = kept

    def candidates(self, query: np.ndarray, depth: int, videos: np.ndarray | None = None) -> np.ndarray:
        """Clip ids of the `depth` best rows by approximate score, optionally only of these video ids."""
        if depth <= 0:
            return np.zeros(0, np.int64)
        allowed = None if videos is None else _membership(np.asarray(videos, np.int64))
        id_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        scored = scan_all([s.matrix for s in self._segments], query)
        blocks = [(s.ids, s.videos, s.alive, sc) for s, sc in zip(self._segments, scored, strict=True)]
        if len(self._delta_ids):
            blocks.append(
                (self._delta_ids, self._delta_videos, None, self._delta @ query.astype(np.float32))  # type: ignore[arg-type]
            )
        for ids, vids, alive, scores in blocks:
            if alive is not None:
                scores[~alive] = -np.inf
            if allowed is not None:
                scores[~allowed(vids)] = -np.inf
            if depth < len(scores):
                top = np.argpartition(-scores, depth - 1)[:depth]
                ids, scores = ids[top], scores[top]
            id_parts.append(ids)
            score_parts.append(scores)
        if not id_parts:
            return np.zeros(0, np.int64)
        ids, scores = np.concatenate(id_parts), np.concatenate(score_parts)
        keep = np.isfinite(scores)
        ids, scores = ids[keep], scores[keep]
        order = np.argsort(-scores, kind="stable")[:depth]
        return ids[order]


def _membership(allowed: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A fast `np.isin(x, allowed)`: a lookup table when ids are small (video ids are), else isin."""
    if len(allowed) and allowed.min() >= 0 and allowed.max() < 50_000_000:
        table = np.zeros(int(allowed.max()) + 2, bool)
        table[allowed] = True
        top = len(table) - 1  # always False: ids beyond the table (and -1, unknown) land here

        def member(x: np.ndarray) -> np.ndarray:
            return table[np.where((x >= 0) & (x < top), x, top)]

        return member
    return lambda x: np.isin(x, allowed)


def _lookup(video_of: tuple[np.ndarray, np.ndarray], ids: np.ndarray) -> np.ndarray:
    """Video id of each clip id (-1 when unknown)."""
    keys, values = video_of
    if not len(ids):
        return np.zeros(0, np.int64)
    if not len(keys):
        return np.full(len(ids), -1, np.int64)
    pos = np.clip(np.searchsorted(keys, ids), 0, len(keys) - 1)
    return np.where(keys[pos] == ids, values[pos], -1).astype(np.int64)
