"""Independent plain-torch versions of the TeachCLIP equations, for checking the model's modules."""

from __future__ import annotations

import math

import torch

from engine.model.head import StudentHead


def _layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * weight + bias


def _block(p: dict[str, torch.Tensor], x: torch.Tensor, valid: torch.Tensor, heads: int) -> torch.Tensor:
    """One pre-LN residual attention block on a single clip x [m, D], attention only to valid keys."""
    m, d = x.shape
    hd = d // heads
    h = _layer_norm(x, p["ln_1.weight"], p["ln_1.bias"])
    qkv = h @ p["attn.in_proj_weight"].T + p["attn.in_proj_bias"]
    q, k, v = qkv[:, :d], qkv[:, d : 2 * d], qkv[:, 2 * d :]
    outs = []
    for i in range(heads):
        sl = slice(i * hd, (i + 1) * hd)
        logits = q[:, sl] @ k[:, sl].T / math.sqrt(hd)
        logits = logits.masked_fill(~valid[None, :], float("-inf"))
        outs.append(torch.softmax(logits, dim=-1) @ v[:, sl])
    attn = torch.cat(outs, dim=-1) @ p["attn.out_proj.weight"].T + p["attn.out_proj.bias"]
    x = x + attn
    h = _layer_norm(x, p["ln_2.weight"], p["ln_2.bias"])
    h = h @ p["mlp.c_fc.weight"].T + p["mlp.c_fc.bias"]
    h = h * torch.sigmoid(1.702 * h)  # QuickGELU
    return x + h @ p["mlp.c_proj.weight"].T + p["mlp.c_proj.bias"]


def head_reference(
    params: dict[str, torch.Tensor], feats: torch.Tensor, valid: torch.Tensor, heads: int, tau: float = 0.1
) -> tuple[torch.Tensor, torch.Tensor]:
    """phi [D] and w [m] for one clip from TeachCLIP-named parameters, following the issue's equations.

    params uses TeachCLIP's names: frame_position_embeddings.weight, transformerClip.resblocks.N.*,
    frameLinear.* (D->D) and frameLinear2.* (D->1).
    """
    p = {k: v.double() for k, v in params.items()}
    v = feats.double()
    m = v.shape[0]
    x = v + p["frame_position_embeddings.weight"][:m]
    n_layers = len({k.split(".")[2] for k in p if k.startswith("transformerClip.resblocks.")})
    for i in range(n_layers):
        prefix = f"transformerClip.resblocks.{i}."
        block = {k.removeprefix(prefix): t for k, t in p.items() if k.startswith(prefix)}
        x = _block(block, x, valid, heads)
    x = x + v
    hidden = torch.relu(x @ p["frameLinear.weight"].T + p["frameLinear.bias"])
    s = (hidden @ p["frameLinear2.weight"].T + p["frameLinear2.bias"]).squeeze(-1) / tau
    s = s.masked_fill(~valid, float("-inf"))
    w = torch.exp(s - s.max())
    w = w / w.sum()
    xn = x / x.norm(dim=-1, keepdim=True)
    phi = (w[:, None] * xn).sum(dim=0)
    return (phi / phi.norm()).float(), w.float()


def teachclip_head_params(head: StudentHead) -> dict[str, torch.Tensor]:
    """A StudentHead's parameters under TeachCLIP's names (the inverse of the importer's mapping)."""
    ours_to_theirs = {
        "frame_position_embeddings.": "frame_position_embeddings.",
        "transformer.": "transformerClip.",
        "afa_hidden.": "frameLinear.",
        "afa_score.": "frameLinear2.",
    }
    out = {}
    for key, value in head.state_dict().items():
        for ours, theirs in ours_to_theirs.items():
            if key.startswith(ours):
                out[theirs + key.removeprefix(ours)] = value.detach().clone()
    return out


def randomize_(head: StudentHead, seed: int) -> None:
    """Give every parameter (LayerNorms and biases too) non-trivial random values."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in head.named_parameters():
            noise = torch.randn(param.shape, generator=gen)
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight"):
                param.copy_(1.0 + 0.1 * noise)
            else:
                param.copy_(0.1 * noise)
