"""Cold start of the terminal: fresh `glimpse` processes against `python -c "import open_clip"` (the anchor).

Builds a library indexed with ViT-B-32-quickgelu's architecture and random weights (saved as a Glimpse
model folder: the real weights cannot be downloaded here), then, round by round and interleaved so
machine noise hits all alike, times fresh processes of:

  anchor       python -c "import open_clip"
  search       glimpse search QUERY -k 10 --json      (the exported NumPy text tower, no torch)
  status       glimpse status;  help: glimpse --help;  version: glimpse --version
  index_noop   glimpse index -q with nothing new on disk (no model is loaded)
  index_one    glimpse index -q after one new 2 s video appeared (start-up + one video)

and once each: the first `glimpse index` (model load, encoding, text tower export) and a search with
no export (torch, then it exports). Ranking: every query's cold JSON against the in-process Searcher
with the torch model (same top-k, largest score difference). Prints one JSON object.

Run: .venv/bin/python tests/bench/cold_search_bench.py [--rounds 5]
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
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

QUERIES = [
    "a dog running on the beach at sunset",
    "kids blowing out the candles",
    "a red bar moving across the picture",
    "snow",
    "close-up of hands playing a piano in a dark room",
]


def _env(home: Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "GLIMPSE_HOME": str(home), "PYTHONPATH": path, "HF_HUB_OFFLINE": "1"}


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args} failed:\n{done.stderr}")
    return elapsed, done.stdout


def _build_model(folder: Path) -> str:
    """ViT-B-32-quickgelu (zero-shot, random weights) saved as a Glimpse model folder; its spec."""
    import torch

    from engine.model.factory import build_random, pretrained_config
    from engine.model.glimpse import GlimpseModel

    torch.manual_seed(0)
    config = pretrained_config("ViT-B-32-quickgelu:openai", "ViT-B-32-quickgelu", "openai")
    clip, _ = build_random(config)
    GlimpseModel(clip, None, config, spec=str(folder), device=torch.device("cpu")).save(folder)
    return str(folder)


def _ranking(db: Path, spec: str, cold: dict[str, list[dict]]) -> dict[str, object]:
    """The cold answers against the in-process torch search, in fp32 and in the model's "auto" precision.

    "auto" may pick bf16 query vectors on CPUs with native bf16 (engine.model.text): those deviate from
    fp32 by up to 2e-4 in cosine, so their scores may differ from the exact ones by about 1e-3.
    """
    from engine.model import load_model
    from engine.search import Searcher
    from engine.store import LibraryStore

    model = load_model(spec, device="cpu")
    report: dict[str, object] = {}
    with LibraryStore.open(db, readonly=True) as store:
        for precision in ("fp32", "auto"):
            model.text_precision = precision
            searcher = Searcher(store, model)
            same, worst = True, 0.0
            for query, got in cold.items():
                expected = searcher.search(query, k=10)
                same &= [(r["path"], r["start"]) for r in got] == [(e.path, e.start) for e in expected]
                diffs = [abs(r["score"] - e.score) for r, e in zip(got, expected, strict=False)]
                worst = max([worst, *diffs])
            active = model.active_text_precision
            report[precision] = {"same_top_k": same, "max_score_diff": round(worst, 6), "ran_in": active}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (about 1 GB)")
    args = parser.parse_args()
    from tests.engine.indexing.conftest import write_video

    work = Path(tempfile.mkdtemp(prefix="glimpse-cold-"))
    home, videos, db = work / "home", work / "videos", work / "lib.db"
    env = _env(home)
    spec = _build_model(work / "b32-random")
    for seed in range(4):
        write_video(videos / f"v{seed}.avi", seed, seconds=3.0)
    glimpse = [sys.executable, "-m", "engine", "--db", str(db)]
    first_index, _ = _timed([*glimpse, "--model", spec, "index", "-q", str(videos)], env)

    commands = {
        "anchor": [sys.executable, "-c", "import open_clip"],
        "search": [*glimpse, "search", QUERIES[0], "-k", "10", "--json"],
        "status": [*glimpse, "status"],
        "help": [*glimpse, "--help"],
        "version": [*glimpse, "--version"],
        "index_noop": [*glimpse, "index", "-q"],
    }
    times: dict[str, list[float]] = {name: [] for name in [*commands, "index_one"]}
    for round_ in range(args.rounds):
        for name, command in commands.items():
            times[name].append(_timed(command, env)[0])
        write_video(videos / f"new{round_}.avi", 100 + round_, seconds=2.0)
        times["index_one"].append(_timed([*glimpse, "index", "-q"], env)[0])

    cold = {q: json.loads(_timed([*glimpse, "search", q, "-k", "10", "--json"], env)[1]) for q in QUERIES}
    for export in (home / "cache" / "text-towers").glob("*.safetensors"):
        export.unlink()
    no_export, _ = _timed([*glimpse, "search", QUERIES[0], "-k", "10", "--json"], env)

    median = {name: statistics.median(values) for name, values in times.items()}
    anchor = median["anchor"]
    report = {
        "rounds": args.rounds,
        "anchor_import_open_clip_s": round(anchor, 3),
        "median_s": {name: round(value, 3) for name, value in median.items()},
        "ratio_to_anchor": {name: round(value / anchor, 3) for name, value in median.items()},
        "once_s": {
            "first_index_with_export": round(first_index, 2),
            "search_without_export": round(no_export, 2),
        },
        "once_ratio_to_anchor": {
            "first_index_with_export": round(first_index / anchor, 2),
            "search_without_export": round(no_export / anchor, 2),
        },
        "ranking_vs_in_process": _ranking(db, spec, cold),
    }
    print(json.dumps(report, indent=1))
    if args.keep:
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
