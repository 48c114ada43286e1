"""The TeachCLIP student head: a temporal transformer over frame vectors plus attentional aggregation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from open_clip.transformer import QuickGELU, Transformer
from torch import nn

from engine.errors import ModelError
from engine.model.spec import HeadConfig


def valid_mask(feats: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """A [b, m] bool mask (True = real frame), checked against feats [b, m, D]."""
    b, m = feats.shape[0], feats.shape[1]
    if mask is None:
        return torch.ones(b, m, dtype=torch.bool, device=feats.device)
    if tuple(mask.shape) != (b, m):
        raise ModelError(f"The frame mask has shape {tuple(mask.shape)} but the clip has {b}x{m} frames.")
    mask = mask.to(device=feats.device, dtype=torch.bool)
    if not bool(mask.any(dim=1).all()):
        raise ModelError("A clip has no valid frames to encode.")
    return mask


def mean_pool(feats: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """CLIP4Clip's parameter-free pooling: normalized mean of normalized frames, uniform weights.

    Args:
        feats: [b, m, D] frame vectors (any scale).
        mask: [b, m] bool, True on real frames; None means all real.

    Returns:
        (phi [b, D] L2-normalized, w [b, m] uniform over real frames, 0 on padding).
    """
    mask = valid_mask(feats, mask)
    keep = mask.to(feats.dtype)
    frames = F.normalize(feats.float(), dim=-1) * keep.unsqueeze(-1)
    phi = F.normalize(frames.sum(dim=1), dim=-1)
    w = keep / keep.sum(dim=1, keepdim=True)
    return phi, w.float()


class StudentHead(nn.Module):
    """Frame position embeddings + Transformer x layers + residual, then AFA weights and a weighted mean.

    Parameter names follow their role; checkpoints.py maps TeachCLIP's names onto them
    (frame_position_embeddings, transformerClip -> transformer, frameLinear -> afa_hidden,
    frameLinear2 -> afa_score).
    """

    def __init__(self, dim: int, config: HeadConfig | None = None) -> None:
        super().__init__()
        config = config or HeadConfig()
        self.dim = dim
        self.heads = max(1, dim // 64)
        self.temperature = float(config.temperature)
        self.positions = int(config.positions)
        self.frame_position_embeddings = nn.Embedding(config.positions, dim)
        self.transformer = Transformer(
            width=dim, layers=config.layers, heads=self.heads, act_layer=QuickGELU, batch_first=True
        )
        self.afa_hidden = nn.Linear(dim, dim)
        self.afa_score = nn.Linear(dim, 1)
        self.init_parameters()

    def init_parameters(self) -> None:
        """CLIP4Clip's initialization: N(0, 0.02) weights, zero biases, unit LayerNorms."""
        for module in self.modules():
            if isinstance(module, nn.Linear | nn.Embedding):
                nn.init.normal_(module.weight, std=0.02)
                if isinstance(module, nn.Linear) and module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.MultiheadAttention):
                nn.init.normal_(module.in_proj_weight, std=0.02)
                if module.in_proj_bias is not None:
                    nn.init.zeros_(module.in_proj_bias)

    def attention_mask(self, mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """An additive [b*heads, m, m] mask hiding padded frames as keys."""
        b, m = mask.shape
        keys = torch.zeros(b, m, dtype=dtype, device=mask.device).masked_fill(~mask, float("-inf"))
        return keys[:, None, None, :].expand(b, self.heads, m, m).reshape(b * self.heads, m, m)

    def forward(
        self, feats: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Clip vectors and AFA weights for a batch of clips (differentiable).

        Args:
            feats: [b, m, D] frame vectors as CLIP's image encoder returns them (not normalized).
            mask: [b, m] bool, True on real frames; None means all real.

        Returns:
            (phi [b, D] L2-normalized clip vectors, w [b, m] AFA weights: sum 1 over real frames,
            0 on padding).
        """
        if feats.ndim != 3 or feats.shape[-1] != self.dim:
            raise ModelError(
                f"The head expects [clips, frames, {self.dim}] features, got {tuple(feats.shape)}."
            )
        m = feats.shape[1]
        if m > self.positions:
            raise ModelError(f"A clip has {m} frames; the model takes at most {self.positions}.")
        mask = valid_mask(feats, mask)
        dtype = self.afa_score.weight.dtype
        # Padded frames may hold garbage (even NaN): zero them so they cannot leak through 0 * NaN.
        v = feats.to(dtype).masked_fill(~mask.unsqueeze(-1), 0.0)
        x = v + self.frame_position_embeddings.weight[:m].unsqueeze(0)
        x = self.transformer(x, attn_mask=self.attention_mask(mask, dtype))
        x = x + v
        scores = self.afa_score(F.relu(self.afa_hidden(x))).squeeze(-1) / self.temperature
        w = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        phi = F.normalize((w.unsqueeze(-1) * F.normalize(x, dim=-1)).sum(dim=1), dim=-1)
        return phi, w
