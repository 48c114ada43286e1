"""Decode benchmark: keyframe-aware sampling (PyAV) against ffmpeg's full and keyframes-only decodes.

Run: .venv/bin/python tests/bench/decode_bench.py [--seconds 30] [--seconds-4k 8] [--repeat 3] [--out DIR]
     [--baseline-ref 2fceb84]

Generates, with the ffmpeg CLI (a benchmark-only tool, not part of the product), a moving test pattern
with a hard cut every 5 s:
  h264_1s    1080p30 H.264, a keyframe every second (as phones record)
  hevc4k_1s  2160p30 HEVC, a keyframe every second
  h264_10s   1080p30 H.264, a keyframe every 10 s (screen recordings, x264-style long GOPs)
  vfr        1080p H.264 whose frame rate alternates between 60 and 20 fps every 2 s
  av1        1080p30 AV1 (SVT-AV1), a keyframe every 2 s
and times on each, in the same round:
  ffmpeg_full  `ffmpeg -threads 2 -i F -f null -`: every frame decoded (an anchor)
  ffmpeg_key   `ffmpeg -skip_frame nokey -i F -f null -`: keyframes only (the anchor of the 1 s goal)
  sample       engine.video's sampling at 1 fps (clips, cut checks, thumbnails), in a fresh process
  old_sample   the same call on the OpenCV sampler of --baseline-ref (git archive of that commit's
               engine/), in a fresh process: "today's sampler"
Sampling runs time only the sampling loop (imports excluded) and report their own process CPU time;
ffmpeg's CPU time comes from the child's rusage. Figures are medians over --repeat rounds of per-round
ratios (wall and CPU), so machine load cancels out as far as it can. Prints one JSON object.
Goals (issue #13): sample / ffmpeg_key <= 1.3 on the 1 s files; sample / old_sample <= 1.0 on h264_10s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SAMPLER = r"""
import json, sys, time
from engine.video.clips import iter_clips_in_process
if __name__ == "__main__":
    t0, c0 = time.perf_counter(), time.process_time()
    frames = sum(len(c.frames) for c in iter_clips_in_process(sys.argv[1], 1.0, 12))
    print(json.dumps({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "frames": frames}))
"""


def _pattern(size: str, seconds: int, fps: int) -> list[str]:
    """lavfi inputs and a concat graph: testsrc2 and mandelbrot alternating every 5 s (hard cuts)."""
    args: list[str] = []
    n = 0
    for k in range(0, seconds, 5):
        src = "testsrc2" if (k // 5) % 2 == 0 else "mandelbrot"
        args += ["-f", "lavfi", "-t", str(min(5, seconds - k)), "-i", f"{src}=size={size}:rate={fps}"]
        n += 1
    graph = "".join(f"[{i}:v]" for i in range(n)) + f"concat=n={n}:v=1:a=0"
    return [*args, "-filter_complex", graph]


def make_footage(folder: Path, seconds: int, seconds_4k: int) -> dict[str, Path]:
    """Write the five benchmark files (kept between runs in `folder`)."""
    x264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    specs = {
        "h264_1s": (
            _pattern("1920x1080", seconds, 30),
            [*x264, "-g", "30", "-keyint_min", "30", "-sc_threshold", "0"],
        ),
        "hevc4k_1s": (
            _pattern("3840x2160", seconds_4k, 30),
            [
                "-c:v",
                "libx265",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-x265-params",
                "keyint=30:min-keyint=30:scenecut=0:log-level=error",
            ],
        ),
        "h264_10s": (
            _pattern("1920x1080", seconds, 30),
            [*x264, "-g", "300", "-keyint_min", "300", "-sc_threshold", "0"],
        ),
        "vfr": (
            [
                *_pattern("1920x1080", seconds, 60)[:-1],
                _pattern("1920x1080", seconds, 60)[-1] + ",select='lt(mod(t\\,4)\\,2)+not(mod(n\\,3))'",
            ],
            [*x264, "-g", "30", "-vsync", "vfr"],
        ),
        "av1": (
            _pattern("1920x1080", seconds // 2, 30),
            ["-c:v", "libsvtav1", "-preset", "12", "-g", "60", "-pix_fmt", "yuv420p"],
        ),
    }
    paths = {}
    for name, (inputs, codec) in specs.items():
        path = folder / f"{name}.mp4"
        if not path.exists():
            tmp = folder / f"{name}.part.mp4"
            subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, *codec, str(tmp)], check=True)
            tmp.rename(path)
        paths[name] = path
    return paths


def _ffmpeg(path: Path, keyframes: bool) -> dict[str, float]:
    cmd = ["ffmpeg", "-v", "error", "-nostdin"]
    cmd += ["-skip_frame", "nokey"] if keyframes else ["-threads", "2"]
    cmd += ["-i", str(path), "-map", "0:v:0", "-f", "null", "-"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def _sample(path: Path, tree: Path) -> dict[str, float | str]:
    """One sampling pass in a fresh process on the engine in `tree`; {"error": ...} where it fails."""
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "OPENCV_FFMPEG_LOGLEVEL": "-8",
        "OPENCV_LOG_LEVEL": "SILENT",
    }
    cmd = [sys.executable, "-c", _SAMPLER, str(path)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tree)
    if out.returncode != 0:  # today's sampler cannot decode AV1: that is one of the findings
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_tree(ref: str, folder: Path) -> Path:
    """engine/ and resources/ of commit `ref`, unpacked into `folder` (the old sampler, importable)."""
    tree = folder / f"baseline-{ref}"
    if not tree.exists():
        archive = folder / "baseline.tar"
        with open(archive, "wb") as f:
            subprocess.run(
                ["git", "-C", str(ROOT), "archive", ref, "engine", "resources"], check=True, stdout=f
            )
        with tarfile.open(archive) as tar:
            tar.extractall(tree, filter="data")
    return tree


def _ratios(rounds: list[dict], num: str, den: str) -> dict[str, object]:
    if any("error" in r[num] or "error" in r[den] for r in rounds):
        return {"error": next(r[k]["error"] for r in rounds for k in (num, den) if "error" in r[k])}
    out: dict[str, object] = {}
    for kind in ("wall", "cpu"):
        values = [r[num][kind] / r[den][kind] for r in rounds]
        out[kind] = round(statistics.median(values), 3)
        out[f"{kind}_range"] = [round(min(values), 3), round(max(values), 3)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--seconds-4k", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for the footage (kept); default: a temp dir"
    )
    parser.add_argument("--baseline-ref", default="2fceb84", help="git commit of today's (OpenCV) sampler")
    parser.add_argument("--files", default="h264_1s,hevc4k_1s,h264_10s,vfr,av1")
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None:
        raise SystemExit("needs the ffmpeg CLI for footage and anchors (apt-get install ffmpeg)")
    folder = args.out or Path(tempfile.mkdtemp(prefix="decode-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    footage = make_footage(folder, args.seconds, args.seconds_4k)
    old = baseline_tree(args.baseline_ref, folder)
    report: dict[str, object] = {"repeat": args.repeat, "baseline_ref": args.baseline_ref}
    for name in args.files.split(","):
        path = footage[name]
        rounds = []
        for _ in range(args.repeat):
            rounds.append(
                {
                    "ffmpeg_full": _ffmpeg(path, keyframes=False),
                    "ffmpeg_key": _ffmpeg(path, keyframes=True),
                    "sample": _sample(path, ROOT),
                    "old_sample": _sample(path, old),
                }
            )
        last = rounds[-1]
        report[name] = {
            "frames": {k: last[k].get("frames", last[k].get("error")) for k in ("sample", "old_sample")},
            "sample_wall_s": round(statistics.median(r["sample"]["wall"] for r in rounds), 3),
            "sample/ffmpeg_key": _ratios(rounds, "sample", "ffmpeg_key"),
            "sample/ffmpeg_full": _ratios(rounds, "sample", "ffmpeg_full"),
            "sample/old_sample": _ratios(rounds, "sample", "old_sample"),
            "old_sample/ffmpeg_key": _ratios(rounds, "old_sample", "ffmpeg_key"),
        }
        print(json.dumps({name: report[name]}), file=sys.stderr, flush=True)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
