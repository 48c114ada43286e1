"""Indexing throughput: pipeline vs decode-only and encode-only on the same files, in one run.

    python tests/bench/index_bench.py [--model tiny|vit-b-32] [--device cpu|cuda] [--videos 4] [--seconds 30]
                                     [--size 1280x720] [--json]

Rates are seconds of video per wall second. Goal: pipeline ≥ 0.9 × min(decode-only, encode-only) where
the two stages use different resources (GPU encode); `ratio_to_serial` compares with 1/(1/decode + 1/encode),
the best possible when decode and encode share the same CPU cores.
Videos are generated here: H.264 (PyAV's libx264) with a keyframe every --gop frames (default 30: one a
second at 30 fps, as phones record). `pipeline_to_encode` is the issue #13 figure: index rate / encode-only
rate (goal >= 0.9 with ViT-B/32 on the CPU, where encoding is the slower stage).
With --rounds R, encode-only and the pipeline alternate R times (load drift on a shared box hits both),
and each round also reports CPU seconds per second of video (this process plus its decode workers):
`cpu_encode_to_pipeline` = encode-only CPU / pipeline CPU per second of video, the figure that does not
depend on what else runs on the machine (both stages busy on every core: wall ratio ~ CPU ratio).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.indexing import Indexer  # noqa: E402
from engine.indexing.indexer import default_decode_workers  # noqa: E402
from engine.model.batch import encode_clip_batch  # noqa: E402
from engine.store import LibraryStore  # noqa: E402
from engine.video import sample_clips  # noqa: E402
from tests.bench.bench_models import bench_model  # noqa: E402


def make_video(path: Path, seconds: int, size: tuple[int, int], seed: int, gop: int = 30) -> None:
    """A moving scene with a hard cut every 7 s, H.264 with a keyframe every `gop` frames (phones: 1 s).

    Encoded by PyAV's bundled libx264, so a machine without the ffmpeg CLI (the GPU machines) makes
    the same files.
    """
    w, h = size
    fps = 30
    rng = np.random.default_rng(seed)
    part = path.with_suffix(".part.mp4")  # an interrupted run leaves no half file to reuse
    with av.open(str(part), "w") as out:
        options = {"preset": "veryfast", "x264-params": "scenecut=0"}
        stream = out.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.codec_context.gop_size = gop
        for i in range(seconds * fps):
            if i % (7 * fps) == 0:
                base = cv2.resize(rng.integers(0, 255, (9, 16, 3), dtype=np.uint8), (w, h))
                grain = rng.integers(0, 24, (h, w, 3), dtype=np.uint8)
            frame = np.roll(base, i * 4, axis=1) + grain
            out.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="bgr24")))
        out.mux(stream.encode(None))
    part.rename(path)


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its live children (the decode workers; Linux /proc)."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for child in mp.active_children():
        try:
            fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def warm_decoders(path: Path, workers: int) -> None:
    """Start every decode worker before timing: a worker's start-up (spawn, and the imports of this
    script's main module, torch included) is paid once per process, not per video."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: sum(1 for _ in sample_clips(path)), range(workers)))


def decode_only(files: list[Path], model, workers: int) -> tuple[float, float, list]:
    """Sample + preprocess every file (the decode stage alone), keeping the pixels for encode_only."""
    from concurrent.futures import ThreadPoolExecutor

    def one(path: Path):
        out = []
        for clip in sample_clips(path):
            out.append((model.preprocess([f.rgb for f in clip.frames]), clip.end - clip.start))
        return out

    c0 = cpu_seconds()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(one, files))
    elapsed = time.perf_counter() - t0
    clips = [c for r in results for c in r]
    video = sum(d for _, d in clips)
    return video / elapsed, (cpu_seconds() - c0) / video, clips


def encode_only(clips: list, model, batch_frames: int = 96) -> tuple[float, float]:
    """Encode the preprocessed clips: (seconds of video per second, CPU seconds per second of video)."""
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    batch, n = [], 0
    for pixels, _ in clips:
        batch.append(pixels)
        n += pixels.shape[0]
        if n >= batch_frames:
            encode_clip_batch(model, batch)
            batch, n = [], 0
    encode_clip_batch(model, batch)
    elapsed = time.perf_counter() - t0
    video = sum(d for _, d in clips)
    return video / elapsed, (cpu_seconds() - c0) / video


def pipeline(files: list[Path], model, workers: int, db: Path) -> tuple[float, float]:
    """Index the files into a fresh library: (seconds of video per second, CPU seconds per video second)."""
    folder = db.parent / "library"
    folder.mkdir()
    for f in files:  # a library of exactly these files (hard links: the scan never leaves a root by symlink)
        try:
            (folder / f.name).hardlink_to(f)
        except OSError:
            shutil.copy2(f, folder / f.name)
    with LibraryStore.open(db) as store:
        store.add_folder(str(folder))
    total = 0.0
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    Indexer(db, model=model, decode_workers=workers).run()
    elapsed = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    with LibraryStore.open(db) as store:
        total = sum(v.duration or 0.0 for v in store.videos())
        assert store.counts().failed == 0
    return total / elapsed, cpu / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="tiny", choices=["tiny", "vit-b-32"])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--videos", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--gop", type=int, default=30, help="keyframe interval in frames (30 fps video)")
    ap.add_argument("--workers", type=int, default=0, help="decode workers (default: the indexer's)")
    ap.add_argument("--dir", type=Path, help="keep the generated videos here and reuse them in later runs")
    ap.add_argument("--rounds", type=int, default=1, help="encode-only and pipeline, alternated this often")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    model = bench_model(args.model, args.device)
    workers = args.workers or default_decode_workers(encoder_on_gpu=model.device.type in ("cuda", "mps"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp) / "videos"
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for i in range(args.videos):
            path = folder / f"v{i}_{args.seconds}s_{w}x{h}_g{args.gop}.mp4"
            if not path.exists():
                make_video(path, args.seconds, (w, h), i, args.gop)
            files.append(path)
        encode_clip_batch(model, [model.preprocess([np.zeros((h, w, 3), np.uint8)] * 4)])  # warm-up
        warm_decoders(files[0], workers)
        dec_rate, dec_cpu, clips = decode_only(files, model, workers)
        rounds = []
        for r in range(max(1, args.rounds)):
            load = os.getloadavg()[0]
            enc_rate, enc_cpu = encode_only(clips, model)
            (Path(tmp) / f"round{r}").mkdir()
            pipe_rate, pipe_cpu = pipeline(files, model, workers, Path(tmp) / f"round{r}" / "lib.db")
            rounds.append(
                {
                    "encode_only": round(enc_rate, 2),
                    "pipeline": round(pipe_rate, 2),
                    "pipeline_to_encode": round(pipe_rate / enc_rate, 3),
                    "cpu_per_video_s": {"encode_only": round(enc_cpu, 3), "pipeline": round(pipe_cpu, 3)},
                    "cpu_encode_to_pipeline": round(enc_cpu / pipe_cpu, 3),
                    "loadavg_1min_before": round(load, 2),
                }
            )
    enc_rate = statistics.median(r["encode_only"] for r in rounds)
    pipe_rate = statistics.median(r["pipeline"] for r in rounds)
    result = {
        "model": args.model,
        "device": str(model.device),
        "videos": args.videos,
        "seconds_each": args.seconds,
        "size": args.size,
        "decode_workers": workers,
        "codec": "h264",
        "gop_frames": args.gop,
        "decode_only_video_s_per_s": round(dec_rate, 2),
        "encode_only_video_s_per_s": round(enc_rate, 2),
        "pipeline_video_s_per_s": round(pipe_rate, 2),
        "ratio_to_min": round(pipe_rate / min(dec_rate, enc_rate), 3),
        "pipeline_to_encode": round(pipe_rate / enc_rate, 3),
        # When both stages need the same CPU cores, overlap cannot beat doing the two works back to back.
        "ratio_to_serial": round(pipe_rate * (1 / dec_rate + 1 / enc_rate), 3),
        "decode_only_cpu_per_video_s": round(dec_cpu, 3),
        "pipeline_to_encode_median_of_rounds": statistics.median(r["pipeline_to_encode"] for r in rounds),
        "cpu_encode_to_pipeline_median": statistics.median(r["cpu_encode_to_pipeline"] for r in rounds),
        "rounds": rounds,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:>28}: {v}")


if __name__ == "__main__":
    main()
