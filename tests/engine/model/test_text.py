"""Text encoding: the shortened causal pass equals CLIP's full-context pass; truncation; the query cache."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from engine.errors import ModelError
from engine.model import GlimpseModel, load_model

QUERIES = [
    "dog",
    "a child blowing out candles on a birthday cake",
    "sunset over the ocean with sailboats in the distance and birds flying",
    "my grandmother laughing in the kitchen",
]


def test_short_pass_equals_full_context(tiny: GlimpseModel) -> None:
    tokens = tiny.tokenizer(QUERIES)
    assert tokens.shape == (4, 77)
    with torch.no_grad():
        full = F.normalize(tiny.clip.encode_text(tokens), dim=-1)
    fast = tiny.encode_text(QUERIES, use_cache=False)
    assert torch.allclose(fast, full, atol=1e-5)
    # One at a time (L differs per query) gives the same vectors as the batch.
    for i, q in enumerate(QUERIES):
        assert torch.allclose(tiny.encode_text([q], use_cache=False)[0], full[i], atol=1e-5)
    # Different texts give different vectors.
    assert (fast[0] - fast[1]).abs().max() > 1e-3


def test_long_text_is_truncated_not_refused(tiny: GlimpseModel) -> None:
    long = " ".join(["a very long description of a scene with many words"] * 20)
    assert tiny.text_truncated(long)
    assert not tiny.text_truncated(QUERIES[2])
    vec = tiny.encode_text([long], use_cache=False)
    assert vec.shape == (1, 64) and torch.isfinite(vec).all()
    with torch.no_grad():
        full = F.normalize(tiny.clip.encode_text(tiny.tokenizer([long])), dim=-1)
    assert torch.allclose(vec, full, atol=1e-5)


def test_query_cache_is_lru_and_safe() -> None:
    model = load_model("tiny")
    model.text_cache_size = 2
    first = model.encode_text(["a"])
    first.mul_(0)  # callers may scribble on results; the cache must not care
    again = model.encode_text(["a"])
    assert torch.allclose(again.norm(dim=-1), torch.ones(1))
    model.encode_text(["b", "c"])
    assert list(model._text_cache) == ["b", "c"]
    model.encode_text(["b"])
    model.encode_text(["d"])
    assert list(model._text_cache) == ["b", "d"]
    model.encode_text(["zzz"], use_cache=False)
    assert "zzz" not in model._text_cache
    assert model.encode_text([]).shape == (0, 64)


def test_text_precision_setting() -> None:
    model = load_model("tiny")
    assert model.text_precision == "auto"
    assert model.active_text_precision == "fp32"  # a tiny text tower gains nothing from bf16
    reference = model.encode_text(QUERIES, use_cache=False)
    model.text_precision = "bf16"
    assert model.active_text_precision == "bf16"
    half = model.encode_text(QUERIES, use_cache=False)
    assert half.dtype == torch.float32
    assert torch.allclose(half.norm(dim=-1), torch.ones(len(QUERIES)), atol=1e-5)
    assert float((half * reference).sum(dim=-1).min()) > 0.99
    assert not torch.equal(half, reference)  # really another code path
    model.text_precision = "fp32"
    assert torch.equal(model.encode_text(QUERIES, use_cache=False), reference)
    with pytest.raises(ModelError, match="text precision"):
        model.text_precision = "int4"


def test_bf16_copy_follows_weight_changes() -> None:
    """Training changes the fp32 text weights; refresh_fingerprint must drop the stale bf16 copy."""
    model = load_model("tiny")
    model.text_precision = "bf16"
    before = model.encode_text(["a boat"], use_cache=False)
    with torch.no_grad():
        model.clip.text_projection.mul_(-1.0)
    model.refresh_fingerprint()
    after = model.encode_text(["a boat"], use_cache=False)
    assert torch.allclose(after, -before, atol=1e-6)
