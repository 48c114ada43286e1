"""Text encoding speed: eager full-context fp32 CLIP (the anchor) vs GlimpseModel.encode_text.

Builds ViT-B-32-quickgelu with random weights (no download), encodes ~20 realistic queries one at a
time, interleaving the anchor, the shortened fp32 pass and GlimpseModel.encode_text (precision "auto":
bf16 where measured faster and close) so machine noise hits all alike, and prints one JSON line:
p50/p95 ms of each, ratios against the anchor, the cached p50, and the largest cosine deviations.

Run: .venv/bin/python tests/bench/text_bench.py [--repeats 5] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.model.factory import build_random, pretrained_config  # noqa: E402
from engine.model.glimpse import GlimpseModel  # noqa: E402

QUERIES = [
    "dog catching a frisbee",
    "a child blowing out candles on a birthday cake",
    "sunset over the ocean",
    "people dancing at a wedding",
    "snow falling on a mountain cabin",
    "a cat sleeping on a sofa",
    "fireworks",
    "someone cooking pasta in a kitchen",
    "a red car driving along a coastal road at night",
    "kids playing football in the park",
    "close-up of a hummingbird drinking from a flower",
    "grandma laughing",
    "a crowded street market in the rain",
    "aerial view of a forest with a river",
    "a man playing guitar on stage under blue lights",
    "baby taking first steps",
    "boats in a harbor",
    "a dog running on the beach with waves behind it, slow motion",
    "graduation ceremony throwing caps in the air",
    "time-lapse of clouds moving over a city skyline",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="passes over the query list")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    spec = "ViT-B-32-quickgelu:openai"
    config = pretrained_config(spec, "ViT-B-32-quickgelu", "openai")
    clip, _ = build_random(config)
    model = GlimpseModel(clip, None, config, spec=spec + " (random weights)", device=torch.device("cpu"))

    def anchor(text: str) -> torch.Tensor:
        tokens = model.tokenizer([text])
        with torch.no_grad():
            return F.normalize(model.clip.encode_text(tokens), dim=-1)

    cpu = torch.device("cpu")
    fp32 = GlimpseModel(clip, None, config, spec=spec, device=cpu, fingerprint=model.fingerprint)
    fp32.text_precision = "fp32"
    calibrate_start = time.perf_counter()
    active = model.active_text_precision  # "auto" measures fp32 vs bf16 once, here
    calibrate_ms = (time.perf_counter() - calibrate_start) * 1e3

    for q in QUERIES[:3]:  # warm up every path
        anchor(q)
        fp32.encode_text([q], use_cache=False)
        model.encode_text([q], use_cache=False)

    anchor_ms: list[float] = []
    fp32_ms: list[float] = []
    ours_ms: list[float] = []
    dev_fp32 = dev_ours = 0.0
    for _ in range(args.repeats):
        for q in QUERIES:
            t0 = time.perf_counter()
            ref = anchor(q)
            t1 = time.perf_counter()
            short = fp32.encode_text([q], use_cache=False)
            t2 = time.perf_counter()
            got = model.encode_text([q], use_cache=False)
            t3 = time.perf_counter()
            anchor_ms.append((t1 - t0) * 1e3)
            fp32_ms.append((t2 - t1) * 1e3)
            ours_ms.append((t3 - t2) * 1e3)
            dev_fp32 = max(dev_fp32, 1.0 - float((ref[0] * short[0]).sum()))
            dev_ours = max(dev_ours, 1.0 - float((ref[0] * got[0]).sum()))

    model.clear_text_cache()
    for q in QUERIES:
        model.encode_text([q])
    cached_ms: list[float] = []
    for _ in range(args.repeats):
        for q in QUERIES:
            t0 = time.perf_counter()
            model.encode_text([q])
            cached_ms.append((time.perf_counter() - t0) * 1e3)

    p50 = statistics.median
    result = {
        "bench": "text_encode",
        "model": "ViT-B-32-quickgelu random weights, CPU",
        "threads": torch.get_num_threads(),
        "queries": len(QUERIES),
        "repeats": args.repeats,
        "anchor_full77_fp32_p50_ms": round(p50(anchor_ms), 2),
        "anchor_full77_fp32_p95_ms": round(_percentile(anchor_ms, 0.95), 2),
        "short_fp32_p50_ms": round(p50(fp32_ms), 2),
        "short_fp32_p95_ms": round(_percentile(fp32_ms, 0.95), 2),
        "ours_precision": active,
        "ours_calibration_ms": round(calibrate_ms, 1),
        "ours_nocache_p50_ms": round(p50(ours_ms), 2),
        "ours_nocache_p95_ms": round(_percentile(ours_ms, 0.95), 2),
        "ours_cached_p50_ms": round(p50(cached_ms), 4),
        "ours_cached_p95_ms": round(_percentile(cached_ms, 0.95), 4),
        "speedup_p50_short_fp32": round(p50(anchor_ms) / p50(fp32_ms), 2),
        "speedup_p50_ours": round(p50(anchor_ms) / p50(ours_ms), 2),
        "max_cosine_deviation_short_fp32": float(f"{dev_fp32:.2e}"),
        "max_cosine_deviation_ours": float(f"{dev_ours:.2e}"),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
