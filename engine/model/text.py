"""Query encoding on the CPU budget: only the tokens that matter, in fp32 or (when measured safe) bf16.

A short query on ViT-B/32 reads all 150 MB of text-tower weights for a dozen tokens, so its cost is
memory bandwidth. Where the CPU multiplies bf16 natively, a bf16 copy of the text tower halves that
traffic. "auto" measures both once, on the model's own weights, and keeps bf16 only when it is
clearly faster and its vectors stay within BF16_MAX_DEVIATION cosine of fp32.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
import time
from collections.abc import Callable
from enum import StrEnum

import torch
import torch.nn.functional as F
from open_clip.model import CLIP
from torch import nn

from engine.model.clip import encode_text_tokens

log = logging.getLogger(__name__)

#: Largest 1 - cosine accepted between bf16 and fp32 query vectors (the ranking goal allows 1e-3).
BF16_MAX_DEVIATION = 2e-4
#: bf16 must be at least this much faster to be worth a second copy of the weights.
BF16_MIN_SPEEDUP = 1.25
#: Below this many text-tower parameters the weights sit in cache and fp32 is already fast.
BF16_MIN_PARAMS = 20_000_000
PROBES = (
    "a dog running on the beach at sunset",
    "birthday party",
    "close-up of hands playing a piano in a dark room with candles",
    "kids",
)


class TextPrecision(StrEnum):
    """How query vectors are computed on the CPU."""

    AUTO = "auto"
    FP32 = "fp32"
    BF16 = "bf16"


class TextTower(nn.Module):
    """A copy of CLIP's text parts (what encode_text_tokens reads) in another dtype."""

    def __init__(self, clip: CLIP, dtype: torch.dtype) -> None:
        super().__init__()
        self.token_embedding = copy.deepcopy(clip.token_embedding)
        positions = clip.positional_embedding.detach().clone()
        self.positional_embedding = nn.Parameter(positions, requires_grad=False)
        self.transformer = copy.deepcopy(clip.transformer)
        self.ln_final = copy.deepcopy(clip.ln_final)
        proj = clip.text_projection
        self.text_projection = (
            copy.deepcopy(proj)
            if isinstance(proj, nn.Module)
            else nn.Parameter(proj.detach().clone(), requires_grad=False)
        )
        mask = clip.attn_mask
        self.register_buffer("attn_mask", mask.clone() if mask is not None else None, persistent=False)
        self.to(dtype).eval().requires_grad_(False)


def text_parameters(clip: CLIP) -> int:
    """The number of weights in CLIP's text tower."""
    parts = [clip.token_embedding, clip.transformer, clip.ln_final]
    count = sum(p.numel() for part in parts for p in part.parameters())
    return count + clip.positional_embedding.numel()


class TextEncoder:
    """Runs CLIP's text tower for token batches, choosing fp32 or bf16 on the CPU."""

    def __init__(
        self,
        clip: CLIP,
        device: torch.device,
        autocast: Callable[[], contextlib.AbstractContextManager[object]],
        precision: TextPrecision | str = TextPrecision.AUTO,
    ) -> None:
        self.clip = clip
        self.device = device
        self._autocast = autocast
        self._lock = threading.Lock()
        self._bf16: TextTower | None = None
        self._resolved: TextPrecision | None = None
        self.precision = TextPrecision(precision)

    @property
    def precision(self) -> TextPrecision:
        """The setting: auto, fp32 or bf16."""
        return self._precision

    @precision.setter
    def precision(self, value: TextPrecision | str) -> None:
        with self._lock:
            self._precision = TextPrecision(value)
            self._resolved = None if self._precision is TextPrecision.AUTO else self._precision
            self._bf16 = None

    def reset(self) -> None:
        """Forget the bf16 copy and the auto decision (the fp32 weights changed, e.g. by training)."""
        self.precision = self._precision

    @property
    def active(self) -> TextPrecision:
        """The precision in use (auto resolves on the first query)."""
        return self._resolve()

    def _fp32(self, tokens: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode(), self._autocast():
            return F.normalize(encode_text_tokens(self.clip, tokens).float(), dim=-1)

    def _bf16_run(self, tokens: torch.Tensor) -> torch.Tensor:
        if self._bf16 is None:
            self._bf16 = TextTower(self.clip, torch.bfloat16).to(self.device)
        with torch.inference_mode():
            return F.normalize(encode_text_tokens(self._bf16, tokens).float(), dim=-1)  # type: ignore[arg-type]

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """L2-normalized float32 vectors on the model's device for [n, context] token ids."""
        if self._resolve() is TextPrecision.BF16:
            return self._bf16_run(tokens)
        return self._fp32(tokens)

    def _resolve(self) -> TextPrecision:
        if self._resolved is not None:
            return self._resolved
        with self._lock:
            if self._resolved is None:
                self._resolved = self._calibrate()
            return self._resolved

    def _calibrate(self) -> TextPrecision:
        """Measure fp32 and bf16 on this machine and these weights; keep bf16 only if faster and close."""
        if self.device.type != "cpu" or text_parameters(self.clip) < BF16_MIN_PARAMS:
            return TextPrecision.FP32
        from engine.model.clip import TextTokenizer

        tokens = TextTokenizer(int(self.clip.context_length))(list(PROBES)).to(self.device)
        try:
            reference = self._fp32(tokens)
            candidate = self._bf16_run(tokens)
            deviation = float((1 - (reference * candidate).sum(dim=-1)).max())
            t_fp32 = _best_time(lambda: self._fp32(tokens[:1]))
            t_bf16 = _best_time(lambda: self._bf16_run(tokens[:1]))
        except (RuntimeError, TypeError) as exc:  # no bf16 kernels for some op on this CPU
            log.info("bf16 text encoding unavailable here (%s); using fp32.", exc)
            self._bf16 = None
            return TextPrecision.FP32
        chosen = TextPrecision.FP32
        if deviation <= BF16_MAX_DEVIATION and t_fp32 >= BF16_MIN_SPEEDUP * t_bf16:
            chosen = TextPrecision.BF16
        else:
            self._bf16 = None
        log.info(
            "Text encoding: fp32 %.1f ms, bf16 %.1f ms, bf16 deviation %.1e -> %s",
            t_fp32 * 1e3,
            t_bf16 * 1e3,
            deviation,
            chosen.value,
        )
        return chosen


def _best_time(fn: Callable[[], object], runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
