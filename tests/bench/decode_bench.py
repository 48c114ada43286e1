"""Decode benchmark: what sampling costs against a raw sequential decode of the same H.264 file.

Run: .venv/bin/python tests/bench/decode_bench.py [--seconds 20] [--repeat 3] [--out DIR]

Generates 720p and 1080p H.264 test videos (30 fps, a cut every 5 s) with ffmpeg (libx264; ffmpeg
is a benchmark-only tool, not part of the product), then times, on each file, in the same run:
  raw          every frame grab()bed, nothing retrieved (the anchor: cost 1.00)
  sample       engine.video.sample_clips through its worker process (a warm pool)
  in_process   the same sampling pass in this process (no worker, no pipe)
  no_checks    sampling without the shot-cut check frames (samples only)
  every_frame  every frame retrieved and shrunk (what a per-frame shot detector such as PySceneDetect needs)
  scenedetect  PySceneDetect's ContentDetector over the file (only if scenedetect is importable)
  seek         one seek (CAP_PROP_POS_MSEC) + read per sampled second instead of reading through
  pyav_all     PyAV, threaded decoding of every frame (only if av is importable)
  pyav_nonref  PyAV, threaded, non-reference frames skipped by the decoder
Each figure is the best of --repeat runs (the machine is shared); `cost` is seconds of wall time per
second of the raw decode, `speed` is seconds of video handled per wall second. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.video import DecoderPool, sample_clips  # noqa: E402
from engine.video.clips import ClipBuilder  # noqa: E402
from engine.video.frames import shrink  # noqa: E402
from engine.video.probe import header_info, open_capture  # noqa: E402
from engine.video.sample import DecodeStats, iter_decoded  # noqa: E402


def make_h264(path: Path, width: int, height: int, seconds: int, fps: int = 30) -> Path:
    """A moving test pattern with hard cuts every 5 s, H.264 (libx264, default GOP and B-frames)."""
    if path.exists():
        return path
    sources = []
    for k in range(0, seconds, 5):
        src = "testsrc2" if (k // 5) % 2 == 0 else "mandelbrot"
        sources += [
            "-f",
            "lavfi",
            "-t",
            str(min(5, seconds - k)),
            "-i",
            f"{src}=size={width}x{height}:rate={fps}",
        ]
    n = len(sources) // 6
    graph = "".join(f"[{i}:v]" for i in range(n)) + f"concat=n={n}:v=1:a=0[v]"
    cmd = ["ffmpeg", "-v", "error", "-y", *sources, "-filter_complex", graph, "-map", "[v]"]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, check=True)
    return path


def raw_decode(path: Path) -> int:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    n = 0
    while cap.grab():
        n += 1
    cap.release()
    return n


def sample_worker(pool: DecoderPool) -> Callable[[Path], int]:
    def run(path: Path) -> int:
        return sum(len(c.frames) for c in sample_clips(path, pool=pool))

    return run


def in_process(checks: int) -> Callable[[Path], int]:
    def run(path: Path) -> int:
        cap = open_capture(path)
        info, _ = header_info(cap, str(path))
        builder = ClipBuilder(12)
        stats = DecodeStats()
        n = 0
        for d in iter_decoded(
            cap, fps=1.0, rotation=info.rotation, nominal_fps=info.fps, stats=stats, checks_per_sample=checks
        ):
            builder.feed(d)
            n += d.sample is not None
        cap.release()
        return n

    return run


def every_frame(path: Path) -> int:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    n = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        shrink(bgr)
        n += 1
    cap.release()
    return n


def seek_sampling(path: Path) -> int:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    duration = cap.get(cv2.CAP_PROP_FRAME_COUNT) / cap.get(cv2.CAP_PROP_FPS)
    n = 0
    for k in range(int(duration)):
        cap.set(cv2.CAP_PROP_POS_MSEC, k * 1000.0)
        ok, bgr = cap.read()
        if ok:
            shrink(bgr)
            n += 1
    cap.release()
    return n


def scenedetect_run(path: Path) -> int:
    from scenedetect import ContentDetector, detect

    return len(detect(str(path), ContentDetector()))


def pyav(skip_nonref: bool) -> Callable[[Path], int]:
    def run(path: Path) -> int:
        import av

        n = 0
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if skip_nonref:
                stream.codec_context.skip_frame = "NONREF"
            for _ in container.decode(stream):
                n += 1
        return n

    return run


def best_of(fn: Callable[[Path], int], path: Path, repeat: int) -> tuple[float, int]:
    best, out = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(path)
        best = min(best, time.perf_counter() - t0)
    return best, out


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="where to keep the generated videos")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        sys.exit("decode_bench needs ffmpeg with libx264 on PATH (apt-get install ffmpeg)")
    folder = args.out or Path(tempfile.mkdtemp(prefix="glimpse-bench-"))
    folder.mkdir(parents=True, exist_ok=True)

    paths = {
        label: make_h264(folder / f"bench_{label}_{args.seconds}s.mp4", w, h, args.seconds)
        for label, (w, h) in {"720p": (1280, 720), "1080p": (1920, 1080)}.items()
    }
    # Worker start: a fresh pool's first answer (spawn + imports), then a reused worker's.
    pool = DecoderPool()
    t0 = time.perf_counter()
    pool.probe(str(paths["720p"]), timeout_s=60)
    worker_start_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pool.probe(str(paths["720p"]), timeout_s=60)
    reused_probe_s = time.perf_counter() - t0

    variants: dict[str, Callable[[Path], int]] = {
        "raw": raw_decode,
        "sample": sample_worker(pool),
        "in_process": in_process(2),
        "no_checks": in_process(1),
        "every_frame": every_frame,
        "seek": seek_sampling,
    }
    if _importable("scenedetect"):
        variants["scenedetect"] = scenedetect_run
    if _importable("av"):
        variants["pyav_all"] = pyav(False)
        variants["pyav_nonref"] = pyav(True)

    results: dict[str, object] = {
        "seconds": args.seconds,
        "repeat": args.repeat,
        "cpus": cv2.getNumberOfCPUs(),
        "first_probe_s": round(worker_start_s, 3),
        "reused_probe_s": round(reused_probe_s, 3),
    }
    for label, path in paths.items():
        figures: dict[str, dict[str, float]] = {}
        raw_s = None
        for name, fn in variants.items():
            secs, count = best_of(fn, path, args.repeat)
            raw_s = secs if name == "raw" else raw_s
            figures[name] = {"wall_s": round(secs, 3), "speed": round(args.seconds / secs, 1), "out": count}
        for fig in figures.values():
            fig["cost"] = round(fig["wall_s"] / raw_s, 3)
        results[label] = figures
    pool.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
