"""Batched clip encoding for the indexer: many clips' frames through the backbone at once.

(Written by the indexing side; lives here because torch stays inside engine/model.) Frame features go
in and out as NumPy arrays, so the store and the head-swap path never see a tensor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.errors import ModelError


@dataclass(frozen=True)
class EncodedClip:
    """One clip through the model: its vector, its AFA weights and its frames' backbone features."""

    vector: np.ndarray  # [D] float32, L2-normalized
    weights: np.ndarray  # [m] float32, sum 1
    features: np.ndarray  # [m, D] float32, `encode_frames` output (not normalized)


def encode_clip_batch(model, pixels: Sequence[torch.Tensor]) -> list[EncodedClip]:
    """Encode several clips in one backbone pass.

    Args:
        model: a GlimpseModel.
        pixels: one preprocessed tensor [m_i, 3, S, S] per clip (m_i ≥ 1).

    Returns:
        For each clip, its L2-normalized vector [D], AFA weights [m_i] and frame features [m_i, D].
    """
    if not pixels:
        return []
    lengths = [int(p.shape[0]) for p in pixels]
    feats = model.encode_frames(torch.cat(list(pixels), dim=0))
    feats_np = feats.float().numpy()
    out = []
    offset = 0
    chunks = []
    for n in lengths:
        chunks.append(feats_np[offset : offset + n].copy())
        offset += n
    for chunk, (vector, weights) in zip(chunks, encode_from_features(model, chunks), strict=True):
        out.append(EncodedClip(vector, weights, chunk))
    return out


def encode_from_features(
    model, features: Sequence[np.ndarray], batch: int = 256
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Clip vectors and AFA weights from stored frame features: a new head, no decoding.

    Args:
        model: a GlimpseModel (its head, or mean pooling when zero-shot).
        features: one [m_i, D] float32 array per clip.
        batch: clips per head pass.

    Returns:
        For each clip, (vector [D] float32 normalized, weights [m_i] float32).
    """
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, len(features), batch):
        part = features[start : start + batch]
        lengths = [int(f.shape[0]) for f in part]
        if min(lengths) < 1 or any(f.ndim != 2 or f.shape[1] != model.dim for f in part):
            raise ModelError(f"Stored frame features must be [frames, {model.dim}] with at least one frame.")
        m = max(lengths)
        padded = torch.zeros((len(part), m, model.dim), dtype=torch.float32)
        mask = torch.zeros((len(part), m), dtype=torch.bool)
        for i, f in enumerate(part):
            padded[i, : lengths[i]] = torch.from_numpy(np.asarray(f, dtype=np.float32))
            mask[i, : lengths[i]] = True
        vecs, weights = model.encode_clip(padded, mask)
        v_np = vecs.float().numpy().astype(np.float32)
        w_np = weights.float().numpy().astype(np.float32)
        out += [(v_np[i], w_np[i, :n].copy()) for i, n in enumerate(lengths)]
    return out
