"""TeachCLIP/CLIP4Clip checkpoint import (small width and the real ViT-B/32); refusing unsafe files."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import open_clip
import pytest
import torch
import torch.nn.functional as F
from open_clip.model import CLIP
from open_clip.tokenizer import SimpleTokenizer

from engine.errors import CheckpointError
from engine.model import load_model
from engine.model.clip import arch_from_openai_state, build_clip
from engine.model.head import StudentHead, mean_pool
from engine.model.spec import HeadConfig, ModelConfig
from tests.engine.model.reference import head_reference, randomize_, teachclip_head_params

SMALL = ModelConfig(
    name="small",
    embed_dim=64,
    vision={"image_size": 32, "patch_size": 16, "width": 64, "layers": 1},
    text={"context_length": 20, "vocab_size": 49408, "width": 64, "heads": 1, "layers": 1},
    head=None,
)


def _random_clip(config: ModelConfig, seed: int) -> CLIP:
    torch.manual_seed(seed)
    return build_clip(config)


def _teachclip_state(clip: CLIP, head: StudentHead | None) -> dict[str, torch.Tensor]:
    state = {f"clip.{k}": v.detach().clone() for k, v in clip.state_dict().items()}
    if head is not None:
        state.update(teachclip_head_params(head))
    return state


def _pixels(n: int, size: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def _check_against_reference(
    path: Path, clip: CLIP, head: StudentHead, heads: int, size: int, context: int, atol: float
) -> None:
    model = load_model(str(path), device="cpu")
    assert not model.is_zero_shot
    assert model.dim == clip.text_projection.shape[1]
    assert model.image_size == size
    pixels = _pixels(3, size)
    feats = model.encode_frames(pixels)
    with torch.no_grad():
        expected_frames = clip.encode_image(pixels)
    assert torch.allclose(feats, expected_frames, atol=atol)
    mask = torch.tensor([[True, True, False]])
    phi, w = model.encode_clip(feats[None], mask)
    exp_phi, exp_w = head_reference(teachclip_head_params(head), feats, mask[0], heads=heads)
    assert torch.allclose(phi[0], exp_phi, atol=atol) and torch.allclose(w[0], exp_w, atol=atol)
    texts = ["a person riding a horse on the beach", "a cat"]
    tokens = SimpleTokenizer(context_length=context)(texts, context_length=context)
    with torch.no_grad():
        expected_text = F.normalize(clip.encode_text(tokens), dim=-1)
    model.text_precision = "fp32"
    assert torch.allclose(model.encode_text(texts, use_cache=False), expected_text, atol=atol)
    # The default ("auto": bf16 only where measured faster and close) keeps the ranking goal.
    model.text_precision = "auto"
    auto = model.encode_text(texts, use_cache=False)
    assert float((auto * expected_text).sum(dim=-1).min()) >= 1 - 1e-3


def test_small_teachclip_checkpoint_loads_and_matches(tmp_path: Path) -> None:
    clip = _random_clip(SMALL, seed=5)
    head = StudentHead(64, HeadConfig(layers=4))
    randomize_(head, seed=9)
    path = tmp_path / "pytorch_model.bin.1"
    torch.save(_teachclip_state(clip, head), path)
    _check_against_reference(path, clip, head.eval(), heads=1, size=32, context=20, atol=1e-5)


def test_clip4clip_style_half_weights_and_128_positions(tmp_path: Path) -> None:
    """CLIP4Clip stores its CLIP in fp16 and sizes frame positions from its cross config (128)."""
    clip = _random_clip(SMALL, seed=12)
    head = StudentHead(64, HeadConfig(layers=2, positions=128))
    randomize_(head, seed=13)
    state = {k: v.half() for k, v in _teachclip_state(clip, None).items()}
    state.update(teachclip_head_params(head))
    state["loss_fct.unused"] = torch.zeros(1)  # training-only extras are ignored
    path = tmp_path / "clip4clip.bin"
    torch.save(state, path)
    rounded = {k.removeprefix("clip."): v.float() for k, v in state.items() if k.startswith("clip.")}
    clip.load_state_dict(rounded)
    model = load_model(str(path), device="cpu")
    assert model.head is not None and model.head.positions == 128
    assert len(model.head.transformer.resblocks) == 2
    pixels = _pixels(2, 32, seed=5)
    with torch.no_grad():
        expected = clip.encode_image(pixels)
    assert torch.allclose(model.encode_frames(pixels.double()), expected, atol=1e-5)


def test_wrapped_and_data_parallel_names_load(tmp_path: Path) -> None:
    clip = _random_clip(SMALL, seed=6)
    state = {f"module.{k}": v for k, v in _teachclip_state(clip, None).items()}
    path = tmp_path / "ckpt.pth"
    torch.save({"state_dict": state, "epoch": 3}, path)
    model = load_model(str(path), device="cpu")
    assert model.is_zero_shot


def test_clip_only_checkpoint_is_zero_shot(tmp_path: Path) -> None:
    clip = _random_clip(SMALL, seed=7)
    path = tmp_path / "clip_only.bin"
    torch.save(_teachclip_state(clip, None), path)
    model = load_model(str(path), device="cpu")
    assert model.is_zero_shot and model.head is None
    feats = model.encode_frames(_pixels(4, 32, seed=1))
    mask = torch.tensor([[True, True, True, False]])
    phi, w = model.encode_clip(feats[None], mask)
    exp_phi, exp_w = mean_pool(feats[None], mask)
    assert torch.allclose(phi, exp_phi, atol=1e-6)
    assert torch.allclose(w, torch.tensor([[1 / 3, 1 / 3, 1 / 3, 0.0]]), atol=1e-6)


@pytest.mark.slow
def test_real_vit_b32_teachclip_checkpoint(tmp_path: Path) -> None:
    """The issue's done-criterion: the real ViT-B/32 architecture with random weights, TeachCLIP naming."""
    config = ModelConfig(
        name="vit-b-32",
        embed_dim=512,
        vision={"image_size": 224, "patch_size": 32, "width": 768, "layers": 12},
        text={"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12},
    )
    clip = _random_clip(config, seed=3)
    head = StudentHead(512, HeadConfig(layers=4))
    randomize_(head, seed=4)
    path = tmp_path / "teachclip_vit_b32.bin"
    torch.save(_teachclip_state(clip, head), path)
    _check_against_reference(path, clip, head.eval(), heads=8, size=224, context=77, atol=1e-4)


def test_misshaped_afa_layers_are_refused(tmp_path: Path) -> None:
    clip = _random_clip(SMALL, seed=8)
    head = StudentHead(64, HeadConfig(layers=1))
    state = _teachclip_state(clip, head)
    state["frameLinear2.weight"] = torch.zeros(64, 64)
    path = tmp_path / "bad.bin"
    torch.save(state, path)
    with pytest.raises(CheckpointError, match="AFA"):
        load_model(str(path))


def test_not_a_checkpoint(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"this is not a checkpoint at all" * 10)
    with pytest.raises(CheckpointError, match="junk.pt"):
        load_model(str(junk))
    other = tmp_path / "other.bin"
    torch.save({"encoder.weight": torch.zeros(2, 2)}, other)
    with pytest.raises(CheckpointError, match="not a TeachCLIP"):
        load_model(str(other))


class _Payload:
    """A custom class: pickling it stores a reference to code."""

    def __init__(self) -> None:
        self.value = 1


class _ReducePayload:
    """Unpickling this would run a function of the attacker's choosing."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        return (Path.touch, (self.marker,))


def test_pickled_class_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "custom.bin"
    torch.save({"clip.visual.proj": torch.zeros(2, 2), "extra": _Payload()}, path)
    with pytest.raises(CheckpointError, match="refuses"):
        load_model(str(path))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_reduce_payload_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    with path.open("wb") as fh:
        pickle.dump({"clip.visual.proj": np.zeros(2), "x": _ReducePayload(marker)}, fh)
    with pytest.raises(CheckpointError, match="refuses"):
        load_model(str(path))
    assert not marker.exists()
    path2 = tmp_path / "evil2.pt"
    torch.save({"clip.visual.proj": torch.zeros(2), "x": _ReducePayload(marker)}, path2)
    with pytest.raises(CheckpointError, match="refuses"):
        load_model(str(path2))
    assert not marker.exists()


@pytest.mark.parametrize("name", ["ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336"])
def test_backbone_inferred_from_shapes(name: str) -> None:
    """OpenAI's ViT backbones are recognized from tensor shapes alone (meta device: no memory used)."""
    arch = open_clip.get_model_config(name)
    with torch.device("meta"):
        clip = CLIP(arch["embed_dim"], vision_cfg=arch["vision_cfg"], text_cfg=arch["text_cfg"])
    inferred = arch_from_openai_state(clip.state_dict())
    assert inferred["embed_dim"] == arch["embed_dim"]
    for key in ("image_size", "patch_size", "width", "layers"):
        assert inferred["vision"][key] == arch["vision_cfg"][key], key
    for key in ("context_length", "width", "heads", "layers"):
        assert inferred["text"][key] == arch["text_cfg"][key], key
