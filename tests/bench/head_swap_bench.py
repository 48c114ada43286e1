"""A new head without decoding, and what a library costs on disk per hour of video.

    taskset -c 0,1 python tests/bench/head_swap_bench.py [--model vit-b-32|tiny] [--videos 3] [--seconds 60]
                                                         [--size 640x360] [--json]

1. Index generated videos with model A (a full decode + encode: the anchor, same run, same files).
2. Reindex with model B: A's backbone with another head; the indexer re-encodes from the stored frame
   features (engine.indexing.head_swap). Both are given as seconds per 1,000 clips and as a ratio.
3. The library's bytes per hour of video at the default sampling (1 fps, ≤ 12 frames a clip): the
   file (after a WAL checkpoint), and its parts: clip vectors (clips × dim × 4), frame features,
   thumbnails.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
# torch and the engine are imported inside the functions: decode workers are spawned and re-import
# this module, and on a loaded machine importing torch there outlasts the decoder's 30 s first-frame limit.


def other_head(model):
    """The same backbone (shared modules) with a freshly initialized head."""
    import torch

    from engine.model.glimpse import GlimpseModel
    from engine.model.head import StudentHead

    torch.manual_seed(12345)
    head = StudentHead(model.dim, model.config.head)
    return GlimpseModel(model.clip, head, model.config, spec=model.spec + "+head2", device=model.device)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="vit-b-32")
    parser.add_argument("--videos", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import torch

    from engine.indexing import Indexer
    from engine.store import LibraryStore
    from tests.bench.bench_models import bench_model
    from tests.bench.index_bench import make_video, warm_decoders

    torch.set_num_threads(2)
    w, h = (int(x) for x in args.size.split("x"))
    a = bench_model(args.model)
    b = other_head(a)
    assert a.backbone_fingerprint == b.backbone_fingerprint and a.fingerprint != b.fingerprint
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "videos"
        root.mkdir()
        for i in range(args.videos):
            make_video(root / f"v{i}.mp4", args.seconds, (w, h), i)
        warm_decoders(root / "v0.mp4", 1)  # a decode worker's start-up is not the encode's cost
        db = Path(tmp) / "lib.db"
        with LibraryStore.open(db) as store:
            store.add_folder(str(root))
        t0 = time.perf_counter()
        full = Indexer(db, model=a, decode_workers=1).run()
        full_s = time.perf_counter() - t0
        if not full.indexed:
            raise SystemExit(f"nothing was indexed: {full}")
        with LibraryStore.open(db) as store:
            sizes = store.storage_bytes()
            store.set_meta("bench", "1")  # a write, then a checkpoint: the file holds everything
            with store.reading() as c:
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        file_bytes = db.stat().st_size
        t1 = time.perf_counter()
        swap = Indexer(db, model=b, decode_workers=1).run()
        swap_s = time.perf_counter() - t1
    clips = sizes["clips"]
    hours = args.videos * args.seconds / 3600
    data = {
        "model": args.model,
        "videos": args.videos,
        "video_seconds": args.videos * args.seconds,
        "size": args.size,
        "clips": clips,
        "frames": sizes["frames"],
        "full_encode_s_per_1000_clips": round(full_s / clips * 1000, 1),
        "head_swap_s_per_1000_clips": round(swap_s / clips * 1000, 2),
        "head_swap_over_full": round(swap_s / full_s, 4),
        "swap_from_features": swap.from_features,
        "swap_decoded": swap.indexed,
        "full_encoded": full.indexed,
        "bytes_per_hour": {
            "file": round(file_bytes / hours),
            "vectors": round(clips * a.dim * 4 / hours),
            "frame_features": round(sizes["frame_features"] / hours),
            "thumbnails": round(sizes["thumbnails"] / hours),
        },
    }
    print(json.dumps(data) if args.json else json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":  # decode workers spawn and re-import this module
    sys.exit(main())
