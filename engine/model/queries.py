"""A GlimpseModel as search sees it: a text or an image in, NumPy vectors out.

This is where tensors cross for search (engine.search never touches torch): the text and image query
vectors leave here as float32 arrays, as engine.query's torch-free text encoder hands them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch.nn.functional as F

if TYPE_CHECKING:
    from engine.model.glimpse import GlimpseModel


class ModelQueries:
    """Query vectors from one loaded model (the engine.search.TextEncoder shape, plus images)."""

    def __init__(self, model: GlimpseModel) -> None:
        self.model = model

    @property
    def fingerprint(self) -> str:
        return self.model.fingerprint

    @property
    def spec(self) -> str:
        return self.model.spec

    @property
    def is_zero_shot(self) -> bool:
        return self.model.is_zero_shot

    def text_truncated(self, text: str) -> bool:
        """True when text is longer than the model's context (it would be cut)."""
        return self.model.text_truncated(text)

    def encode_text(self, texts: list[str]) -> np.ndarray:
        """Text vectors [n, D], L2-normalized float32 (recent queries come from the model's cache)."""
        return np.asarray(self.model.encode_text(texts).float().numpy(), dtype=np.float32)

    def encode_image(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """An image as a query: (its one-frame clip vector [D], its unit frame feature [D]), float32.

        The clip vector finds candidate clips; the frame feature is compared with stored frame features.
        """
        feats = self.model.encode_frames(self.model.preprocess([rgb]))
        phi, _ = self.model.encode_clip(feats[None])
        unit = F.normalize(feats.float(), dim=-1)[0]
        return np.asarray(phi[0].numpy(), dtype=np.float32), np.asarray(unit.numpy(), dtype=np.float32)
