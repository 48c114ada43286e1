"""The open_clip CLIP backbone: built from a config, fed OpenAI-style state dicts, fast text encoding."""

from __future__ import annotations

import math
import re
from typing import Any

import torch
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
from open_clip.tokenizer import SimpleTokenizer

from engine.errors import CheckpointError, ModelError
from engine.model.spec import ModelConfig

#: Keys some OpenAI-style state dicts carry that are not parameters.
NON_PARAMETER_KEYS = ("input_resolution", "context_length", "vocab_size")


def build_clip(config: ModelConfig, *, uninitialized: bool = False) -> CLIP:
    """An open_clip CLIP (fp32, eval mode) with the config's architecture.

    With uninitialized=True the parameters are allocated but not initialized (saving seconds for
    large models); the caller must then load every weight (load_clip_state insists on that).
    """
    try:
        vision = CLIPVisionCfg(**config.vision)
        text = CLIPTextCfg(**config.text)
        args = {"vision_cfg": vision, "text_cfg": text, "quick_gelu": config.quick_gelu}
        if not uninitialized:
            return CLIP(config.embed_dim, **args).eval()
        with torch.device("meta"):
            model = CLIP(config.embed_dim, **args)
    except (TypeError, ValueError, AssertionError, ArithmeticError) as exc:
        raise ModelError(f"The model architecture in the configuration is not buildable ({exc}).") from exc
    model = model.to_empty(device="cpu")
    # The only non-persistent buffer: the text tower's causal mask, which loading will not restore.
    if model.attn_mask is not None:
        n = int(model.attn_mask.shape[0])
        model.attn_mask = torch.full((n, n), float("-inf")).triu_(1)
    return model.eval()


def _count_blocks(state: dict[str, torch.Tensor], prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    found = {int(m.group(1)) for key in state if (m := pattern.match(key))}
    return len(found)


def arch_from_openai_state(state: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Infer embed_dim, vision and text settings from an OpenAI-named CLIP state dict (ViT backbones)."""
    try:
        if "visual.proj" not in state:
            raise CheckpointError(
                "The checkpoint's CLIP is not a Vision Transformer; only ViT backbones are supported."
            )
        conv = state["visual.conv1.weight"]
        width, patch = int(conv.shape[0]), int(conv.shape[-1])
        grid = round((state["visual.positional_embedding"].shape[0] - 1) ** 0.5)
        text_width = int(state["ln_final.weight"].shape[0])
        vision = {
            "image_size": patch * grid,
            "patch_size": patch,
            "width": width,
            "layers": _count_blocks(state, "visual.transformer.resblocks."),
            "head_width": 64,
        }
        text = {
            "context_length": int(state["positional_embedding"].shape[0]),
            "vocab_size": int(state["token_embedding.weight"].shape[0]),
            "width": text_width,
            "heads": max(1, text_width // 64),
            "layers": _count_blocks(state, "transformer.resblocks."),
        }
        return {"embed_dim": int(state["text_projection"].shape[1]), "vision": vision, "text": text}
    except KeyError as exc:
        raise CheckpointError(f"The checkpoint's CLIP weights are incomplete (missing {exc}).") from exc


def load_clip_state(clip: CLIP, state: dict[str, torch.Tensor]) -> None:
    """Copy an OpenAI-named state dict into clip, refusing missing or misshaped tensors."""
    state = {k: v for k, v in state.items() if k not in NON_PARAMETER_KEYS}
    if "logit_scale" not in state:
        # Not used for encoding; some exports drop it. CLIP's initial value keeps the model complete.
        state["logit_scale"] = torch.full(tuple(clip.logit_scale.shape), math.log(1 / 0.07))
    expected = clip.state_dict()
    # Names and shapes first: converting a tensor (.float()) copies it, and a checkpoint's own
    # tensors may be expanded views whose shapes claim far more memory than the file holds.
    unknown = [key for key in state if key not in expected]
    if unknown:
        raise CheckpointError(f"The checkpoint has CLIP weights this model does not know ({unknown[0]}).")
    for key, tensor in state.items():
        if tuple(expected[key].shape) != tuple(tensor.shape):
            raise CheckpointError(
                f"The checkpoint's tensor {key} has shape {tuple(tensor.shape)}, "
                f"expected {tuple(expected[key].shape)}."
            )
    result = clip.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    if result.missing_keys:
        raise CheckpointError(f"The checkpoint lacks CLIP weights such as {result.missing_keys[0]}.")


class TextTokenizer:
    """CLIP's BPE tokenizer (shipped inside open_clip; no network) with truncation detection."""

    def __init__(self, context_length: int) -> None:
        self.context_length = context_length
        self._bpe = SimpleTokenizer(context_length=context_length)

    def __call__(self, texts: list[str]) -> torch.Tensor:
        """[n, context_length] int64 token ids (long texts truncated, EOT kept last)."""
        return self._bpe(texts, context_length=self.context_length)

    def truncated(self, text: str) -> bool:
        """True when text needs more tokens than the context (start and end tokens included)."""
        return len(self._bpe.encode(text)) + 2 > self.context_length


def encode_text_tokens(clip: CLIP, tokens: torch.Tensor) -> torch.Tensor:
    """CLIP's text tower on only the first L positions, L = the last EOT position + 1 (not normalized).

    The text transformer is causal and pools the EOT token, so positions after the last EOT in the
    batch cannot change the result: dropping them gives the same vectors at a fraction of the cost.
    """
    eot = tokens.argmax(dim=-1)
    length = int(eot.max().item()) + 1
    tokens = tokens[:, :length]
    cast = clip.transformer.get_cast_dtype()
    x = clip.token_embedding(tokens).to(cast) + clip.positional_embedding[:length].to(cast)
    mask = clip.attn_mask[:length, :length].to(cast) if clip.attn_mask is not None else None
    x = clip.transformer(x, attn_mask=mask)
    x = clip.ln_final(x)
    pooled = x[torch.arange(x.shape[0], device=x.device), eot]
    proj = clip.text_projection
    if isinstance(proj, torch.nn.Linear):
        return proj(pooled)
    return pooled @ proj
