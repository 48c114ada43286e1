"""Sanity bounds on a model's configuration, checked before a single tensor is allocated.

A config file or a checkpoint's tensor shapes decide how much memory building the model takes; a
hostile or damaged one (a 2 KB file of expanded tensors claiming a width of 200,000) would otherwise
ask for hundreds of gigabytes. Every size is checked against a bound well above the largest CLIP
models (ViT-bigG-14: width 1664, 48 layers, 2.5 billion parameters), and the parameter count the
sizes imply is estimated and bounded too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from engine.errors import ModelError

if TYPE_CHECKING:
    from engine.model.spec import ModelConfig

MAX_WIDTH = 8192  # tower widths and the embedding dimension
MAX_LAYERS = 128
MAX_IMAGE_SIZE = 1024  # pixels per side
MAX_CONTEXT = 1024  # text tokens
MAX_VOCAB = 1_000_000
MAX_HEAD_POSITIONS = 4096  # frames the student head can see
MAX_PARAMETERS = 4_000_000_000  # 16 GB of fp32 weights
#: One tensor in a checkpoint may hold at most this many elements (the largest model's total).
MAX_TENSOR_ELEMENTS = MAX_PARAMETERS


def _whole(value: object, what: str, low: int, high: int) -> int:
    """`value` as an int in [low, high], or a ModelError naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise ModelError(f"The model configuration's {what} must be a whole number, not {value!r}.")
    number = int(value)
    if not low <= number <= high:
        raise ModelError(f"The model configuration's {what} is {number}; Glimpse accepts {low} to {high:,}.")
    return number


def _real(value: object, what: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelError(f"The model configuration's {what} must be a finite number, not {value!r}.")
    if not low < float(value) <= high:
        raise ModelError(
            f"The model configuration's {what} is {value}; it must be above {low} and at most {high}."
        )
    return float(value)


def _image_size(value: object, what: str) -> int:
    if isinstance(value, list | tuple) and len(value) == 2:
        sides = [_whole(v, what, 1, MAX_IMAGE_SIZE) for v in value]
        return max(sides)
    return _whole(value, what, 1, MAX_IMAGE_SIZE)


def _tower(tower: dict[str, Any], name: str, head_key: str, head_default: int) -> tuple[int, int]:
    """(width, layers) of a tower after checking them; the head count must divide the width."""
    width = _whole(tower.get("width", 768 if name == "vision" else 512), f"{name} width", 1, MAX_WIDTH)
    layers = _whole(tower.get("layers", 12), f"{name} layers", 1, MAX_LAYERS)
    _real(tower.get("mlp_ratio", 4.0), f"{name} mlp_ratio", 0.0, 16.0)
    if head_key == "head_width":
        head_width = _whole(tower.get(head_key, head_default), f"{name} head_width", 1, width)
        heads = width // head_width
    else:
        heads = _whole(tower.get(head_key, head_default), f"{name} heads", 1, width)
    if width % heads:
        raise ModelError(
            f"The model configuration's {name} width ({width}) does not split into {heads} heads."
        )
    return width, layers


def check_config(config: ModelConfig) -> None:
    """Raise ModelError (one sentence) unless every size is sane and the model fits the bound."""
    embed = _whole(config.embed_dim, "embed_dim", 1, MAX_WIDTH)
    if not isinstance(config.vision, dict) or not isinstance(config.text, dict):
        raise ModelError("The model configuration's vision and text settings must be JSON objects.")
    params = _vision_parameters(config.vision, embed) + _text_parameters(config.text, embed)
    _check_preprocess(config)
    if config.seed is not None:
        _whole(config.seed, "seed", 0, 2**63 - 1)
    if config.head is not None:
        layers = _whole(config.head.layers, "head layers", 1, MAX_LAYERS)
        positions = _whole(config.head.positions, "head positions", 1, MAX_HEAD_POSITIONS)
        _real(config.head.temperature, "head temperature", 0.0, 1000.0)
        params += 12 * layers * embed**2 + positions * embed  # ~12 D^2 weights per transformer block
    if params > MAX_PARAMETERS:
        raise ModelError(
            f"The model configuration describes about {params:,} parameters; Glimpse accepts at most "
            f"{MAX_PARAMETERS:,} (the file is damaged or not a real model)."
        )


def _vision_parameters(vision: dict[str, Any], embed: int) -> int:
    stages = vision.get("layers")
    if isinstance(stages, list | tuple):  # a ResNet tower: blocks per stage, planes doubling per stage
        width = _whole(vision.get("width", 64), "vision width", 1, MAX_WIDTH)
        blocks = [_whole(n, "vision layers", 1, MAX_LAYERS) for n in stages]
        if len(blocks) != 4:
            raise ModelError("The model configuration's ResNet vision tower must have 4 stages of layers.")
        _image_size(vision.get("image_size", 224), "vision image_size")
        return sum(17 * n * (width * 2**i) ** 2 for i, n in enumerate(blocks)) + 32 * width * embed
    width, layers = _tower(vision, "vision", "head_width", 64)
    image = _image_size(vision.get("image_size", 224), "vision image_size")
    patch = _whole(vision.get("patch_size", 16), "vision patch_size", 1, image)
    grid = (image // patch) ** 2 + 1  # patches + the class token
    return 12 * layers * width**2 + grid * width + 3 * patch**2 * width + width * embed


def _text_parameters(text: dict[str, Any], embed: int) -> int:
    width, layers = _tower(text, "text", "heads", 8)
    context = _whole(text.get("context_length", 77), "text context_length", 2, MAX_CONTEXT)
    vocab = _whole(text.get("vocab_size", 49408), "text vocab_size", 1, MAX_VOCAB)
    return 12 * layers * width**2 + (vocab + context) * width + width * embed


def _check_preprocess(config: ModelConfig) -> None:
    _image_size(config.preprocess.image_size, "preprocess image_size")
    for what, values in (("mean", config.preprocess.mean), ("std", config.preprocess.std)):
        if len(values) != 3:
            raise ModelError(f"The model configuration's preprocess {what} must hold 3 numbers.")
        for value in values:
            _real(value, f"preprocess {what}", -10.0 if what == "mean" else 0.0, 10.0)
