"""Device choice (argument, GLIMPSE_DEVICE, automatic, CPU fallback) and out-of-memory back-off."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from engine.errors import ModelError
from engine.model import load_model
from engine.model.device import resolve_device


def test_missing_cuda_falls_back_to_cpu(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="engine.model.device"):
        model = load_model("tiny", device="cuda")
    if torch.cuda.is_available():
        assert model.device.type == "cuda"
    else:
        assert model.device == torch.device("cpu")
        assert any("not available" in r.getMessage() for r in caplog.records)
    feats = model.encode_frames(model.preprocess([np.zeros((40, 60, 3), dtype=np.uint8)]))
    assert feats.shape == (1, 64) and feats.device.type == "cpu"
    assert model.encode_text(["hello"]).device.type == "cpu"


def test_environment_override(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("GLIMPSE_DEVICE", "cpu")
    assert resolve_device(None) == torch.device("cpu")
    monkeypatch.setenv("GLIMPSE_DEVICE", "quantum")
    with caplog.at_level(logging.WARNING, logger="engine.model.device"):
        assert resolve_device(None) == torch.device("cpu")
    assert any("quantum" in r.getMessage() for r in caplog.records)
    # The argument wins over the environment.
    monkeypatch.setenv("GLIMPSE_DEVICE", "quantum")
    assert resolve_device("cpu") == torch.device("cpu")


def test_out_of_memory_halves_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_model("tiny", device="cpu")
    rng = np.random.default_rng(0)
    pixels = model.preprocess([rng.integers(0, 256, (50, 50, 3), dtype=np.uint8) for _ in range(9)])
    expected = model.encode_frames(pixels, batch_size=9)
    real = model.clip.encode_image
    seen: list[int] = []

    def tight_memory(images: torch.Tensor, normalize: bool = False) -> torch.Tensor:
        seen.append(images.shape[0])
        if images.shape[0] > 2:  # the accelerator "holds" at most two frames
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(images, normalize=normalize)

    monkeypatch.setattr(model.clip, "encode_image", tight_memory)
    got = model.encode_frames(pixels, batch_size=8)
    assert torch.allclose(got, expected, atol=1e-5)
    assert seen[:3] == [8, 4, 2]
    assert max(seen[3:]) <= 2


def test_out_of_memory_for_one_frame_is_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_model("tiny", device="cpu")
    pixels = model.preprocess([np.zeros((50, 50, 3), dtype=np.uint8)] * 3)

    def no_memory(images: torch.Tensor, normalize: bool = False) -> torch.Tensor:
        raise RuntimeError("CUDA error: out of memory")

    monkeypatch.setattr(model.clip, "encode_image", no_memory)
    with pytest.raises(ModelError, match="ran out of memory"):
        model.encode_frames(pixels, batch_size=4)
