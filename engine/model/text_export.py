"""Export a model's text tower for torch-free queries (engine.query): once per fingerprint, verified.

The export is written beside the other caches (engine.query.export_path), under a temporary name,
then checked: the NumPy tower and tokenizer must give the torch path's token ids and vectors
(1 - cosine <= MAX_DEVIATION) on PROBES, or the file is deleted and queries keep using torch.
Only then is it renamed into place, so a reader never sees a partial or unverified file.
Architectures the NumPy pass does not know (custom attention blocks, other activations) are not
exported at all.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from open_clip.transformer import LayerScale, QuickGELU, ResidualAttentionBlock
from torch import nn

from engine.model.clip import encode_text_tokens
from engine.model.glimpse import GlimpseModel
from engine.query import TextQueryEncoder, export_path, is_current, open_clip_version, read_info
from engine.query.bpe import ClipBpe
from engine.query.tower import Activation, NumpyTextTower, TowerInfo, block_names

log = logging.getLogger(__name__)

#: Largest accepted 1 - cosine between the NumPy and torch query vectors (the search goal is 1e-3).
MAX_DEVIATION = 1e-5
#: Exports of other models kept beside the newest (each ViT-B/32 one is ~250 MB).
KEEP_EXPORTS = 3
PROBES = (
    "a dog running on the beach at sunset",
    "Kids blowing out the CANDLES!!  ",
    "café, naïve & résumé: 1, 2, 3 — it's <b>bold</b>",
    "birthday " * 60,  # longer than the context: truncated
    "x",
)


class UnsupportedTower(Exception):
    """The text tower has parts the NumPy forward pass does not implement."""


def _array(t: torch.Tensor, *, transpose: bool = False) -> np.ndarray:
    data = t.detach().to("cpu", torch.float32)
    return np.ascontiguousarray((data.T if transpose else data).numpy())


def _activation(module: nn.Module) -> Activation:
    if isinstance(module, QuickGELU):
        return Activation.QUICK_GELU
    if isinstance(module, nn.GELU):
        return Activation.GELU if module.approximate == "none" else Activation.GELU_TANH
    raise UnsupportedTower(f"activation {type(module).__name__}")


def _layer_scale(module: nn.Module) -> torch.Tensor | None:
    if isinstance(module, nn.Identity):
        return None
    if isinstance(module, LayerScale):
        return module.gamma
    raise UnsupportedTower(f"layer scale {type(module).__name__}")


def _block_tensors(i: int, blk: Any) -> tuple[dict[str, np.ndarray], Activation, float, bool]:
    if type(blk) is not ResidualAttentionBlock or hasattr(blk, "ln_1_kv"):
        raise UnsupportedTower(f"block {type(blk).__name__}")
    attn = blk.attn
    plain = isinstance(attn, nn.MultiheadAttention) and attn._qkv_same_embed_dim and attn.bias_k is None
    if not plain or attn.in_proj_bias is None or attn.add_zero_attn:
        raise UnsupportedTower("attention other than fused multi-head attention with biases")
    mlp = blk.mlp
    names = block_names(i)
    out = {
        names["ln1_w"]: _array(blk.ln_1.weight),
        names["ln1_b"]: _array(blk.ln_1.bias),
        names["qkv_w"]: _array(attn.in_proj_weight, transpose=True),
        names["qkv_b"]: _array(attn.in_proj_bias),
        names["out_w"]: _array(attn.out_proj.weight, transpose=True),
        names["out_b"]: _array(attn.out_proj.bias),
        names["ln2_w"]: _array(blk.ln_2.weight),
        names["ln2_b"]: _array(blk.ln_2.bias),
        names["fc_w"]: _array(mlp.c_fc.weight, transpose=True),
        names["fc_b"]: _array(mlp.c_fc.bias),
        names["proj_w"]: _array(mlp.c_proj.weight, transpose=True),
        names["proj_b"]: _array(mlp.c_proj.bias),
    }
    scales = (_layer_scale(blk.ls_1), _layer_scale(blk.ls_2))
    for key, gamma in zip(("ls1", "ls2"), scales, strict=True):
        if gamma is not None:
            out[names[key]] = _array(gamma)
    if blk.ln_1.eps != blk.ln_2.eps:
        raise UnsupportedTower("LayerNorms with different eps")
    return out, _activation(mlp.gelu), float(blk.ln_1.eps), scales[0] is not None


def tower_tensors(model: GlimpseModel, vocab: Path) -> tuple[dict[str, np.ndarray], TowerInfo]:
    """The text tower's arrays in engine.query's layout, and its metadata.

    Raises:
        UnsupportedTower: the architecture has parts the NumPy pass does not implement.
    """
    clip: Any = model.clip  # open_clip's submodules are untyped attributes
    blocks = list(clip.transformer.resblocks)
    tensors: dict[str, np.ndarray] = {
        "token_embedding": _array(clip.token_embedding.weight),
        "positional_embedding": _array(clip.positional_embedding),
        "ln_final_w": _array(clip.ln_final.weight),
        "ln_final_b": _array(clip.ln_final.bias),
    }
    proj = clip.text_projection
    if isinstance(proj, nn.Linear):
        tensors["text_projection"] = _array(proj.weight, transpose=True)
        if proj.bias is not None:
            tensors["text_projection_b"] = _array(proj.bias)
    elif isinstance(proj, torch.Tensor):
        tensors["text_projection"] = _array(proj)
    else:
        raise UnsupportedTower("no text projection")
    kinds = set()
    for i, blk in enumerate(blocks):
        arrays, act, eps, scaled = _block_tensors(i, blk)
        tensors.update(arrays)
        kinds.add((act, eps, scaled))
    if len(kinds) != 1 or float(clip.ln_final.eps) != next(iter(kinds))[1]:
        raise UnsupportedTower("blocks of different kinds")
    act, eps, scaled = kinds.pop()
    info = TowerInfo(
        fingerprint=model.fingerprint,
        spec=model.spec,
        zero_shot=model.is_zero_shot,
        layers=len(blocks),
        heads=int(blocks[0].attn.num_heads),
        activation=act,
        eps=eps,
        causal=clip.attn_mask is not None,
        context_length=int(model.tokenizer.context_length),
        layer_scale=scaled,
        open_clip_version=open_clip_version(),
        vocab_path=str(vocab),
    )
    return tensors, info


def _deviation(model: GlimpseModel, encoder: TextQueryEncoder, bpe: ClipBpe) -> float:
    """1 - cosine between torch (fp32) and NumPy vectors on PROBES; inf when the token ids differ."""
    texts = list(PROBES)
    tokens = model.tokenizer(texts)
    if not np.array_equal(tokens.numpy(), bpe(texts)):
        return float("inf")
    with torch.inference_mode():
        reference = F.normalize(encode_text_tokens(model.clip, tokens.to(model.device)).float(), dim=-1)
    got = encoder.encode_text(texts)
    return float((1.0 - (reference.cpu().numpy() * got).sum(axis=1)).max())


def export_text_tower(model: GlimpseModel) -> Path | None:
    """Export model's text tower for torch-free queries unless a current export exists; its path, or None.

    None means queries keep using torch (an architecture the NumPy pass lacks, a failed check, or a
    cache folder that cannot be written); the reason is logged, never raised.
    """
    from open_clip.tokenizer import default_bpe

    target = export_path(model.fingerprint)
    if target is None:
        return None
    if target.is_file() and is_current(read_info(target), model.fingerprint):
        return target
    vocab = Path(default_bpe())
    try:
        tensors, info = tower_tensors(model, vocab)
    except UnsupportedTower as exc:
        log.info("Text queries of %s stay on torch: the NumPy text tower lacks %s.", model.spec, exc)
        return None
    temp = target.with_name(f".{target.stem}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        from safetensors.numpy import save_file

        save_file(tensors, str(temp), metadata=info.to_metadata())
        bpe = ClipBpe(vocab, info.context_length)
        deviation = _deviation(model, TextQueryEncoder(NumpyTextTower(temp), bpe), bpe)
        if deviation > MAX_DEVIATION:
            log.warning(
                "The NumPy text tower of %s deviates by %.1e; queries stay on torch.", model.spec, deviation
            )
            return None
        os.replace(temp, target)
    except OSError as exc:
        log.info("Cannot write the text tower export %s (%s).", target, exc)
        return None
    finally:
        temp.unlink(missing_ok=True)
    _prune(target)
    log.info("Exported the text tower of %s to %s.", model.spec, target)
    return target


def _prune(newest: Path) -> None:
    """Keep the newest KEEP_EXPORTS other exports (libraries of other models) and drop older ones."""
    dated = []
    for path in newest.parent.glob("*.safetensors"):
        try:
            if path != newest:
                dated.append((path.stat().st_mtime, path))
        except OSError:  # removed by another process meanwhile
            continue
    for _, old in sorted(dated, reverse=True)[KEEP_EXPORTS:]:
        old.unlink(missing_ok=True)
