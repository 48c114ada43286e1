"""The model: open_clip CLIP frame/text encoders plus the TeachCLIP student head (or zero-shot pooling).

Where tensors cross: `GlimpseModel.encode_frames`, `encode_clip` and `encode_text` take and return torch
tensors (for engine.model.batch and engine/train/); everything outside engine/model and engine/train goes
through NumPy-only doors: `GlimpseModel.queries` (engine.model.queries, what search uses) and
engine.model.batch (what the indexer uses). `cache` (the one loaded model a process shares) and `choice`
(which model a library uses) import no torch, so `load_model` and `GlimpseModel` are loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.model.factory import load_model
    from engine.model.glimpse import GlimpseModel

__all__ = ["GlimpseModel", "load_model"]


def __getattr__(name: str) -> Any:
    # Lazy: importing engine.model.cache or engine.model.choice must not pull in torch.
    if name == "load_model":
        from engine.model.factory import load_model

        return load_model
    if name == "GlimpseModel":
        from engine.model.glimpse import GlimpseModel

        return GlimpseModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
