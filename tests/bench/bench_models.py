"""Models for benchmarks: the real ViT-B/32 (QuickGELU) architecture with random weights and a head.

Weights cannot be downloaded on the project's machines; the architecture, not the weights, sets the cost.
"""

from __future__ import annotations

from engine.model import load_model
from engine.model.device import resolve_device
from engine.model.factory import build_random
from engine.model.glimpse import GlimpseModel
from engine.model.spec import HeadConfig, ModelConfig

VIT_B_32 = ModelConfig(
    name="ViT-B-32-quickgelu (random weights)",
    embed_dim=512,
    vision={"image_size": 224, "layers": 12, "width": 768, "patch_size": 32},
    text={"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12},
    quick_gelu=True,
    head=HeadConfig(),
    seed=0,
)


def bench_model(name: str, device: str | None = None) -> GlimpseModel:
    """ "tiny" or "vit-b-32" (random weights, with a student head)."""
    if name == "tiny":
        return load_model("tiny", device=device)
    clip, head = build_random(VIT_B_32)
    return GlimpseModel(clip, head, VIT_B_32, spec="bench:vit-b-32-random", device=resolve_device(device))
