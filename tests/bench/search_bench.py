"""Vector search benchmark: N random unit vectors through the real store, then timed queries.

    python tests/bench/search_bench.py --n 100000 --json

Prints one JSON line: p50_ms / p95_ms (store.knn, k=10, warm in-memory index), recall_at_10 against
exact search, numpy_p50_ms (NumPy exact search on the same vectors, the anchor), sqlite_vec_p50_ms
(sqlite-vec's exact scan), search_p50_ms (Searcher.search "more like this", k=20 moments),
filtered_p50_ms (knn with a path filter passing ~10% of videos), text_p50_ms (encode_text with the
ViT-B/32 architecture, random weights), build_s, index_build_s, index_mb, db_mb.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine.results import SearchFilters  # noqa: E402
from engine.search import ClipQuery, Searcher  # noqa: E402
from engine.store import ClipRecord, FrameRecord, LibraryStore  # noqa: E402

CLIPS_PER_VIDEO = 100


def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def build(db: Path, data: np.ndarray) -> float:
    """Save N clips as videos of 100 clips, many videos per transaction; returns seconds."""
    t0 = time.perf_counter()
    frame = [FrameRecord(0.5, 1.0, b"")]
    with LibraryStore.open(db) as store:
        folder = store.add_folder(db.parent / "videos")
        n_videos = (len(data) + CLIPS_PER_VIDEO - 1) // CLIPS_PER_VIDEO
        per_txn = 200
        for first in range(0, n_videos, per_txn):
            with store.batch():
                for v in range(first, min(n_videos, first + per_txn)):
                    rows = data[v * CLIPS_PER_VIDEO : (v + 1) * CLIPS_PER_VIDEO]
                    name = f"{'tenth' if v % 10 == 0 else 'video'}_{v:06d}.mp4"
                    vid = store.add_pending(folder.id, str(db.parent / "videos" / name), 1, float(v), name)
                    clips = [ClipRecord(2.0 * i, 2.0 * i + 2, r, frame) for i, r in enumerate(rows)]
                    store.save_video(
                        vid,
                        duration=2.0 * len(rows),
                        fingerprint="bench",
                        clips=clips,
                        size=1,
                        mtime=float(v),
                        content_hash=name,
                    )
    return time.perf_counter() - t0


def timed(fn, runs: int) -> tuple[list[float], list[object]]:  # type: ignore[no-untyped-def]
    times, outs = [], []
    for i in range(runs):
        t0 = time.perf_counter()
        outs.append(fn(i))
        times.append((time.perf_counter() - t0) * 1000)
    return times, outs


def p(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def text_p50(runs: int) -> float | None:
    try:
        from bench_models import bench_model

        model = bench_model("vit-b-32", device="cpu")
    except Exception as err:  # noqa: BLE001 - the benchmark still reports the store figures
        logging.warning("no ViT-B/32 text encoder: %s", err)
        return None
    queries = [f"a person walking a dog number {i} in the park" for i in range(runs + 2)]
    model.encode_text([queries[-1]], use_cache=False)
    times, _ = timed(lambda i: model.encode_text([queries[i]], use_cache=False), runs)
    return p(times, 50)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--db", type=Path, default=None, help="reuse/keep this database (built when missing)")
    ap.add_argument("--no-text", action="store_true", help="skip the text-encoder timing")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    data = unit_rows(rng, args.n, args.dim)
    queries = unit_rows(rng, args.queries, args.dim)
    tmp = None
    if args.db is None:
        tmp = Path(tempfile.mkdtemp(prefix="glimpse-bench-"))
        db = tmp / "library.db"
    else:
        db = args.db
    build_s = build(db, data) if not db.exists() else None
    out: dict[str, object] = {
        "n": args.n,
        "dim": args.dim,
        "build_s": None if build_s is None else round(build_s, 1),
    }

    # NumPy exact search on the same vectors: the anchor and the ground truth.
    def exact(i: int) -> np.ndarray:
        s = data @ queries[i]
        top = np.argpartition(-s, 10)[:10]
        return top[np.argsort(-s[top])]

    np_times, truth = timed(exact, args.queries)
    out["numpy_p50_ms"] = p(np_times, 50)

    with LibraryStore.open(db, readonly=True) as store:
        t0 = time.perf_counter()
        store.vectors.accel_min = 0
        store.vectors.warm(wait=True)
        out["index_build_s"] = round(time.perf_counter() - t0, 2)
        index = store.vectors.index
        out["index_mb"] = round(index.nbytes / 1e6, 1) if index else None
        out["kernel"] = index.backend if index else None
        times, hits = timed(lambda i: store.knn(queries[i], 10), args.queries)
        out["p50_ms"], out["p95_ms"] = p(times, 50), p(times, 95)
        # clip ids follow insertion order: clip id = row + 1
        recalls = [
            len({c - 1 for c, _ in h} & set(t.tolist())) / 10 for h, t in zip(hits, truth, strict=True)
        ]
        out["recall_at_10"] = round(statistics.mean(recalls), 4)
        flt = SearchFilters(path_contains="tenth_")
        f_times, _ = timed(lambda i: store.knn(queries[i], 10, flt), min(args.queries, 20))
        out["filtered_p50_ms"] = p(f_times, 50)
        searcher = Searcher(store, None)
        s_times, _ = timed(
            lambda i: searcher.search(ClipQuery(1 + i * 997 % args.n), k=20), min(args.queries, 20)
        )
        out["search_p50_ms"] = p(s_times, 50)
        store.vectors.clear()
        store.vectors.accel_min = 10**12
        store.vectors.background = False
        sv_runs = 5 if args.n >= 500_000 else 15
        sv_times, _ = timed(lambda i: store.knn(queries[i], 10), sv_runs)
        out["sqlite_vec_p50_ms"] = p(sv_times, 50)
    out["text_p50_ms"] = None if args.no_text else text_p50(20)
    out["db_mb"] = round(sum(f.stat().st_size for f in db.parent.glob(db.name + "*")) / 1e6, 1)
    out["ratio_p50_vs_numpy"] = round(float(out["p50_ms"]) / float(out["numpy_p50_ms"]), 3)  # type: ignore[arg-type]
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
