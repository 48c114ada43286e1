"""GlimpseModel: a CLIP backbone plus (optionally) the TeachCLIP student head, behind one small API."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from open_clip.model import CLIP

from engine.errors import ModelError
from engine.model import checkpoints
from engine.model.clip import TextTokenizer
from engine.model.device import empty_cache, is_out_of_memory
from engine.model.head import StudentHead, mean_pool
from engine.model.preprocess import FramePreprocessor
from engine.model.queries import ModelQueries
from engine.model.spec import ModelConfig, canonical_json
from engine.model.text import TextEncoder, TextPrecision

log = logging.getLogger(__name__)

#: Frames per forward pass unless the caller says otherwise.
DEFAULT_BATCH = {"cuda": 64, "mps": 32, "cpu": 16}
#: Recent queries kept encoded (people re-run and refine the same searches).
TEXT_CACHE_SIZE = 256


class GlimpseModel:
    """Frame, clip and text encoders sharing one embedding space (cosine similarity).

    The encoders take and return torch tensors (for engine.model.batch and training); code outside
    engine/model and engine/train uses `queries` (NumPy in and out) instead.
    """

    def __init__(
        self,
        clip: CLIP,
        head: StudentHead | None,
        config: ModelConfig,
        *,
        spec: str,
        device: torch.device,
        fingerprint: str | None = None,
    ) -> None:
        self.config = config
        self.spec = spec
        self.device = device
        self.clip = clip.to(device).eval().requires_grad_(False)
        self.head = head.to(device).eval() if head is not None else None
        self.dim = int(config.embed_dim)
        self.image_size = int(config.preprocess.image_size)
        self.tokenizer = TextTokenizer(int(config.text.get("context_length", 77)))
        self._preprocessor = FramePreprocessor(config.preprocess)
        self._fingerprint = fingerprint or checkpoints.fingerprint(config, self.state_dict())
        self._backbone_fp: str | None = None
        self._text = TextEncoder(self.clip, device, self._autocast)
        self._text_cache: OrderedDict[str, torch.Tensor] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.text_cache_size = TEXT_CACHE_SIZE

    # --- identity --------------------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        """A stable hash of the config and all weights (equal across loads and processes)."""
        return self._fingerprint

    @property
    def backbone_fingerprint(self) -> str:
        """A hash of what decides frame features (preprocessing, vision config and visual weights).

        Two models with equal backbone fingerprints make identical frame features, so a library's
        stored features can be run through either's head without decoding a video again.
        """
        if self._backbone_fp is None:
            digest = hashlib.sha256(b"glimpse-backbone-1")
            digest.update(canonical_json({"preprocess": asdict(self.config.preprocess)}).encode())
            digest.update(canonical_json(dict(self.config.vision)).encode())
            for name, tensor in sorted(self.clip.visual.state_dict().items()):
                digest.update(f"\n{name}:{tuple(tensor.shape)}\n".encode())
                digest.update(tensor.detach().to("cpu", torch.float32).contiguous().numpy().data.cast("B"))
            self._backbone_fp = digest.hexdigest()[:32]
        return self._backbone_fp

    @property
    def queries(self) -> ModelQueries:
        """This model's NumPy door for search: text and image query vectors as float32 arrays."""
        return ModelQueries(self)

    @property
    def is_zero_shot(self) -> bool:
        """True when no trained head is loaded: clips are mean-pooled frames."""
        return self.head is None

    def state_dict(self) -> dict[str, torch.Tensor]:
        """All weights under 'clip.' and 'head.' (the project format's names)."""
        state = {f"clip.{k}": v for k, v in self.clip.state_dict().items()}
        if self.head is not None:
            state.update({f"head.{k}": v for k, v in self.head.state_dict().items()})
        return state

    def refresh_fingerprint(self) -> str:
        """Recompute the fingerprint after the weights changed (e.g. the head was trained)."""
        self._fingerprint = checkpoints.fingerprint(self.config, self.state_dict())
        self._backbone_fp = None
        self._text.reset()
        self.clear_text_cache()
        return self._fingerprint

    def save(self, folder: Path) -> None:
        """Write the project format: model.safetensors + config.json (with the fingerprint)."""
        fp = self.refresh_fingerprint()
        checkpoints.save_folder(Path(folder), self.config, self.state_dict(), fp)
        log.info("Saved model %s to %s", fp, folder)

    # --- frames ----------------------------------------------------------------------------------
    def preprocess(self, frames: list[np.ndarray]) -> torch.Tensor:
        """CLIP's preprocessing (OpenCV/NumPy, thread-safe): RGB uint8 HxWx3 -> [n, 3, S, S] float32 CPU."""
        return self._preprocessor(frames)

    def _autocast(self) -> contextlib.AbstractContextManager[object]:
        # Half precision on CUDA; weights stay fp32 so the fingerprint and saved files are exact.
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.float16)
        return contextlib.nullcontext()

    def encode_frames(self, pixels: torch.Tensor, batch_size: int | None = None) -> torch.Tensor:
        """Per-frame CLIP image vectors, [n, D] float32 CPU, not normalized (as CLIP's encode_image).

        Batched; on out-of-memory the batch size halves and the batch is retried.
        """
        expected = (3, self.image_size, self.image_size)
        if pixels.ndim != 4 or tuple(pixels.shape[1:]) != expected:
            raise ModelError(f"Frames must be preprocessed to [n, 3, {self.image_size}, {self.image_size}].")
        n = pixels.shape[0]
        if n == 0:
            return torch.zeros(0, self.dim)
        size = max(1, int(batch_size or DEFAULT_BATCH.get(self.device.type, 16)))
        out = torch.empty(n, self.dim, dtype=torch.float32)
        start = 0
        with torch.inference_mode():
            while start < n:
                end = min(n, start + size)
                try:
                    with self._autocast():
                        batch = pixels[start:end].to(self.device, torch.float32, non_blocking=True)
                        feats = self.clip.encode_image(batch)
                except Exception as exc:
                    if not is_out_of_memory(exc):
                        raise
                    empty_cache(self.device)
                    if size == 1:
                        raise ModelError(
                            f"The {self.device.type} device ran out of memory even for a single frame; "
                            "close other programs using it or run on the CPU (GLIMPSE_DEVICE=cpu)."
                        ) from exc
                    size = max(1, size // 2)
                    log.warning("Out of memory encoding frames; retrying with batches of %d.", size)
                    continue
                out[start:end] = feats.float().cpu()
                start = end
        return out

    # --- clips -----------------------------------------------------------------------------------
    def encode_clip(
        self, feats: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Clip vectors and frame weights.

        Args:
            feats: [b, m, D] frame vectors from encode_frames.
            mask: [b, m] bool, True on real frames, False on padding; None means all real.

        Returns:
            (phi [b, D] L2-normalized float32 CPU, w [b, m] float32 CPU summing to 1 over real frames,
            0 on padding). Zero-shot: mean pooling with uniform weights.
        """
        if feats.ndim != 3 or feats.shape[-1] != self.dim:
            raise ModelError(f"Clip features must be [clips, frames, {self.dim}], got {tuple(feats.shape)}.")
        with torch.inference_mode():
            if self.head is None:
                phi, w = mean_pool(feats.float(), mask)
            else:
                m = mask.to(self.device) if mask is not None else None
                phi, w = self.head(feats.to(self.device, torch.float32), m)
        # Cloned outside inference mode: callers (training, evaluation) may use them with autograd.
        return phi.float().cpu().clone(), w.float().cpu().clone()

    # --- text ------------------------------------------------------------------------------------
    def text_truncated(self, text: str) -> bool:
        """True when text is longer than the model's context (it would be cut)."""
        return self.tokenizer.truncated(text)

    @property
    def text_precision(self) -> str:
        """Query precision on the CPU: "auto" (bf16 where measured faster and close), "fp32" or "bf16"."""
        return self._text.precision.value

    @text_precision.setter
    def text_precision(self, value: str) -> None:
        try:
            precision = TextPrecision(value)
        except ValueError:
            raise ModelError(f"Unknown text precision {value!r}; use auto, fp32 or bf16.") from None
        self._text.precision = precision
        self.clear_text_cache()

    @property
    def active_text_precision(self) -> str:
        """The precision queries actually run in (resolves "auto" by measuring once)."""
        return self._text.active.value

    def clear_text_cache(self) -> None:
        """Forget cached query vectors."""
        with self._cache_lock:
            self._text_cache.clear()

    def encode_text(self, texts: list[str], *, use_cache: bool = True) -> torch.Tensor:
        """Text vectors, [n, D] L2-normalized float32 CPU (long text truncated to the context).

        Only the tokens up to the last end-of-text are run (same result as the full context),
        and recent queries come from an LRU cache unless use_cache is False.
        """
        if isinstance(texts, str):
            texts = [texts]
        out: list[torch.Tensor | None] = [None] * len(texts)
        missing: list[int] = []
        with self._cache_lock:
            for i, text in enumerate(texts):
                hit = self._text_cache.get(text) if use_cache else None
                if hit is None:
                    missing.append(i)
                else:
                    self._text_cache.move_to_end(text)
                    out[i] = hit
        if missing:
            tokens = self.tokenizer([texts[i] for i in missing]).to(self.device)
            vecs = self._text.encode(tokens).cpu()
            with self._cache_lock:
                for row, i in enumerate(missing):
                    out[i] = vecs[row]
                    if use_cache and self.text_cache_size > 0:
                        self._text_cache[texts[i]] = vecs[row].clone()
                        self._text_cache.move_to_end(texts[i])
                while len(self._text_cache) > max(0, self.text_cache_size):
                    self._text_cache.popitem(last=False)
        if not out:
            return torch.zeros(0, self.dim)
        return torch.stack([t for t in out if t is not None]).clone()

    def __repr__(self) -> str:
        kind = "zero-shot" if self.is_zero_shot else "TeachCLIP head"
        return f"GlimpseModel({self.spec!r}, {kind}, dim={self.dim}, device={self.device})"
