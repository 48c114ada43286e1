"""Model test fixtures: one tiny model per module (building it is cheap, but not free)."""

from __future__ import annotations

import pytest
import torch

from engine.model import GlimpseModel, load_model


@pytest.fixture(scope="module")
def tiny() -> GlimpseModel:
    """The real model classes in the tiny configuration."""
    torch.set_num_threads(1)
    return load_model("tiny", device="cpu")
