"""Folder-watching benchmark: what the watcher costs on top of the indexer it feeds.

    python tests/bench/watch_bench.py --json

Prints one JSON object. Each figure comes with its anchor, measured in the same run:
- burst: `files` sidecar files + `videos` small videos land in one existing folder; `syncs` indexer
  calls (goal 1), `catch_up_s` from the last write to everything indexed, `after_settle_s` the same
  less the settle time, `anchor_sync_s` one direct Indexer.sync_paths of the same folder in a twin
  library (best of two), `ratio_to_anchor` = after_settle / anchor (goal: about 1).
- rename: a folder of `videos` indexed videos is renamed; `encoded` (goal 0), `catch_up_s`,
  `after_settle_s`, `anchor_rescan_s` one direct no-change Indexer.run of the same library.
- settler: `us_per_change` to take in 100k changes (bursting into 100 folders) against
  `anchor_stat_us`, one os.stat of a real file; `tick_ms` for one settle pass over `pending` files.
- idle: CPU seconds per wall second of the whole process while watching an idle tree by events and
  by polling (`poll_interval_s`), with the tree's size.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from engine.indexing import Indexer  # noqa: E402
from engine.indexing.watch import LibraryWatcher  # noqa: E402
from engine.indexing.watch.settle import Settler  # noqa: E402
from engine.indexing.watch.types import Change, ChangeKind  # noqa: E402
from engine.store import LibraryStore, VideoStatus  # noqa: E402
from engine.video import is_video_path  # noqa: E402
from tests.engine.indexing.conftest import write_video  # noqa: E402


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.02) -> float:
    """Seconds until `predicate` held (raises on timeout)."""
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise TimeoutError("the watcher did not catch up")
        time.sleep(step)
    return time.perf_counter() - started


def new_library(base: Path, name: str) -> tuple[Path, Path]:
    root = base / name / "videos"
    root.mkdir(parents=True)
    db = base / name / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(root)
    return root, db


def indexed_count(db: Path) -> int:
    with LibraryStore.open(db, readonly=True) as store:
        return store.counts().indexed


def bench_burst(base: Path, model, files: int, videos: int, settle_s: float) -> dict[str, float]:
    staging = base / "staging"
    for i in range(videos):
        write_video(staging / f"v{i}.avi", 500 + i, seconds=2.0, fps=4, size=(64, 48))
    # The anchor: a twin library gets the same files, then one direct sync of the folder.
    twin_root, twin_db = new_library(base, "twin")
    write_video(twin_root / "warm.avi", 499, seconds=2.0, fps=4, size=(64, 48))
    twin = Indexer(twin_db, model=model)
    twin.run()  # warm: the model adopted by the library, the decoder worker running
    anchors = []
    for attempt in range(2):  # the better of two: the machine is shared
        _fill(twin_root / f"dump{attempt}", staging, files)
        t0 = time.perf_counter()
        twin.sync_paths([twin_root / f"dump{attempt}"])
        anchors.append(time.perf_counter() - t0)
    anchor = min(anchors)

    root, db = new_library(base, "burst")
    (root / "dump").mkdir()
    w = LibraryWatcher(db, model=model, settle_s=settle_s)
    w.start()
    try:
        w.wait_idle(60)
        before = w.stats()
        _fill(root / "dump", staging, files)
        last_write = time.perf_counter()
        wait_for(lambda: indexed_count(db) == videos, 300)
        catch_up = time.perf_counter() - last_write
        w.wait_idle(60)
        after = w.stats()
    finally:
        w.stop()
    return {
        "files": files,
        "videos": videos,
        "events": after.events - before.events,
        "syncs": after.syncs - before.syncs,
        "catch_up_s": round(catch_up, 3),
        "after_settle_s": round(catch_up - settle_s, 3),
        "anchor_sync_s": round(anchor, 3),
        "ratio_to_anchor": round((catch_up - settle_s) / anchor, 2),
    }


def _fill(folder: Path, staging: Path, files: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        (folder / f"sidecar{i:05d}.xml").write_bytes(b"")
    for video in sorted(staging.glob("*.avi")):
        shutil.copy2(video, folder / video.name)


def bench_rename(base: Path, model, videos: int, settle_s: float) -> dict[str, float]:
    root, db = new_library(base, "rename")
    for i in range(videos):
        write_video(root / "trip" / f"c{i:03d}.avi", 1000 + i, seconds=1.0, fps=4, size=(64, 48))
    indexer = Indexer(db, model=model)
    indexer.run()
    anchors = []
    for _ in range(3):  # the anchor: a no-change rescan of the whole library (best of three)
        t0 = time.perf_counter()
        indexer.run()
        anchors.append(time.perf_counter() - t0)
    anchor = min(anchors)
    w = LibraryWatcher(db, model=model, settle_s=settle_s)
    w.start()
    try:
        w.wait_idle(60)
        before = w.stats()
        (root / "trip").rename(root / "trip 2")
        renamed = time.perf_counter()

        def moved() -> bool:
            with LibraryStore.open(db, readonly=True) as store:
                rows = store.videos(status=VideoStatus.INDEXED)
            return len(rows) == videos and all("/trip 2/" in r.path for r in rows)

        wait_for(moved, 120)
        catch_up = time.perf_counter() - renamed
        w.wait_idle(60)
        after = w.stats()
    finally:
        stopping = time.perf_counter()
        w.stop()  # how promptly an idle watcher stops (tests assert only that it does)
        stop_s = time.perf_counter() - stopping
    return {
        "videos": videos,
        "encoded": after.indexed - before.indexed,
        "moved": after.moved - before.moved,
        "catch_up_s": round(catch_up, 3),
        "after_settle_s": round(catch_up - settle_s, 3),
        "anchor_rescan_s": round(anchor, 3),
        "stop_s": round(stop_s, 3),
        "stop_ratio_to_anchor": round(stop_s / anchor, 2),
    }


def bench_settler(base: Path, pending: int) -> dict[str, float]:
    folder = base / "settler"
    folder.mkdir()
    paths = []
    for i in range(pending):
        sub = folder / f"d{i % 100:03d}"
        sub.mkdir(exist_ok=True)
        path = sub / f"f{i}.mp4"
        path.write_bytes(b"")
        paths.append(str(path))
    t0 = time.perf_counter()
    for p in paths:
        os.stat(p)
    stat_us = (time.perf_counter() - t0) / len(paths) * 1e6

    s = Settler(1.0, is_relevant=is_video_path)  # default burst threshold: 100 folders collapse
    changes = [Change(ChangeKind.MODIFIED, f"/nowhere/d{i % 100:03d}/f{i}.mp4") for i in range(100_000)]
    t0 = time.perf_counter()
    for i, change in enumerate(changes):
        s.add(change, now=i * 1e-5)
    add_us = (time.perf_counter() - t0) / len(changes) * 1e6

    spread = Settler(1.0, is_relevant=is_video_path, burst_threshold=10**9)  # no collapsing
    for p in paths:
        spread.add(Change(ChangeKind.CLOSED, p), now=0.0)
    t0 = time.perf_counter()
    spread.take_ready(now=0.5)
    tick_ms = (time.perf_counter() - t0) * 1e3
    return {
        "us_per_change": round(add_us, 2),
        "anchor_stat_us": round(stat_us, 2),
        "collapsed_to": len(s),
        "pending": pending,
        "tick_ms": round(tick_ms, 2),
    }


def bench_idle(
    base: Path, model, folders: int, files_per: int, seconds: float, poll_s: float
) -> dict[str, float]:
    root, db = new_library(base, "idle")
    for d in range(folders):
        sub = root / f"d{d:03d}"
        sub.mkdir()
        for f in range(files_per):
            (sub / f"f{f}.xml").write_bytes(b"")
    out: dict[str, float] = {"tree_files": folders * files_per, "poll_interval_s": poll_s}
    for label, force in (("events", []), ("polling", [root])):
        w = LibraryWatcher(db, model=model, settle_s=1.0, poll_interval_s=poll_s, force_polling=force)
        w.start()
        try:
            w.wait_idle(60)
            c0, t0 = time.process_time(), time.perf_counter()
            time.sleep(seconds)
            out[f"{label}_cpu_per_s"] = round((time.process_time() - c0) / (time.perf_counter() - t0), 4)
        finally:
            w.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=5000, help="sidecar files in the burst")
    parser.add_argument("--videos", type=int, default=100, help="videos in the renamed folder")
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from engine.model import load_model

    model = load_model("tiny", device="cpu")
    base = Path(tempfile.mkdtemp(prefix="watch_bench_"))
    os.environ.setdefault("GLIMPSE_HOME", str(base / "home"))
    try:
        result = {
            "settle_s": args.settle,
            "burst": bench_burst(base, model, args.files, 5, args.settle),
            "rename": bench_rename(base, model, args.videos, args.settle),
            "settler": bench_settler(base, 5000),
            "idle": bench_idle(base, model, 200, 10, args.idle_seconds, 5.0),
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.json:
        print(json.dumps(result))
    else:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
