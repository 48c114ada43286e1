"""The tiny model end to end: preprocess -> frames -> clip -> text, shapes and invariants."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import ModelError
from engine.model import GlimpseModel, load_model


def _frames(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size=(90, 160, 3), dtype=np.uint8) for _ in range(n)]


def test_tiny_identity(tiny: GlimpseModel) -> None:
    assert tiny.dim == 64
    assert tiny.image_size == 64
    assert not tiny.is_zero_shot
    assert tiny.head is not None
    assert tiny.spec == "tiny"
    assert tiny.device == torch.device("cpu")
    assert len(tiny.fingerprint) == 32


def test_end_to_end_shapes(tiny: GlimpseModel) -> None:
    pixels = tiny.preprocess(_frames(5))
    assert pixels.shape == (5, 3, 64, 64) and pixels.dtype == torch.float32
    feats = tiny.encode_frames(pixels, batch_size=2)
    assert feats.shape == (5, 64) and feats.dtype == torch.float32
    # Not normalized, as CLIP's encode_image returns them.
    assert not torch.allclose(feats.norm(dim=-1), torch.ones(5), atol=1e-3)
    phi, w = tiny.encode_clip(feats.unsqueeze(0))
    assert phi.shape == (1, 64) and w.shape == (1, 5)
    assert torch.allclose(phi.norm(dim=-1), torch.ones(1), atol=1e-5)
    assert torch.allclose(w.sum(dim=-1), torch.ones(1), atol=1e-5)
    text = tiny.encode_text(["a dog running on a beach", "fireworks at night"])
    assert text.shape == (2, 64)
    assert torch.allclose(text.norm(dim=-1), torch.ones(2), atol=1e-5)


def test_batching_does_not_change_frames(tiny: GlimpseModel) -> None:
    pixels = tiny.preprocess(_frames(7, seed=3))
    whole = tiny.encode_frames(pixels, batch_size=7)
    pieces = tiny.encode_frames(pixels, batch_size=2)
    assert torch.allclose(whole, pieces, atol=1e-5)


def test_tiny_is_deterministic_across_loads(tiny: GlimpseModel) -> None:
    again = load_model("tiny", device="cpu")
    assert again.fingerprint == tiny.fingerprint
    text = ["a red car"]
    assert torch.equal(again.encode_text(text, use_cache=False), tiny.encode_text(text, use_cache=False))


def test_bad_inputs_raise_model_error(tiny: GlimpseModel) -> None:
    with pytest.raises(ModelError):
        tiny.preprocess([np.zeros((10, 10), dtype=np.uint8)])
    with pytest.raises(ModelError):
        tiny.encode_frames(torch.zeros(2, 3, 32, 32))
    with pytest.raises(ModelError):
        tiny.encode_clip(torch.zeros(1, 3, 63))
    with pytest.raises(ModelError, match="no valid frames"):
        tiny.encode_clip(torch.randn(1, 3, 64), torch.zeros(1, 3, dtype=torch.bool))


def test_unknown_spec_is_a_sentence() -> None:
    with pytest.raises(ModelError, match="Unknown model"):
        load_model("no-such-model")
    with pytest.raises(ModelError, match="does not exist"):
        load_model("/nowhere/model.bin")


def test_outputs_are_ordinary_tensors(tiny: GlimpseModel) -> None:
    """Results leave inference mode: training code may feed them to autograd."""
    feats = tiny.encode_frames(tiny.preprocess(_frames(3, seed=8)))
    phi, w = tiny.encode_clip(feats[None])
    text = tiny.encode_text(["a kite"])
    for tensor in (feats, phi, w, text):
        assert not tensor.is_inference()
    scale = torch.ones(1, requires_grad=True)
    ((phi * scale) @ text.T).sum().backward()
    assert scale.grad is not None
