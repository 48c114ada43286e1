"""The model: open_clip CLIP frame/text encoders plus the TeachCLIP student head (or zero-shot pooling)."""

from __future__ import annotations

from engine.model.factory import load_model
from engine.model.glimpse import GlimpseModel

__all__ = ["GlimpseModel", "load_model"]
