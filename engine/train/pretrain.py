"""Contrastive pre-training of a small CLIP on single frames and short phrases.

Glimpse ships no weights that run on these machines, so the quality check first teaches the tiny
CLIP its words (colour, shape, motion) from frames, making its frozen backbone meaningful, then
distills the student from it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from engine.model.clip import encode_text_tokens
from engine.train.losses import info_nce
from engine.train.schedule import warmup_cosine

log = logging.getLogger(__name__)


def pretrain_clip(
    model,
    pairs: Sequence[tuple[np.ndarray, str]],
    *,
    steps: int = 300,
    batch_size: int = 48,
    lr: float = 1e-3,
    seed: int = 0,
    progress: bool = False,
) -> list[float]:
    """Train the model's whole CLIP contrastively on (frame, phrase) pairs, in place; it is frozen after.

    Batches hold distinct phrases, so no pair in a batch is a false negative.

    Args:
        model: a GlimpseModel (its `clip` is trained).
        pairs: RGB uint8 frames and the phrase each shows.
        steps: optimizer steps.
        batch_size: pairs per step (at most the number of distinct phrases).
        lr: AdamW peak learning rate (10% warm-up, cosine decay).
        seed: batch sampling seed.
        progress: show a tqdm bar.

    Returns:
        The loss of every step.
    """
    rng = random.Random(seed)
    by_phrase: dict[str, list[int]] = {}
    for i, (_, phrase) in enumerate(pairs):
        by_phrase.setdefault(phrase, []).append(i)
    phrases = list(by_phrase)
    batch_size = min(batch_size, len(phrases))
    pixels = model.preprocess([frame for frame, _ in pairs])
    tokens = model.tokenizer(phrases)
    clip = model.clip
    clip.requires_grad_(True).train()
    optimizer = torch.optim.AdamW(clip.parameters(), lr=lr, weight_decay=0.1)
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_cosine(s, steps, warmup))
    losses: list[float] = []
    try:
        for _ in tqdm(range(steps), desc="pretrain clip", disable=not progress, leave=False):
            chosen = rng.sample(range(len(phrases)), batch_size)
            frames = torch.stack([pixels[rng.choice(by_phrase[phrases[j]])] for j in chosen])
            image = F.normalize(clip.encode_image(frames.to(model.device)), dim=-1)
            text = F.normalize(encode_text_tokens(clip, tokens[chosen].to(model.device)), dim=-1)
            loss = info_nce(clip.logit_scale.exp().clamp(max=100) * image @ text.t())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(float(loss.detach()))
    finally:
        clip.requires_grad_(False).eval()
    model.refresh_fingerprint()
    log.info(
        "pre-trained CLIP: loss %.3f -> %.3f", losses[0] if losses else 0.0, losses[-1] if losses else 0.0
    )
    return losses
