"""The frame re-rank's cost per query: the second stage at N candidates through the real store.

    taskset -c 0,1 python tests/bench/rerank_bench.py [--videos 2000] [--clips 5] [--n 200] [--json]

A library of random clip vectors and random 512-d frame features (12 frames a clip, int8 as stored) is
built; for random text-like queries the script times (a) the first stage alone (store.knn), (b) the
whole search with the re-rank off and at N, and (c) the second stage's own parts on the first stage's
N hits, as search runs them: the one-statement read (store.frame_batch), the scoring (match_batch) and
the re-sort (rerank). Figures are medians in ms, with two same-run ratios: the added time over the
clip-only search, and the second stage over its bare arithmetic (int8 -> float32 and one [N*12, 512]
mat-vec: the anchor). Each query's two searches (re-rank off, at N) run back to back, 5 calls each;
`added_paired_ms` is the median over queries of their difference (less exposed to load swings than
the difference of the two medians, `added_ms`). `legacy_ms` is the stage as it was before (per-clip
read, BLAS product, a look-up per frame), so `second_stage_over_legacy` is a same-run ratio. The
re-ranked search
uses the trained-head settings (RerankSettings.for_model(zero_shot=False)); the cost does not depend
on the mode. Goal: added_ms ≤ 10 at N=200 on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.rerank import RerankSettings, match_batch, rerank  # noqa: E402
from engine.search import Searcher  # noqa: E402
from engine.store import ClipRecord, FrameRecord, LibraryStore  # noqa: E402

DIM = 512
FRAMES = 12


def build(db: Path, videos: int, clips: int, seed: int = 0) -> None:
    """Random clips whose frames scatter around the clip vector (as real frames do around their mean)."""
    rng = np.random.default_rng(seed)
    with LibraryStore.open(db) as store:
        folder = store.add_folder(str(db.parent / "videos"))
        with store.batch():
            for v in range(videos):
                vid = store.add_pending(folder.id, str(db.parent / f"videos/v{v}.mp4"), 1, 1.0, f"h{v}")
                records = []
                for c in range(clips):
                    centre = rng.standard_normal(DIM).astype(np.float32)
                    feats = centre + 0.8 * rng.standard_normal((FRAMES, DIM)).astype(np.float32)
                    frames = [
                        FrameRecord(t=c * 12.0 + i, weight=1 / FRAMES, thumb=b"", feature=feats[i])
                        for i in range(FRAMES)
                    ]
                    records.append(ClipRecord(c * 12.0, c * 12.0 + 12.0, centre, frames))
                store.save_video(
                    vid,
                    duration=clips * 12.0,
                    fingerprint="bench",
                    clips=records,
                    size=1,
                    mtime=1.0,
                    content_hash=f"h{v}",
                    backbone="bench",
                )


def samples(fn, repeats: int) -> list[float]:
    """ms of each of `repeats` calls of fn() (after one warm call)."""
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def timed(fn, repeats: int) -> float:
    """Median ms of fn() over repeats (after one warm call)."""
    return statistics.median(samples(fn, repeats))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=2000)
    parser.add_argument("--clips", type=int, default=5)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "lib.db"
        t0 = time.perf_counter()
        build(db, args.videos, args.clips)
        build_s = time.perf_counter() - t0
        with LibraryStore.open(db, readonly=True) as store:
            store.vectors.prepare(wait=True)  # an ANN index, when the library is big enough for one
            searcher = Searcher(store, None)
            queries = [
                q / np.linalg.norm(q) for q in rng.standard_normal((args.queries, DIM)).astype(np.float32)
            ]
            settings = RerankSettings.for_model(zero_shot=False, candidates=args.n)
            first, second, parts, clip_only = [], [], [], []
            paired: list[float] = []  # per query: two-stage minus clip-only, measured back to back
            split: dict[str, list[float]] = {"fetch": [], "match": [], "rerank": [], "legacy": []}
            for q in queries:
                hits = store.knn(q, args.n)
                first.append(timed(lambda q=q: store.knn(q, args.n), 3))
                ids = [c for c, _ in hits[: args.n]]

                def stage(q=q, hits=hits, ids=ids) -> None:
                    batch = store.frame_batch(ids)
                    rerank(hits, match_batch(q[None, :], batch, settings.temperature), settings)

                parts.append(timed(stage, 3))
                batch = store.frame_batch(ids)
                matches = match_batch(q[None, :], batch, settings.temperature)
                split["fetch"].append(timed(lambda ids=ids: store.frame_batch(ids), 3))
                split["match"].append(timed(lambda q=q, b=batch: match_batch(q[None, :], b, 0.05), 3))
                split["rerank"].append(timed(lambda h=hits, m=matches: rerank(h, m, settings), 3))
                split["legacy"].append(timed(lambda q=q, ids=ids: _legacy_stage(store, q, ids), 3))
                # Both searches of a query back to back, so that both meet the same load.
                searcher.rerank = settings
                two = samples(lambda q=q: _search(searcher, q), 5)
                searcher.rerank = RerankSettings(candidates=0)
                one = samples(lambda q=q: _search(searcher, q), 5)
                second.append(statistics.median(two))
                clip_only.append(statistics.median(one))
                paired.append(statistics.median(two) - statistics.median(one))
    # The anchor: the stage's bare arithmetic on the same shapes (int8 -> float32, one mat-vec).
    codes = rng.integers(-127, 128, (args.n * FRAMES, DIM), dtype=np.int8)
    anchor = timed(lambda: codes.astype(np.float32) @ queries[0], 20)
    p = statistics.median
    data = {
        "clips": args.videos * args.clips,
        "n": args.n,
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "cpus": len(os.sched_getaffinity(0)),
        "knn_ms": round(p(first), 3),
        "second_stage_ms": round(p(parts), 3),
        **{f"{k}_ms": round(p(v), 3) for k, v in split.items()},
        "search_clip_only_ms": round(p(clip_only), 3),
        "search_two_stage_ms": round(p(second), 3),
        "added_ms": round(p(second) - p(clip_only), 3),
        "added_over_clip_only": round((p(second) - p(clip_only)) / p(clip_only), 3),
        "added_paired_ms": round(p(paired), 3),
        "anchor_ms": round(anchor, 3),
        "second_stage_over_anchor": round(p(parts) / anchor, 2),
        "second_stage_over_legacy": round(p(parts) / p(split["legacy"]), 3),
        "build_s": round(build_s, 1),
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }
    print(json.dumps(data) if args.json else json.dumps(data, indent=2))
    return 0


def _legacy_stage(store: LibraryStore, q: np.ndarray, ids: list[int]) -> None:
    """The second stage as it was before this bench's last change, for a same-run ratio.

    Per-clip read (three NumPy arrays per clip), stacked codes converted to float32, a BLAS product,
    and one nearest-time look-up per frame of the 50 best (as search did for the shown results).
    """
    feats = store.frame_features(ids)
    items = list(feats.values())
    counts = np.array([f.codes.shape[0] for f in items])
    x = np.concatenate([f.codes for f in items]).astype(np.float32)
    best = (x @ q[None, :].T).max(axis=1) / np.maximum(np.sqrt(np.einsum("ij,ij->i", x, x)), 1e-12)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for f, a, n in list(zip(items, starts, counts, strict=True))[:50]:
        for t in f.times:
            int(np.argmin(np.abs(f.times - t)))
        best[a : a + n].max()


def _search(searcher: Searcher, q: np.ndarray) -> None:
    """Searcher.search for a query vector (as a text query would give after encoding)."""
    vector, frames = q, q[None, :]
    searcher.query_vectors = lambda _query: (vector, frames, [])  # type: ignore[method-assign]
    searcher.search("bench", k=20)


if __name__ == "__main__":
    sys.exit(main())
