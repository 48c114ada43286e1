"""CLIP-like benchmark vectors: a strong shared direction, a few thousand clusters, noise; text-like queries.

Random isotropic vectors flatter every quantizer (all pairwise cosines ~0). Real CLIP image embeddings share
one strong direction (mean pairwise cosine ~0.5) and cluster by content; text queries sit in their own
cone (query-image cosines ~0.2-0.3) and are closest to one content cluster. The model here:

    image = normalize(0.71 u + 0.5 c_j + 0.5 n)        u shared, c_j one of `clusters` centres, n noise
    query = normalize(0.85 w + 0.3 c_j + 0.43 n)       w = normalize(0.4 u + 0.92 v), another direction

The noise n has CLIP's decaying spectrum, not an isotropic one: in a random orthonormal basis its i-th
component has standard deviation ~ (i + 1)^-0.5 (real CLIP features put most of their variance in a few
dozen directions). Isotropic noise of this size would make the rank among a cluster's members pure
chance, which no compressed index (and no real embedding) shows.

Every block is drawn from its own seed, so 10M vectors can be streamed in chunks (and regenerated
chunk by chunk for the ground truth) without holding them all in RAM.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

CLUSTERS = 3000
CHUNK = 100_000


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


class ClipLike:
    """Deterministic CLIP-like data of `dim` dimensions (seeded by `seed`)."""

    def __init__(self, dim: int = 512, seed: int = 0, clusters: int = CLUSTERS) -> None:
        rng = np.random.default_rng(seed)
        self.dim = dim
        self.seed = seed
        self.u = _unit(rng.standard_normal(dim))
        v = rng.standard_normal(dim)
        v -= (v @ self.u) * self.u
        self.w = _unit(0.4 * self.u + 0.92 * _unit(v))
        self.centres = _unit(rng.standard_normal((clusters, dim)))
        # Zipf-like cluster sizes: a few subjects fill much of a library.
        weights = 1.0 / np.arange(1, clusters + 1) ** 0.6
        self.weights = weights / weights.sum()
        basis, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        self.spectrum = (basis * (np.arange(1, dim + 1) ** -0.5)[:, None]).astype(np.float32)

    def _noise(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return _unit(rng.standard_normal((n, self.dim), dtype=np.float32) @ self.spectrum)

    def block(self, index: int, n: int) -> np.ndarray:
        """Image vectors of block `index` (n rows), always the same for the same arguments."""
        rng = np.random.default_rng([self.seed, 1, index])
        which = rng.choice(len(self.centres), size=n, p=self.weights)
        x = 0.71 * self.u + 0.5 * self.centres[which] + 0.5 * self._noise(rng, n)
        return _unit(x)

    def images(self, n: int, chunk: int = CHUNK) -> Iterator[np.ndarray]:
        """n image vectors in chunks of `chunk` rows."""
        for start in range(0, n, chunk):
            yield self.block(start // chunk, min(chunk, n - start))

    def queries(self, n: int) -> np.ndarray:
        """n text-like query vectors."""
        rng = np.random.default_rng([self.seed, 2])
        which = rng.choice(len(self.centres), size=n, p=self.weights)
        return _unit(0.85 * self.w + 0.3 * self.centres[which] + 0.43 * self._noise(rng, n))


def exact_top(data: Iterator[np.ndarray], queries: np.ndarray, k: int = 10) -> np.ndarray:
    """Row numbers of each query's exact top k (cosine on unit vectors), streaming the data."""
    best_s = np.full((len(queries), k), -np.inf, np.float32)
    best_i = np.zeros((len(queries), k), np.int64)
    offset = 0
    for chunk in data:
        s = queries @ chunk.T
        s_all = np.concatenate([best_s, s], axis=1)
        rows = np.arange(offset, offset + len(chunk))[None, :].repeat(len(queries), 0)
        i_all = np.concatenate([best_i, rows], 1)
        top = np.argpartition(-s_all, k - 1, axis=1)[:, :k]
        best_s = np.take_along_axis(s_all, top, 1)
        best_i = np.take_along_axis(i_all, top, 1)
        offset += len(chunk)
    order = np.argsort(-best_s, axis=1)
    return np.take_along_axis(best_i, order, 1)
