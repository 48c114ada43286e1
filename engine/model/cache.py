"""The one loaded model a process keeps: search's one-call API and the app's model holder share it.

Loading takes seconds and a model's weights take hundreds of MB, so one model is kept at a time, keyed
by (spec, device); asking for another replaces it. This module imports no torch: loading does, on first use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from engine import config

if TYPE_CHECKING:
    from engine.model.glimpse import GlimpseModel

log = logging.getLogger(__name__)

Loader = Callable[[str, str | None], "GlimpseModel"]


def _load(spec: str, device: str | None) -> GlimpseModel:
    from engine.model.factory import load_model

    return load_model(spec, device=device)


class ModelCache:
    """Holds at most one loaded model; thread-safe (one load at a time, `peek` never waits for one)."""

    def __init__(self) -> None:
        # ((spec, device), model) in one attribute: replaced whole, so a reader never sees half of it.
        self._kept: tuple[tuple[str, str | None], GlimpseModel] | None = None
        self._load_lock = threading.Lock()

    def get(
        self, spec: str, device: str | None = None, *, loader: Loader | None = None, reload: bool = False
    ) -> GlimpseModel:
        """The model for (spec, device), loaded now unless it is the one kept.

        Args:
            spec: a model spec (engine.model.load_model); a relative path counts as its absolute form.
            device: a torch device name, or None for the best available.
            loader: loads a model, default engine.model.load_model (the app passes one that also
                reports download progress and warms the search path).
            reload: load again even when the model is kept (e.g. its files changed).

        Raises:
            The loader's errors (ModelError, CheckpointError, WeightsUnavailableError); the model kept
            before stays kept.
        """
        key = (config.canonical_model_spec(spec), device)
        with self._load_lock:
            kept = self._kept
            if kept is not None and kept[0] == key and not reload:
                return kept[1]
            model = (loader or _load)(key[0], device)
            self._kept = (key, model)
            log.info("model %s kept for this process", key[0])
            return model

    def peek(self, spec: str, device: str | None = None) -> GlimpseModel | None:
        """The kept model when it is the one for (spec, device); never loads, never waits for a load."""
        kept = self._kept
        if kept is None:
            return None
        if kept[0] == (spec, device):  # asked with the canonical spec, as usual: no look at the disk
            return kept[1]
        return kept[1] if kept[0] == (config.canonical_model_spec(spec), device) else None

    def clear(self) -> None:
        """Forget the kept model (its memory is freed once nothing else holds it)."""
        self._kept = None


#: The process's one model cache.
models = ModelCache()
