"""Decode benchmark: what sampling costs against a raw sequential decode of the same H.264 file.

Run: .venv/bin/python tests/bench/decode_bench.py [--seconds 10] [--repeat 5] [--out DIR]

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
`cpu_cost` is the median over --repeat rounds of (variant CPU time / the same round's raw decode CPU
time, raw timed at the start and end of each round; CPU time counts all threads and the decode
worker), with the rounds' min and max; `wall_cost` is the same with wall time (noisy on a shared
machine); `speed` is seconds of video handled per wall second (median). Prints one JSON line. Linux only
(reads the worker's CPU time from /proc).
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


def _proc_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: CPU seconds spent in other processes (the decode worker) during the last timed call.
_child_cpu = [0.0]


def sample_worker(pool: DecoderPool) -> Callable[[Path], int]:
    def run(path: Path) -> int:
        (pid,) = pool.idle_pids()
        before = _proc_cpu_s(pid)
        n = sum(len(c.frames) for c in sample_clips(path, pool=pool))
        _child_cpu[0] = _proc_cpu_s(pid) - before
        return n

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


def timed(fn: Callable[[Path], int], path: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process and its decode worker, fn's output)."""
    _child_cpu[0] = 0.0
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn(path)
    return time.perf_counter() - w0, time.process_time() - c0 + _child_cpu[0], out


def measure(
    variants: dict[str, Callable[[Path], int]], path: Path, seconds: int, rounds: int
) -> dict[str, dict[str, float]]:
    """Rounds of every variant, each round anchored by raw decodes at its start and end.

    The machine is shared, so load drifts and wall times swing by 2x between identical runs. The
    cost is therefore measured in CPU time (all threads, the worker process included): the median
    over rounds of (variant CPU / the round's raw CPU). Wall-time ratios are reported beside it.
    """
    cpu_ratios: dict[str, list[float]] = {name: [] for name in variants}
    wall_ratios: dict[str, list[float]] = {name: [] for name in variants}
    walls: dict[str, list[float]] = {name: [] for name in variants}
    outs: dict[str, int] = {}
    others = [n for n in variants if n != "raw"]
    for r in range(rounds):
        w_before, c_before, outs["raw"] = timed(variants["raw"], path)
        order = others[r % len(others) :] + others[: r % len(others)]  # rotate: no variant always first
        round_times = {name: timed(variants[name], path) for name in order}
        w_after, c_after, _ = timed(variants["raw"], path)
        w_anchor, c_anchor = (w_before + w_after) / 2, (c_before + c_after) / 2
        walls["raw"] += [w_before, w_after]
        cpu_ratios["raw"].append(1.0)
        wall_ratios["raw"].append(1.0)
        for name, (wall, cpu, out) in round_times.items():
            outs[name] = out
            walls[name].append(wall)
            cpu_ratios[name].append(cpu / c_anchor)
            wall_ratios[name].append(wall / w_anchor)
    figures = {}
    for name in variants:
        wall = statistics.median(walls[name])
        figures[name] = {
            "cpu_cost": round(statistics.median(cpu_ratios[name]), 3),
            "cpu_cost_min": round(min(cpu_ratios[name]), 3),
            "cpu_cost_max": round(max(cpu_ratios[name]), 3),
            "wall_cost": round(statistics.median(wall_ratios[name]), 3),
            "wall_s": round(wall, 3),
            "speed": round(seconds / wall, 1),
            "out": outs[name],
        }
    return figures


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
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
        results[label] = measure(variants, path, args.seconds, args.repeat)
    pool.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
