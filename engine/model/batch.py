"""Batched clip encoding for the indexer: many clips' frames through the backbone at once.

(Written by the indexing side; lives here because torch stays inside engine/model.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def encode_clip_batch(model, pixels: Sequence[torch.Tensor]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Encode several clips in one backbone pass.

    Args:
        model: a GlimpseModel.
        pixels: one preprocessed tensor [m_i, 3, S, S] per clip (m_i ≥ 1).

    Returns:
        For each clip, its L2-normalized vector [D] and AFA weights [m_i], both float32 NumPy arrays.
    """
    if not pixels:
        return []
    lengths = [int(p.shape[0]) for p in pixels]
    feats = model.encode_frames(torch.cat(list(pixels), dim=0))
    m = max(lengths)
    padded = feats.new_zeros((len(pixels), m, feats.shape[-1]))
    mask = torch.zeros((len(pixels), m), dtype=torch.bool)
    offset = 0
    for i, n in enumerate(lengths):
        padded[i, :n] = feats[offset : offset + n]
        mask[i, :n] = True
        offset += n
    vecs, weights = model.encode_clip(padded, mask)
    vecs_np = vecs.detach().float().cpu().numpy().astype(np.float32)
    w_np = weights.detach().float().cpu().numpy().astype(np.float32)
    return [(vecs_np[i], w_np[i, :n].copy()) for i, n in enumerate(lengths)]
