"""load_model: one entry point for every kind of model spec."""

from __future__ import annotations

import logging
from pathlib import Path

import open_clip
import torch

from engine import config as app_config
from engine.errors import CheckpointError, ModelError
from engine.model import checkpoints
from engine.model.clip import arch_from_openai_state, build_clip, load_clip_state
from engine.model.device import resolve_device
from engine.model.glimpse import GlimpseModel
from engine.model.head import StudentHead
from engine.model.pretrained import resolve_weights
from engine.model.spec import (
    OPENAI_MEAN,
    OPENAI_STD,
    HeadConfig,
    ModelConfig,
    PreprocessConfig,
    builtin_config,
)

log = logging.getLogger(__name__)

CHECKPOINT_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt")


def load_model(spec: str, device: str | None = None) -> GlimpseModel:
    """Load a model for encoding frames, clips and text.

    Args:
        spec: "tiny" (or another config in resources/models), an open_clip "name:pretrained" pair such as
            "ViT-B-32-quickgelu:openai", a TeachCLIP/CLIP4Clip state dict file (.bin/.pt/.pth), a
            .safetensors CLIP file, or a Glimpse model folder (model.safetensors + config.json).
        device: "cuda", "mps", "cpu" or None for GLIMPSE_DEVICE or automatic choice; a missing device
            falls back to the CPU with a warning.

    Returns:
        A GlimpseModel on the chosen device, in eval mode.

    Raises:
        WeightsUnavailableError: pretrained weights are neither cached nor downloadable.
        CheckpointError: a checkpoint is missing, unreadable, unsafe (pickled code) or of an unknown layout.
        ModelError: the spec names nothing known.
    """
    spec = app_config.canonical_model_spec(spec)  # a relative path is recorded absolute
    if not spec:
        raise ModelError(
            "No model was given; name one such as 'ViT-B-32-quickgelu:openai' or a checkpoint file."
        )
    clip, head, config, stored_fp = _build(spec)
    target = resolve_device(device)
    model = GlimpseModel(clip, head, config, spec=spec, device=target)
    if stored_fp and stored_fp != model.fingerprint:
        raise CheckpointError(
            f"The weights in {spec} do not match the fingerprint recorded with them; the folder was changed "
            "or damaged. Save the model again or use the original files."
        )
    log.info("Loaded %r on %s (fingerprint %s)", model, target, model.fingerprint)
    return model


def _build(spec: str) -> tuple[torch.nn.Module, StudentHead | None, ModelConfig, str | None]:
    builtin = builtin_config(spec) if _plain_name(spec) else None
    if builtin is not None:
        clip, head = build_random(builtin)
        return clip, head, builtin, None
    path = Path(spec).expanduser()
    if path.is_dir():
        return _from_folder(path)
    if path.is_file():
        return _from_file(path)
    if _looks_like_path(spec):
        raise CheckpointError(f"The model file {spec} does not exist.")
    if ":" in spec:
        name, tag = spec.split(":", 1)
        return _from_pretrained(spec, name, tag)
    raise ModelError(
        f"Unknown model {spec!r}: use 'tiny', an open_clip 'name:pretrained' pair such as "
        "'ViT-B-32-quickgelu:openai', or a path to a checkpoint file or model folder."
    )


def _plain_name(spec: str) -> bool:
    return spec.replace("-", "").replace("_", "").isalnum()


def _looks_like_path(spec: str) -> bool:
    return "/" in spec or "\\" in spec or spec.lower().endswith((*CHECKPOINT_SUFFIXES, ".safetensors"))


def build_random(
    config: ModelConfig, *, clip_weights_follow: bool = False
) -> tuple[torch.nn.Module, StudentHead | None]:
    """The config's modules with a (seeded, when the config has a seed) random initialization.

    clip_weights_follow=True skips initializing the CLIP backbone, whose weights the caller loads next.
    """
    with torch.random.fork_rng(devices=[]):
        if config.seed is not None:
            torch.manual_seed(int(config.seed))
        clip = build_clip(config, uninitialized=clip_weights_follow)
        head = StudentHead(config.embed_dim, config.head) if config.head is not None else None
    return clip, head


def _from_folder(path: Path) -> tuple[torch.nn.Module, StudentHead | None, ModelConfig, str | None]:
    config, state, stored = checkpoints.read_folder(path)
    clip, head = build_random(config, clip_weights_follow=True)
    _load_split_state(clip, head, state, str(path))
    return clip, head, config, stored


def _load_split_state(
    clip: torch.nn.Module, head: StudentHead | None, state: dict[str, torch.Tensor], where: str
) -> None:
    clip_state = {k.removeprefix("clip."): v for k, v in state.items() if k.startswith("clip.")}
    head_state = {k.removeprefix("head."): v for k, v in state.items() if k.startswith("head.")}
    load_clip_state(clip, clip_state)  # type: ignore[arg-type]
    if head is not None:
        _load_head_state(head, head_state, where)
    elif head_state:
        raise CheckpointError(f"{where} holds head weights but its configuration says zero-shot.")


def _load_head_state(head: StudentHead, state: dict[str, torch.Tensor], where: str) -> None:
    expected = head.state_dict()
    unknown = [key for key in state if key not in expected]
    if unknown:  # before any tensor is converted (copied): see load_clip_state
        raise CheckpointError(
            f"The student head in {where} does not match the expected layout (at {unknown[0]})."
        )
    for key, tensor in state.items():
        if tuple(expected[key].shape) != tuple(tensor.shape):
            raise CheckpointError(
                f"The head tensor {key} in {where} has shape {tuple(tensor.shape)}, "
                f"expected {tuple(expected[key].shape)}."
            )
    result = head.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    if result.missing_keys or result.unexpected_keys:
        name = (result.missing_keys or result.unexpected_keys)[0]
        raise CheckpointError(f"The student head in {where} does not match the expected layout (at {name}).")


def _from_file(path: Path) -> tuple[torch.nn.Module, StudentHead | None, ModelConfig, str | None]:
    if path.suffix.lower() == ".safetensors":
        state = checkpoints.read_safetensors(path)
    else:
        state = checkpoints.read_torch_state(path)
    if any(k.startswith("clip.") for k in state):
        clip_state, head_state = checkpoints.split_teachclip_state(state)
    elif "visual.conv1.weight" in state or "visual.proj" in state:
        clip_state, head_state = state, None  # a bare OpenAI-style CLIP: zero-shot
    else:
        raise CheckpointError(
            f"{path.name} is not a TeachCLIP, CLIP4Clip or CLIP checkpoint "
            "(no 'clip.*' or 'visual.*' weights)."
        )
    arch = arch_from_openai_state(clip_state)
    head_cfg = None
    if head_state is not None:
        positions = int(head_state["frame_position_embeddings.weight"].shape[0])
        head_cfg = HeadConfig(layers=checkpoints.count_head_layers(head_state), positions=positions)
    config = ModelConfig(
        name=path.stem,
        embed_dim=arch["embed_dim"],
        vision=arch["vision"],
        text=arch["text"],
        quick_gelu=True,  # OpenAI CLIP (and so TeachCLIP's backbone) was trained with QuickGELU
        head=head_cfg,
        preprocess=PreprocessConfig(image_size=arch["vision"]["image_size"]),
    )
    clip, head = build_random(config, clip_weights_follow=True)
    load_clip_state(clip, clip_state)  # type: ignore[arg-type]
    if head is not None and head_state is not None:
        if head_state["afa_hidden.weight"].shape[0] != config.embed_dim:
            raise CheckpointError(
                f"{path.name}: the student head is {head_state['afa_hidden.weight'].shape[0]} wide "
                f"but the CLIP embedding is {config.embed_dim}."
            )
        _load_head_state(head, head_state, path.name)
    return clip, head, config, None


def pretrained_config(spec: str, name: str, tag: str) -> ModelConfig:
    """A zero-shot ModelConfig for an open_clip architecture and pretrained tag."""
    arch = open_clip.get_model_config(name)
    if not arch or "vision_cfg" not in arch or "text_cfg" not in arch:
        raise ModelError(f"open_clip has no model named {name!r}.")
    vision, text = dict(arch["vision_cfg"]), dict(arch["text_cfg"])
    if "timm_model_name" in vision or "hf_model_name" in text or arch.get("custom_text"):
        raise ModelError(f"{name} is not a plain CLIP Vision Transformer; Glimpse supports those only.")
    pcfg = open_clip.get_pretrained_cfg(name, tag) or {}
    size = vision.get("image_size", 224)
    preprocess = PreprocessConfig(
        image_size=int(size if isinstance(size, int) else size[0]),
        mean=tuple(pcfg.get("mean", OPENAI_MEAN)),  # type: ignore[arg-type]
        std=tuple(pcfg.get("std", OPENAI_STD)),  # type: ignore[arg-type]
    )
    return ModelConfig(
        name=spec,
        embed_dim=int(arch["embed_dim"]),
        vision=vision,
        text=text,
        quick_gelu=bool(arch.get("quick_gelu", False) or pcfg.get("quick_gelu", False)),
        head=None,
        preprocess=preprocess,
    )


def _from_pretrained(spec: str, name: str, tag: str) -> tuple[torch.nn.Module, None, ModelConfig, None]:
    config = pretrained_config(spec, name, tag)
    weights = Path(resolve_weights(spec, name, tag))
    if weights.suffix == ".safetensors":
        state = checkpoints.read_safetensors(weights)
    else:
        state = checkpoints.read_torch_state(weights)
    clip, _ = build_random(config, clip_weights_follow=True)
    load_clip_state(clip, state)  # type: ignore[arg-type]
    return clip, None, config, None
