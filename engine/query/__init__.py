"""Query vectors without torch: the library model's text tower, exported once, run with NumPy.

A cold `glimpse search` would otherwise import torch and open_clip (seconds) to encode a dozen
tokens. engine.model.text_export writes the text tower of a loaded model to
`cache_dir()/text-towers/<fingerprint>.safetensors` (after checking it reproduces the torch
vectors); this package reads it with NumPy, tokenizes with CLIP's BPE file, and answers the same
vectors (cosine within 1e-5 of the torch path). Nothing here imports torch, and nothing here
writes to the library.
"""

from __future__ import annotations

import logging
import re
from importlib import metadata as importlib_metadata
from pathlib import Path

import numpy as np

from engine import config
from engine.query.bpe import ClipBpe
from engine.query.tower import FORMAT, NumpyTextTower, TowerInfo, read_header

log = logging.getLogger(__name__)

EXPORT_FOLDER = "text-towers"
_FINGERPRINT = re.compile(r"[0-9a-f]{8,64}")


def export_path(fingerprint: str) -> Path | None:
    """Where the text tower of the model with this fingerprint is (or would be) exported; None if bad."""
    if not _FINGERPRINT.fullmatch(fingerprint or ""):
        return None
    return config.cache_dir() / EXPORT_FOLDER / f"{fingerprint}.safetensors"


def open_clip_version() -> str:
    """The installed open_clip's version (its tokenizer is the reference), read without importing it."""
    try:
        return importlib_metadata.version("open_clip_torch")
    except importlib_metadata.PackageNotFoundError:
        return ""


class TextQueryEncoder:
    """The library model's text side, torch-free: fingerprint, truncation check and unit vectors."""

    def __init__(self, tower: NumpyTextTower, tokenizer: ClipBpe) -> None:
        self._tower = tower
        self._bpe = tokenizer
        self.info: TowerInfo = tower.info

    @property
    def fingerprint(self) -> str:
        """The fingerprint of the model the tower was exported from."""
        return self.info.fingerprint

    @property
    def spec(self) -> str:
        """The model spec the tower was exported from."""
        return self.info.spec

    @property
    def is_zero_shot(self) -> bool:
        """True when that model had no trained head (its results show no frame weights)."""
        return self.info.zero_shot

    def text_truncated(self, text: str) -> bool:
        """True when text is longer than the model's context (it would be cut)."""
        return self._bpe.truncated(text)

    def encode_text(self, texts: list[str]) -> np.ndarray:
        """Text vectors, [n, D] L2-normalized float32 (long text truncated to the context).

        BLAS runs on one thread: a dozen tokens make matrices too small to share, and OpenBLAS's
        threads on a busy machine made one ViT-B/32 query 10-30x slower (1.3-5 s against 0.15 s).
        """
        from threadpoolctl import threadpool_limits

        rows = []
        with threadpool_limits(limits=1, user_api="blas"):
            for text in texts:
                ids = self._bpe.tokens(text)
                # Pooled at the first end token, as the torch path's argmax does (a query may type one).
                ids = ids[: ids.index(self._bpe.end_id) + 1]
                rows.append(self._tower.encode_ids(ids))
        return np.stack(rows) if rows else np.zeros((0, self._tower.dim), dtype=np.float32)


def read_info(path: Path) -> TowerInfo | None:
    """An export's metadata (its header only; no weights read), or None when it is unreadable."""
    try:
        return TowerInfo.from_metadata(read_header(path)[0].get("__metadata__"))
    except (OSError, ValueError) as exc:
        log.info("Cannot read the text tower export %s (%s).", path, exc)
        return None


def is_current(info: TowerInfo | None, fingerprint: str | None) -> bool:
    """True when an export's metadata matches the model, this open_clip and a present vocabulary file."""
    return (
        info is not None
        and info.format == FORMAT
        and info.fingerprint == fingerprint
        and info.open_clip_version == open_clip_version()
        and Path(info.vocab_path).is_file()
    )


def load_text_encoder(fingerprint: str | None) -> TextQueryEncoder | None:
    """The exported text tower of the model with this fingerprint, or None (not exported, stale, unreadable).

    None is never an error: the caller encodes with the model itself (and may export it then).
    """
    path = export_path(fingerprint or "")
    if path is None or not path.is_file():
        return None
    try:
        tower = NumpyTextTower(path)
    except (OSError, ValueError, KeyError) as exc:  # damaged, old or foreign: re-export
        log.info("Ignoring the text tower export %s (%s).", path, exc)
        return None
    if not is_current(tower.info, fingerprint):
        log.info("The text tower export %s is stale (model, open_clip or its vocabulary changed).", path)
        return None
    return TextQueryEncoder(tower, ClipBpe(Path(tower.info.vocab_path), tower.info.context_length))
