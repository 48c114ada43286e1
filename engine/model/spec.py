"""Model configuration: the architecture, head and preprocessing a model is built from (JSON-friendly)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.config import RESOURCES_DIR
from engine.errors import ModelError

#: CLIP's (OpenAI's) pixel statistics.
OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)

MODELS_DIR = RESOURCES_DIR / "models"
#: Model configs every installation ships (resources/models/<name>.json); tests check the wheel has them.
BUILTIN_MODELS = ("tiny",)


@dataclass(frozen=True)
class HeadConfig:
    """The TeachCLIP student head: temporal transformer + attentional frame aggregation."""

    layers: int = 4
    positions: int = 77
    temperature: float = 0.1


@dataclass(frozen=True)
class PreprocessConfig:
    """CLIP's image preprocessing: shortest side resize (bicubic), center crop, normalization."""

    image_size: int = 224
    mean: tuple[float, float, float] = OPENAI_MEAN
    std: tuple[float, float, float] = OPENAI_STD


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a model's modules; weights live elsewhere."""

    name: str
    embed_dim: int
    vision: dict[str, Any]
    text: dict[str, Any]
    quick_gelu: bool = True
    head: HeadConfig | None = None
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    seed: int | None = None

    def __post_init__(self) -> None:
        # Before anything is built from it: absurd sizes would ask for terabytes (see limits.py).
        from engine.model.limits import check_config

        check_config(self)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for JSON."""
        data = asdict(self)
        data["preprocess"]["mean"] = list(self.preprocess.mean)
        data["preprocess"]["std"] = list(self.preprocess.std)
        return data

    def identity_dict(self) -> dict[str, Any]:
        """The parts that decide what the model computes (hashed into the fingerprint).

        Tower settings are expanded with open_clip's defaults, so two spellings of one
        architecture (e.g. with or without an explicit default) hash the same.
        """
        from open_clip.model import CLIPTextCfg, CLIPVisionCfg

        data = self.to_dict()
        data.pop("name", None)
        data.pop("seed", None)
        try:
            data["vision"] = asdict(CLIPVisionCfg(**self.vision))
            data["text"] = asdict(CLIPTextCfg(**self.text))
        except TypeError as exc:
            raise ModelError(f"The model configuration has unknown tower settings ({exc}).") from exc
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Parse a dict as written by to_dict (or a resources/models JSON file)."""
        try:
            head = data.get("head")
            pre = dict(data.get("preprocess") or {})
            if "mean" in pre:
                pre["mean"] = tuple(float(v) for v in pre["mean"])
            if "std" in pre:
                pre["std"] = tuple(float(v) for v in pre["std"])
            return cls(
                name=str(data.get("name", "custom")),
                embed_dim=int(data["embed_dim"]),
                vision=dict(data["vision"]),
                text=dict(data["text"]),
                quick_gelu=bool(data.get("quick_gelu", True)),
                head=HeadConfig(**head) if head else None,
                preprocess=PreprocessConfig(**pre),
                seed=data.get("seed"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"The model configuration is incomplete or malformed ({exc}).") from exc

    def with_head(self, head: HeadConfig | None) -> ModelConfig:
        """A copy with another head (or none, for zero-shot)."""
        data = self.to_dict()
        data["head"] = asdict(head) if head else None
        return ModelConfig.from_dict(data)


def canonical_json(data: dict[str, Any]) -> str:
    """Stable JSON text (sorted keys, no whitespace) for hashing."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def builtin_config(name: str) -> ModelConfig | None:
    """A config shipped in resources/models/<name>.json, or None.

    Raises:
        ModelError: a built-in model's file is missing, i.e. the installation is incomplete.
    """
    path = MODELS_DIR / f"{name}.json"
    if not path.is_file():
        if name in BUILTIN_MODELS:
            raise ModelError(
                f"Glimpse's installation is incomplete: the built-in model configuration {path} is missing; "
                "reinstall Glimpse (pip, pipx or uv) from a complete wheel or source tree."
            )
        return None
    return read_config(path)


def read_config(path: Path) -> ModelConfig:
    """Read a model config JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"The model configuration {path} cannot be read ({exc}).") from exc
    if not isinstance(data, dict):
        raise ModelError(f"The model configuration {path} is not a JSON object.")
    return ModelConfig.from_dict(data)
