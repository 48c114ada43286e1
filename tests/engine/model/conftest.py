"""Model test fixtures: one thread for torch (the machine is shared), one tiny model per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from engine.model import GlimpseModel, load_model


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Small workloads run fastest (and fairest to parallel jobs) on one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny() -> GlimpseModel:
    """The real model classes in the tiny configuration."""
    return load_model("tiny", device="cpu")
