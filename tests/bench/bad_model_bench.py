"""Hostile model files: seconds and memory until the one-sentence refusal, against loading `tiny`.

    python tests/bench/bad_model_bench.py [--json]

Each case runs `glimpse --model X index EMPTY_FOLDER` in a fresh process under an address-space limit
(the process's size after importing torch + 1 GiB) and reports the wall time from start to exit, the
command's own time after the imports, the peak resident memory above the post-import baseline, the
exit code and stderr's line count. The anchor is the same command with `--model tiny` (a real, tiny
model is built and the empty folder indexed).
Goal (issue 14): a sentence (exit 1, one line) in under 10 s with the memory growth a few hundred MB
at most, i.e. no more than the anchor's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHILD = """
import resource, sys, time
import engine.indexing, engine.model.factory, engine.store
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
size, before = status("VmSize"), status("VmHWM")
resource.setrlimit(resource.RLIMIT_AS, (size + (1 << 30), size + (1 << 30)))
from engine.cli import main
started = time.perf_counter()
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print("RSS_GROWTH", status("VmHWM") - before, "CODE", code, "MAIN_S", time.perf_counter() - started)
"""


def _bomb(path: Path, width: int = 200_000) -> Path:
    one = torch.zeros(1)
    shapes = {
        "visual.proj": (width, 512),
        "visual.conv1.weight": (width, 3, 32, 32),
        "visual.positional_embedding": (50, width),
        "ln_final.weight": (512,),
        "positional_embedding": (77, 512),
        "token_embedding.weight": (49408, 512),
        "text_projection": (512, 512),
        "visual.transformer.resblocks.0.ln_1.weight": (width,),
        "transformer.resblocks.0.ln_1.weight": (512,),
    }
    torch.save({k: one.expand(*s) for k, s in shapes.items()}, path)
    return path


def _huge_folder(path: Path) -> Path:
    from engine.model import load_model

    load_model("tiny", device="cpu").save(path)
    meta = json.loads((path / "config.json").read_text())
    meta["model"]["vision"]["width"] = 1048576
    (path / "config.json").write_text(json.dumps(meta))
    return path


def _case(work: Path, model: str) -> dict[str, object]:
    videos = work / "videos"
    videos.mkdir(exist_ok=True)
    db = work / f"lib-{abs(hash(model))}.db"
    args = ["--db", str(db), "--model", model, "index", "-q", str(videos)]
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - started
    last = proc.stdout.strip().splitlines()[-1].split()
    return {
        "seconds": round(took, 2),
        "command_seconds": round(float(last[5]), 2),  # after the imports: the command itself
        "rss_growth_mb": round(int(last[1]) / 2**20, 1),
        "exit": int(last[3]) if last[3] != "None" else 0,
        "stderr_lines": len(proc.stderr.strip().splitlines()),
        "stderr": proc.stderr.strip()[:200],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        anchor = _case(work, "tiny")
        cases = {
            "shape_bomb_pt": _case(work, str(_bomb(work / "bomb.pt"))),
            "huge_config_folder": _case(work, str(_huge_folder(work / "huge"))),
        }
    for case in cases.values():
        case["time_ratio_to_anchor"] = round(float(case["seconds"]) / float(anchor["seconds"]), 2)
        ratio = float(case["command_seconds"]) / max(float(anchor["command_seconds"]), 1e-3)
        case["command_time_ratio_to_anchor"] = round(ratio, 2)
    report = {"anchor_tiny": anchor, **cases}
    if opts.json:
        print(json.dumps(report))
        return
    for name, row in report.items():
        print(f"{name:20} {json.dumps(row, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
