"""The exported NumPy text tower answers the torch model's query vectors, and refuses what it cannot run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.model import GlimpseModel, load_model
from engine.model.factory import build_random
from engine.model.spec import ModelConfig, builtin_config
from engine.model.text_export import export_text_tower
from engine.query import export_path, load_text_encoder

TEXTS = [
    "a red bar moving",
    "kids blowing out the candles at a birthday party",
    "café, naïve — it's <b>bold</b> & more",
    "hello world " * 40,  # truncated to the context
    "<end_of_text> typed by someone",
]


def _model(config: ModelConfig, spec: str) -> GlimpseModel:
    clip, head = build_random(config)
    return GlimpseModel(clip, head, config, spec=spec, device=torch.device("cpu"))


def _with_text(text: dict, *, quick_gelu: bool, name: str) -> ModelConfig:
    tiny = builtin_config("tiny")
    assert tiny is not None
    data = tiny.to_dict()
    data.update(name=name, text=text, quick_gelu=quick_gelu, seed=7)
    return ModelConfig.from_dict(data)


def _deviation(model: GlimpseModel) -> float:
    path = export_text_tower(model)
    assert path is not None and path == export_path(model.fingerprint)
    encoder = load_text_encoder(model.fingerprint)
    assert encoder is not None
    assert encoder.fingerprint == model.fingerprint and encoder.is_zero_shot == model.is_zero_shot
    for text in TEXTS:
        assert encoder.text_truncated(text) == model.text_truncated(text)
    ours = encoder.encode_text(TEXTS)
    reference = model.encode_text(TEXTS, use_cache=False).numpy()
    assert ours.shape == reference.shape and ours.dtype == np.float32
    return float((1 - (ours * reference).sum(axis=1)).max())


def test_tiny_matches_torch() -> None:
    assert _deviation(load_model("tiny", device="cpu")) < 1e-5


@pytest.mark.slow
def test_vit_b32_text_tower_with_exact_gelu_matches_torch() -> None:
    """ViT-B/32's text tower (12 x 512, 8 heads), random weights, GELU (the non-quickgelu variant)."""
    text = {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}
    model = _model(_with_text(text, quick_gelu=False, name="b32-text"), "b32-text")
    model.text_precision = "fp32"
    assert _deviation(model) < 1e-5


def test_layer_scale_is_run_and_custom_blocks_are_refused() -> None:
    text = {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2}
    scaled = _model(_with_text({**text, "ls_init_value": 0.5}, quick_gelu=True, name="ls"), "ls")
    assert _deviation(scaled) < 1e-5
    custom = _model(_with_text({**text, "block_type": "custom"}, quick_gelu=True, name="c"), "c")
    assert export_text_tower(custom) is None
    assert load_text_encoder(custom.fingerprint) is None


def test_damaged_or_foreign_exports_are_ignored() -> None:
    model = load_model("tiny", device="cpu")
    path = export_text_tower(model)
    assert path is not None
    other = export_path("0123456789abcdef0123456789abcdef")
    assert other is not None
    other.write_bytes(path.read_bytes())  # another fingerprint's name, this model's metadata
    assert load_text_encoder("0123456789abcdef0123456789abcdef") is None
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    assert load_text_encoder(model.fingerprint) is None
    assert export_text_tower(model) == path and load_text_encoder(model.fingerprint) is not None
    assert load_text_encoder("../../etc/passwd") is None and load_text_encoder(None) is None
