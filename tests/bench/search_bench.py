"""Vector search benchmark: N clip vectors through the real store (or the ANN index alone), timed queries.

    python tests/bench/search_bench.py --vectors clip-like --n 1000000 --json
    python tests/bench/search_bench.py --vectors clip-like --n 10000000 --index-only --json
    python tests/bench/search_bench.py --vectors clip-like --n 100000 --compare --json

Prints one JSON line: p50_ms / p95_ms (store.knn, k=10, ANN index loaded), recall_at_10 against exact
search, numpy_p50_ms (NumPy exact search on the same vectors in the same run: the anchor),
open_first_query_s (a fresh process opens the library and answers one query; imports included),
index_mb (the index's RAM), index_disk_mb (its file), filtered_p50_ms / filtered_recall_at_10 (a path
filter passing 10% of the videos), small_filtered_p50_ms / small_filtered_recall_at_10 (a date filter
passing 1% of them: at most EXACT_FILTER_MAX clips, so every one is scored), candidates_p50_ms (200
candidates for a re-rank stage), sqlite_vec_p50_ms (sqlite-vec's exact KNN scan of the whole table,
k=10, through the store with the index loaded but `ann_min` above its size; before 2026-12-02 this
column timed the ANN path again), index_build_s, build_s, db_mb.

--index-only (for 10M): the vectors are generated in 100k chunks, each added to the index (and to the
float16 rows the store re-scores from, memory-mapped beside it) and folded into the exact top 10 of
every query; 10M float32 vectors are never in RAM at once. p50_ms is the index's search plus the
float16 re-score of its 400 candidates (no SQLite: the store's extra cost is its k exact vec0 reads).
--keep DIR keeps the built index, rows and exact answers in DIR, and a later run with the same --n
and --queries reuses them (build once, time the queries on an idle machine).
--compare: FAISS IVF-PQ (the store's index) and usearch HNSW (i8) on the same vectors, one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clip_like import ClipLike, exact_top  # noqa: E402

from engine.results import SearchFilters  # noqa: E402
from engine.store import ClipRecord, FrameRecord, LibraryStore  # noqa: E402
from engine.store import ann as ann_mod  # noqa: E402

CLIPS_PER_VIDEO = 100


def vectors(kind: str, n: int, dim: int, queries: int) -> tuple[ClipLike | None, np.ndarray, np.ndarray]:
    if kind == "clip-like":
        gen = ClipLike(dim)
        return gen, np.concatenate(list(gen.images(n))), gen.queries(queries)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n + queries, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return None, x[:n], x[n:]


def build(db: Path, data: np.ndarray) -> float:
    """Save N clips as videos of 100 clips, many videos per transaction; returns seconds."""
    t0 = time.perf_counter()
    frame = [FrameRecord(0.5, 1.0, b"")]
    with LibraryStore.open(db) as store:
        store.vectors.ann_min = 10**12  # built once, below, and timed
        folder = store.add_folder(db.parent / "videos")
        n_videos = (len(data) + CLIPS_PER_VIDEO - 1) // CLIPS_PER_VIDEO
        for first in range(0, n_videos, 200):
            with store.batch():
                for v in range(first, min(n_videos, first + 200)):
                    rows = data[v * CLIPS_PER_VIDEO : (v + 1) * CLIPS_PER_VIDEO]
                    name = f"{'tenth' if v % 10 == 0 else 'video'}_{v:07d}.mp4"
                    vid = store.add_pending(folder.id, str(db.parent / "videos" / name), 1, float(v), name)
                    clips = [ClipRecord(2.0 * i, 2.0 * i + 2, r, frame) for i, r in enumerate(rows)]
                    store.save_video(
                        vid, duration=2.0 * len(rows), fingerprint="bench", clips=clips, size=1,
                        mtime=float(v), content_hash=name,
                    )  # fmt: skip
        store.vectors.clear()
    return time.perf_counter() - t0


def timed(fn: Callable[[int], object], runs: int) -> tuple[list[float], list[object]]:
    times, outs = [], []
    for i in range(runs):
        t0 = time.perf_counter()
        outs.append(fn(i))
        times.append((time.perf_counter() - t0) * 1000)
    return times, outs


def p(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def recall(found: list[list[int]], truth: np.ndarray) -> float:
    return round(
        statistics.mean(len(set(f) & set(t.tolist())) / 10 for f, t in zip(found, truth, strict=True)), 4
    )


FIRST_QUERY = """
import sys, time, numpy as np
t0 = time.perf_counter()
sys.path.insert(0, {repo!r})
from engine.store import LibraryStore
with LibraryStore.open({db!r}, readonly=True) as store:
    hits = store.knn(np.load({q!r}), 10)
print(time.perf_counter() - t0, store.vectors.index is not None, len(hits))
"""


def open_first_query(db: Path, query: np.ndarray) -> tuple[float, bool]:
    """Seconds for a fresh process to import, open the library and answer one query (and whether by ANN)."""
    qfile = db.parent / "query.npy"
    np.save(qfile, query)
    code = FIRST_QUERY.format(repo=str(REPO), db=str(db), q=str(qfile))
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    total = time.perf_counter() - t0
    return round(total, 2), out[1] == "True"


def store_run(args: argparse.Namespace, out: dict[str, object]) -> None:
    _, data, queries = vectors(args.vectors, args.n, args.dim, args.queries)
    tmp = Path(tempfile.mkdtemp(prefix="glimpse-bench-")) if args.db is None else None
    db = args.db or tmp / "library.db"  # type: ignore[operator]
    out["build_s"] = None if db.exists() else round(build(db, data), 1)

    def exact(i: int) -> np.ndarray:
        s = data @ queries[i]
        top = np.argpartition(-s, 10)[:10]
        return top[np.argsort(-s[top])]

    np_times, truth = timed(exact, args.queries)
    out["numpy_p50_ms"] = p(np_times, 50)
    tenth = np.concatenate([np.arange(v * 100, v * 100 + 100) for v in range(0, args.n // 100, 10)])
    f_truth = np.array([tenth[t] for t in exact_top(iter([data[tenth]]), queries)])
    s_truth = exact_top(iter([data[: args.n // 100]]), queries)
    with LibraryStore.open(db) as store:
        store.vectors.ann_min = 0
        t0 = time.perf_counter()
        store.vectors.prepare(wait=True)
        out["index_build_s"] = round(time.perf_counter() - t0, 1)
        index = store.vectors.index
        assert index is not None
        out["index_mb"] = round(index.nbytes / 1e6, 1)
        out["index_disk_mb"] = round(ann_mod.paths_for(db)[0].stat().st_size / 1e6, 1)
        out["simd"] = ann_mod.simd_level()
        store.knn(queries[0], 10)
        times, hits = timed(lambda i: store.knn(queries[i], 10), args.queries)
        out["p50_ms"], out["p95_ms"] = p(times, 50), p(times, 95)
        out["recall_at_10"] = recall([[c - 1 for c, _ in h] for h in hits], truth)  # type: ignore[attr-defined]
        flt = SearchFilters(path_contains="tenth_")
        f_times, f_hits = timed(lambda i: store.knn(queries[i], 10, flt), args.queries)
        out["filtered_p50_ms"] = p(f_times, 50)
        out["filtered_recall_at_10"] = recall([[c - 1 for c, _ in h] for h in f_hits], f_truth)  # type: ignore[attr-defined]
        # The first 1% of the videos by mtime (= their number): 1k clips at 100k, 10k at 1M.
        small = SearchFilters(modified_before=float(args.n // CLIPS_PER_VIDEO // 100 - 1))
        s_times, s_hits = timed(lambda i: store.knn(queries[i], 10, small), args.queries)
        out["small_filtered_p50_ms"] = p(s_times, 50)
        out["small_filtered_recall_at_10"] = recall([[c - 1 for c, _ in h] for h in s_hits], s_truth)  # type: ignore[attr-defined]
        c_times, _ = timed(lambda i: store.candidates(queries[i], 200), args.queries)
        out["candidates_p50_ms"] = p(c_times, 50)
        store.vectors.clear()
    out["open_first_query_s"], out["first_query_by_ann"] = open_first_query(db, queries[1])
    with LibraryStore.open(db, readonly=True) as store:
        store.vectors.ann_min = 10**12  # a loaded index smaller than this leaves the query to sqlite-vec
        store.vectors.clear()
        store.knn(queries[0], 10)  # loads (and checks) the saved index, untimed
        sv_times, _ = timed(lambda i: store.knn(queries[i], 10), 5 if args.n >= 500_000 else 15)
        out["sqlite_vec_p50_ms"] = p(sv_times, 50)
    out["db_mb"] = round(sum(f.stat().st_size for f in db.parent.glob(db.name + "*")) / 1e6, 1)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


def index_only_run(args: argparse.Namespace, out: dict[str, object]) -> None:
    """The ANN index alone over streamed CLIP-like vectors (see the module docstring)."""
    gen = ClipLike(args.dim)
    queries = gen.queries(args.queries)
    keep = args.keep
    tmp = keep or Path(tempfile.mkdtemp(prefix="glimpse-bench-", dir=args.tmp))
    tmp.mkdir(parents=True, exist_ok=True)
    built = tmp / "built.json"
    if built.exists():  # --keep: the index, rows and exact answers of an earlier run with the same --n
        meta = json.loads(built.read_text())
        assert meta["n"] == args.n and meta["queries"] == args.queries, "--keep holds another run"
        out.update(meta["figures"])
        out["numpy_p50_ms"] = _numpy_anchor(gen, queries, args.n)  # this run's, not the build's
        truth = np.load(tmp / "truth.npy")
        index = ann_mod.AnnIndex.load(tmp / "index.db")
        assert index is not None
    else:
        index, truth = _build_index_only(args, gen, queries, tmp, out)
        if keep:
            figures = {k: out[k] for k in ("index_build_s", "numpy_p50_ms", "index_disk_mb", "index_mb")}
            np.save(tmp / "truth.npy", truth)
            built.write_text(json.dumps({"n": args.n, "queries": args.queries, "figures": figures}))
    out["simd"] = ann_mod.simd_level()
    index.nprobe = args.nprobe or index.nprobe
    depth = args.depth or index.depth  # as store.knn asks for k = 10
    out["nprobe"], out["depth"] = index.nprobe, depth

    def query(i: int) -> list[int]:
        scored = index.score(index.search(queries[i], depth), queries[i])  # the store's float16 re-score
        assert scored is not None
        ids, scores = scored
        return ids[np.argsort(-scores)[:10]].tolist()

    query(0)
    times, hits = timed(query, args.queries)
    out["p50_ms"], out["p95_ms"] = p(times, 50), p(times, 95)
    out["recall_at_10"] = recall(hits, truth)  # type: ignore[arg-type]
    # The process after the queries. Anonymous memory is what it holds (the index, the row map, NumPy);
    # the file-backed part is the float16 rows' pages it touched, page cache the kernel reclaims.
    out["rss_mb"], out["rss_anon_mb"], out["rss_file_mb"] = _rss_mb()
    out["rows_disk_mb"] = round(sum(f.stat().st_size for f in tmp.glob("index.db.ann.*")) / 1e6, 1)
    t0 = time.perf_counter()
    again = ann_mod.AnnIndex.load(tmp / "index.db")
    assert again is not None
    again.search(queries[1], 400)
    out["open_first_query_s"] = round(time.perf_counter() - t0, 2)  # load + one search, in this process
    if not keep:
        shutil.rmtree(tmp, ignore_errors=True)


def _numpy_anchor(gen: ClipLike, queries: np.ndarray, n: int) -> float:
    """NumPy's exact scan of n vectors for one query, in ms: one 100k block timed, times n / 100k."""
    block = gen.block(0, min(n, 100_000))
    t0 = time.perf_counter()
    for q in queries:
        np.argpartition(-(block @ q), 9)[:10]
    return round(1000 * (time.perf_counter() - t0) / len(queries) * n / len(block), 2)


def _rss_mb() -> tuple[float, float, float]:
    """This process's resident memory now (Linux), in MB: all, anonymous, file-backed."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    kb = [int(fields.get(k, "0 kB").split()[0]) for k in ("VmRSS", "RssAnon", "RssFile")]
    return (round(kb[0] / 1000, 1), round(kb[1] / 1000, 1), round(kb[2] / 1000, 1))


def _build_index_only(
    args: argparse.Namespace, gen: ClipLike, queries: np.ndarray, tmp: Path, out: dict[str, object]
) -> tuple[ann_mod.AnnIndex, np.ndarray]:
    """Stream the vectors into the index (and its float16 rows) and the exact top 10 of every query."""
    state = ann_mod.AnnState("bench", 1, args.dim, 0, args.n)
    want = min(args.n, ann_mod.TRAIN_PER_LIST * ann_mod.list_count(args.n))
    sample = np.concatenate([gen.block(100_000 + i, 10_000) for i in range((want + 9999) // 10_000)])
    best_s = np.full((len(queries), 10), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 10), np.int64)
    t_np: list[float] = []

    def blocks():  # type: ignore[no-untyped-def]
        nonlocal best_s, best_i
        for start in range(0, args.n, 100_000):
            chunk = gen.block(start // 100_000, min(100_000, args.n - start))
            t0 = time.perf_counter()
            s = queries @ chunk.T
            t_np.append(time.perf_counter() - t0)
            ids = np.arange(start, start + len(chunk))
            s_all = np.concatenate([best_s, s], 1)
            i_all = np.concatenate([best_i, np.broadcast_to(ids, s.shape)], 1)
            top = np.argpartition(-s_all, 9, axis=1)[:, :10]
            best_s, best_i = np.take_along_axis(s_all, top, 1), np.take_along_axis(i_all, top, 1)
            yield ids, chunk

    t0 = time.perf_counter()
    index = ann_mod.AnnIndex.build(sample, blocks(), state, rows_beside=tmp / "index.db")
    assert index is not None
    out["index_build_s"] = round(time.perf_counter() - t0, 1)
    out["numpy_p50_ms"] = round(1000 * sum(t_np) / len(queries), 2)  # one query's exact scan of all N
    index.save(tmp / "index.db")
    out["index_disk_mb"] = round(ann_mod.paths_for(tmp / "index.db")[0].stat().st_size / 1e6, 1)
    out["index_mb"] = round(index.nbytes / 1e6, 1)
    truth = np.take_along_axis(best_i, np.argsort(-best_s, 1), 1)
    return index, truth


def compare_run(args: argparse.Namespace, out: dict[str, object]) -> None:
    """FAISS IVF-PQ (the store's index) against usearch HNSW on the same vectors, exact re-score of 400.

    usearch is imported after FAISS has built its index: with usearch (its numkong kernels) loaded
    first, faiss.index_factory crashed this process (segfault, faiss-cpu 1.15.1, usearch 2.26.6).
    """
    _, data, queries = vectors(args.vectors, args.n, args.dim, args.queries)
    truth = exact_top(iter([data]), queries)
    ids = np.arange(args.n, dtype=np.int64)

    def rescored(found: np.ndarray, q: np.ndarray) -> list[int]:
        found = found[found >= 0]
        return found[np.argsort(-(data[found] @ q))[:10]].tolist()

    t0 = time.perf_counter()
    want = min(args.n, ann_mod.TRAIN_PER_LIST * ann_mod.list_count(args.n))
    sample = data[np.random.default_rng(1).choice(args.n, want, replace=False)]
    faiss_index = ann_mod.AnnIndex.build(sample, [(ids, data)], ann_mod.AnnState("b", 1, args.dim, 0, args.n))
    assert faiss_index is not None
    f_build = time.perf_counter() - t0
    f_times, f_hits = timed(lambda i: rescored(faiss_index.search(queries[i], 400), queries[i]), args.queries)
    out["faiss"] = {
        "build_s": round(f_build, 1), "p50_ms": p(f_times, 50), "recall_at_10": recall(f_hits, truth),  # type: ignore[arg-type]
        "bytes_per_vector": round(faiss_index.nbytes / args.n, 1),
    }  # fmt: skip
    from usearch.index import Index

    t0 = time.perf_counter()
    u = Index(
        ndim=args.dim, metric="ip", dtype="i8", connectivity=16, expansion_add=128, expansion_search=400
    )
    u.add(ids, data, threads=2)
    u_build = time.perf_counter() - t0
    u_times, u_hits = timed(
        lambda i: rescored(u.search(queries[i], 400).keys.astype(np.int64), queries[i]), args.queries
    )
    out["usearch"] = {
        "build_s": round(u_build, 1), "p50_ms": p(u_times, 50), "recall_at_10": recall(u_hits, truth),  # type: ignore[arg-type]
        "bytes_per_vector": round(u.memory_usage / args.n, 1),
    }  # fmt: skip
    np_times, _ = timed(lambda i: np.argpartition(-(data @ queries[i]), 10)[:10], args.queries)
    out["numpy_p50_ms"] = p(np_times, 50)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--vectors", choices=["random", "clip-like"], default="clip-like")
    ap.add_argument("--index-only", action="store_true", help="the ANN index alone, vectors streamed")
    ap.add_argument("--compare", action="store_true", help="FAISS vs usearch on the same vectors")
    ap.add_argument("--db", type=Path, default=None, help="reuse/keep this database (built when missing)")
    ap.add_argument("--tmp", type=Path, default=None, help="folder for --index-only's memory map")
    ap.add_argument("--keep", type=Path, default=None, help="--index-only: keep/reuse the index here")
    ap.add_argument("--nprobe", type=int, default=0, help="--index-only: lists probed (0: its rule)")
    ap.add_argument("--depth", type=int, default=0, help="--index-only: candidates re-scored (0: its rule)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out: dict[str, object] = {
        "n": args.n,
        "dim": args.dim,
        "vectors": args.vectors,
        "threads": os.cpu_count(),
    }
    if args.compare:
        compare_run(args, out)
    elif args.index_only:
        index_only_run(args, out)
    else:
        store_run(args, out)
    if "p50_ms" in out:
        out["ratio_p50_vs_numpy"] = round(float(out["p50_ms"]) / float(out["numpy_p50_ms"]), 3)  # type: ignore[arg-type]
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
