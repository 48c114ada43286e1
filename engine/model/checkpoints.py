"""Reading and writing weights: TeachCLIP/CLIP4Clip state dicts (never unpickled code) and our own format."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from engine.errors import CheckpointError
from engine.model.limits import MAX_TENSOR_ELEMENTS
from engine.model.spec import ModelConfig, canonical_json

log = logging.getLogger(__name__)

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
FORMAT_VERSION = 1

#: TeachCLIP's head parameter prefixes -> ours (StudentHead).
TEACHCLIP_HEAD_PREFIXES = {
    "frame_position_embeddings.": "frame_position_embeddings.",
    "transformerClip.": "transformer.",
    "frameLinear.": "afa_hidden.",
    "frameLinear2.": "afa_score.",
}


def read_torch_state(path: Path) -> dict[str, torch.Tensor]:
    """A flat name -> tensor dict from a .bin/.pt/.pth file, refusing anything that carries code."""
    try:
        raw = _torch_load(path)
    except OSError as exc:
        raise CheckpointError(f"{path.name} cannot be read ({exc.strerror or exc}).") from exc
    except Exception as exc:  # noqa: BLE001 - torch raises many types for bad files
        if isinstance(exc, pickle.UnpicklingError) and "weights only load failed" in str(exc).lower():
            log.info("Refused checkpoint %s: %s", path, exc)
            raise CheckpointError(
                f"{path.name} carries pickled Python objects besides weights; Glimpse refuses to load it "
                "because that could run code. Use a plain state dict or a .safetensors file."
            ) from exc
        log.info("Unreadable checkpoint %s: %r", path, exc)
        raise CheckpointError(f"{path.name} is not a readable PyTorch checkpoint.") from exc
    return _flat_state(raw, path)


def _torch_load(path: Path) -> Any:
    # mmap avoids reading the whole file twice; files in the old (non-zip) format cannot be mapped.
    try:
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError as exc:
        if "mmap" not in str(exc).lower() and "zip" not in str(exc).lower():
            raise
    return torch.load(path, map_location="cpu", weights_only=True)


def _flat_state(raw: Any, path: Path) -> dict[str, torch.Tensor]:
    if isinstance(raw, dict):
        for wrapper in ("state_dict", "model_state_dict", "model"):
            inner = raw.get(wrapper)
            if isinstance(inner, dict) and any(isinstance(v, torch.Tensor) for v in inner.values()):
                raw = inner
                break
    if not isinstance(raw, dict) or not raw:
        raise CheckpointError(f"{path.name} does not contain a state dict of named tensors.")
    state: dict[str, torch.Tensor] = {}
    for key, value in raw.items():
        if not isinstance(value, torch.Tensor):
            continue
        name = str(key)
        _check_tensor(path, name, value)
        # DataParallel / DistributedDataParallel save every name under "module.".
        state[name.removeprefix("module.")] = value
    if not state:
        raise CheckpointError(f"{path.name} does not contain any weights.")
    return state


def split_teachclip_state(
    state: dict[str, torch.Tensor],
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor] | None]:
    """(OpenAI-named CLIP state, our head's state or None) from a TeachCLIP/CLIP4Clip state dict."""
    clip_state = {k.removeprefix("clip."): v for k, v in state.items() if k.startswith("clip.")}
    if not clip_state:
        raise CheckpointError(
            "The checkpoint has no CLIP weights (no 'clip.*' names); "
            "it is not a TeachCLIP or CLIP4Clip checkpoint."
        )
    head: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        for theirs, ours in TEACHCLIP_HEAD_PREFIXES.items():
            if key.startswith(theirs):
                head[ours + key.removeprefix(theirs)] = value
                break
    known = ("clip.", *TEACHCLIP_HEAD_PREFIXES)
    ignored = [k for k in state if not k.startswith(known)]
    if ignored:
        log.info("Ignoring %d tensors outside CLIP and the head (e.g. %s)", len(ignored), ignored[0])
    if not head:
        return clip_state, None
    for needed in ("frame_position_embeddings.weight", "afa_hidden.weight", "afa_score.weight"):
        if needed not in head:
            raise CheckpointError(f"The checkpoint's student head is incomplete (no {needed}).")
    dim = head["afa_hidden.weight"].shape
    score = head["afa_score.weight"].shape
    if len(dim) != 2 or dim[0] != dim[1] or tuple(score) != (1, dim[0]):
        raise CheckpointError(
            f"The checkpoint's AFA layers have unexpected shapes (frameLinear {tuple(dim)}, "
            f"frameLinear2 {tuple(score)}); expected D x D and 1 x D."
        )
    return clip_state, head


def count_head_layers(head_state: dict[str, torch.Tensor]) -> int:
    """The number of temporal transformer blocks in a head state dict."""
    found = {key.split(".")[2] for key in head_state if key.startswith("transformer.resblocks.")}
    return len(found)


def fingerprint(config: ModelConfig, state: dict[str, torch.Tensor]) -> str:
    """A stable hash of what the model computes: its architecture/preprocessing and every weight."""
    digest = hashlib.sha256()  # hardware-accelerated on most CPUs: ~1 GB/s
    digest.update(canonical_json(config.identity_dict()).encode())
    for name in sorted(state):
        tensor = state[name].detach().to("cpu", torch.float32).contiguous()
        digest.update(f"\n{name}:{tuple(tensor.shape)}\n".encode())
        digest.update(tensor.numpy().data.cast("B"))
    return digest.hexdigest()[:32]


def save_folder(folder: Path, config: ModelConfig, state: dict[str, torch.Tensor], fp: str) -> None:
    """Write model.safetensors + config.json (with the fingerprint) into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous().clone() for k, v in state.items()}
    save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": "glimpse", "fingerprint": fp})
    meta = {
        "format": "glimpse",
        "format_version": FORMAT_VERSION,
        "fingerprint": fp,
        "model": config.to_dict(),
    }
    (folder / CONFIG_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_folder(folder: Path) -> tuple[ModelConfig, dict[str, torch.Tensor], str | None]:
    """(config, state, stored fingerprint) from a folder written by save_folder."""
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    if not config_path.is_file() or not weights_path.is_file():
        raise CheckpointError(
            f"{folder} is not a Glimpse model folder (it needs {WEIGHTS_FILE} and {CONFIG_FILE})."
        )
    try:
        meta = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{config_path} cannot be read ({exc}).") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("model"), dict):
        raise CheckpointError(f"{config_path} does not describe a Glimpse model.")
    version = meta.get("format_version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise CheckpointError(f"{config_path} has an unreadable format_version ({version!r}).")
    if version > FORMAT_VERSION:
        raise CheckpointError(f"{folder} was written by a newer Glimpse; update Glimpse to load it.")
    config = ModelConfig.from_dict(meta["model"])  # checked before any weight is read
    state = read_safetensors(weights_path)
    stored = meta.get("fingerprint")
    return config, state, str(stored) if stored else None


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """A state dict from a single .safetensors file."""
    try:
        state = load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path.name} is not a readable safetensors file ({exc}).") from exc
    for key, tensor in state.items():
        _check_tensor(path, key, tensor)
    return state


def _check_tensor(path: Path, name: str, tensor: torch.Tensor) -> None:
    """Refuse a tensor claiming more elements than any real model has (before anything copies it)."""
    if tensor.numel() > MAX_TENSOR_ELEMENTS:
        raise CheckpointError(
            f"{path.name} is damaged or hostile: its tensor {name} claims {tensor.numel():,} values."
        )
