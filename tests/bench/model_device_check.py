"""Accelerator check for engine.model: CUDA half precision vs CPU fp32, real out-of-memory back-off.

Needs a CUDA machine; prints one JSON line per check. Not part of the test suite.
Run: .venv/bin/python tests/bench/model_device_check.py
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.model import load_model  # noqa: E402
from engine.model.factory import build_random, pretrained_config  # noqa: E402
from engine.model.glimpse import GlimpseModel  # noqa: E402


def emit(**fields: object) -> None:
    """One JSON line."""
    print(json.dumps(fields), flush=True)


def min_cos(a: torch.Tensor, b: torch.Tensor) -> float:
    """The smallest row-wise cosine between a and b."""
    return float(F.cosine_similarity(a.float(), b.float(), dim=-1).min())


def tiny_parity() -> None:
    gpu = load_model("tiny")
    cpu = load_model("tiny", device="cpu")
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (360, 640, 3), dtype=np.uint8) for _ in range(24)]
    px = cpu.preprocess(frames)
    fg, fc = gpu.encode_frames(px), cpu.encode_frames(px)
    mask = torch.ones(2, 12, dtype=torch.bool)
    mask[1, 7:] = False
    pg, wg = gpu.encode_clip(fg.view(2, 12, -1), mask)
    pc, wc = cpu.encode_clip(fc.view(2, 12, -1), mask)
    texts = ["a dog on the beach", "fireworks over a city at night"]
    emit(
        check="tiny_cuda_vs_cpu",
        device=str(gpu.device),
        same_fingerprint=gpu.fingerprint == cpu.fingerprint,
        frames_min_cos=min_cos(fg, fc),
        clip_min_cos=min_cos(pg, pc),
        afa_max_abs=float((wg - wc).abs().max()),
        padded_weight_max=float(wg[1, 7:].abs().max()),
        text_min_cos=min_cos(gpu.encode_text(texts), cpu.encode_text(texts)),
    )


def vit_b32() -> tuple[GlimpseModel, GlimpseModel]:
    spec = "ViT-B-32-quickgelu:openai"
    config = pretrained_config(spec, "ViT-B-32-quickgelu", "openai")
    clip, _ = build_random(config)
    cpu = GlimpseModel(clip, None, config, spec=spec, device=torch.device("cpu"))
    clip2, _ = build_random(config)
    clip2.load_state_dict(cpu.clip.state_dict())
    gpu = GlimpseModel(clip2, None, config, spec=spec, device=torch.device("cuda"))
    return cpu, gpu


def vit_parity_and_speed(cpu: GlimpseModel, gpu: GlimpseModel) -> None:
    px = torch.randn(256, 3, 224, 224)
    fc = cpu.encode_frames(px[:32])
    fg = gpu.encode_frames(px)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(3):
        gpu.encode_frames(px, batch_size=128)
    torch.cuda.synchronize()
    fps = 3 * 256 / (time.perf_counter() - t0)
    texts = ["a child blowing out candles", "snow on a mountain cabin", "boats"]
    lat = []
    for _ in range(30):
        t = time.perf_counter()
        gpu.encode_text([texts[_ % 3]], use_cache=False)
        lat.append((time.perf_counter() - t) * 1e3)
    emit(
        check="vit_b32_cuda_fp16_vs_cpu_fp32",
        same_fingerprint=cpu.fingerprint == gpu.fingerprint,
        frames_min_cos=min_cos(fg[:32], fc),
        text_min_cos=min_cos(gpu.encode_text(texts, use_cache=False), cpu.encode_text(texts)),
        frames_per_s_batch128=round(fps, 1),
        text_p50_ms=round(statistics.median(lat), 2),
    )


def real_oom_backoff(gpu: GlimpseModel) -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logging.getLogger("engine.model.glimpse").addHandler(Keep())
    px = torch.randn(256, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    reference = gpu.encode_frames(px, batch_size=32)
    hog = []
    keep = int(1.2 * 2**30)  # enough for a few dozen ViT-B/32 frames, not for 1024 at once
    free, _total = torch.cuda.mem_get_info()
    while free > keep + 2**28:
        hog.append(torch.empty(min(free - keep, 4 * 2**30), dtype=torch.uint8, device="cuda"))
        free, _total = torch.cuda.mem_get_info()
    error, ok = None, None
    try:
        got = gpu.encode_frames(px.repeat(4, 1, 1, 1), batch_size=1024)
        ok = min_cos(got[:256], reference)
    except Exception as exc:  # noqa: BLE001 - report, don't crash the check
        error = repr(exc)[:300]
    del hog
    torch.cuda.empty_cache()
    gib = round(free / 2**30, 2)
    emit(check="real_oom_backoff", free_gib=gib, warnings=records[:6], min_cos=ok, error=error)


def main() -> None:
    name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    emit(check="env", torch=torch.__version__, cuda=torch.cuda.is_available(), name=name)
    if not torch.cuda.is_available():
        return
    tiny_parity()
    cpu, gpu = vit_b32()
    vit_parity_and_speed(cpu, gpu)
    real_oom_backoff(gpu)


if __name__ == "__main__":
    main()
