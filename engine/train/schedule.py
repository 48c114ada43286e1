"""Learning-rate schedule: linear warm-up, then cosine decay to zero (TeachCLIP's warmup_proportion)."""

from __future__ import annotations

import math


def warmup_cosine(step: int, total: int, warmup: int) -> float:
    """The learning-rate multiplier at `step` (0-based) of `total` steps with `warmup` warm-up steps."""
    if total <= 0:
        return 1.0
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    span = max(1, total - warmup)
    progress = min(1.0, (step - warmup) / span)
    return 0.5 * (1.0 + math.cos(math.pi * progress))
