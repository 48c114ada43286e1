"""The window's Qt face of the process's one model (engine.model.cache): loads it off the UI thread, says so.

The model itself is kept by engine.model.cache.models (shared with engine.search.search); this holder
only runs the load on the model pool, emits signals and runs what waited for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app import operations as ops
from app.heap import freeze_long_lived
from app.tasks import Pool, TaskRunner
from engine.model.cache import ModelCache
from engine.model.cache import models as shared_models

log = logging.getLogger(__name__)


class ModelHolder(QObject):
    """Loads a model spec on the model pool, keeps it, and runs callbacks waiting for it."""

    loading = Signal(str, int)  # spec, bytes of weights downloaded so far (0: not downloading)
    ready = Signal(object)  # the GlimpseModel
    failed = Signal(object)  # the exception (str() is a sentence for a person)

    def __init__(
        self,
        runner: TaskRunner,
        wanted_spec: Callable[[], str],
        device: Callable[[], str | None],
        parent: QObject | None = None,
        cache: ModelCache = shared_models,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._wanted_spec = wanted_spec
        self._device = device
        self._cache = cache
        self.spec: str | None = None  # of `model`, or of the load in progress
        self.error: BaseException | None = None
        self._loaded_on: str | None = None  # the device `model` was loaded for
        self._loading = False
        self._waiters: list[Callable[[], None]] = []

    @property
    def model(self) -> Any:
        """The loaded GlimpseModel of `spec`, or None while it loads or after it failed."""
        if self.spec is None or self._loading or self.error is not None:
            return None
        return self._cache.peek(self.spec, self._loaded_on)

    def ensure(self, spec: str | None = None, *, force: bool = False) -> None:
        """Load `spec` (default: the wanted one) unless it is loaded or loading; `force` reloads."""
        spec = spec or self._wanted_spec()
        if not force and self.spec == spec and (self._loading or self.model is not None):
            return
        device = self._device()
        self.spec, self.error, self._loaded_on, self._loading = spec, None, device, True
        self.loading.emit(spec, 0)
        cache = self._cache

        def load(report: Callable[[object], None]) -> Any:
            return cache.get(spec, device, loader=lambda s, d: ops.load_model(s, d, report), reload=force)

        self._runner.submit(
            Pool.MODEL,
            load,
            name="Loading the model",
            on_done=lambda m: self._on_loaded(spec, m),
            on_error=lambda e: self._on_error(spec, e),
            on_progress=lambda n: self._on_download(spec, n),
        )

    def when_ready(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the UI thread once the model is loaded (now, if it is)."""
        if self.model is not None:
            fn()
        else:
            self._waiters.append(fn)
            self.ensure()

    def _on_download(self, spec: str, downloaded: int) -> None:
        if spec == self.spec and self._loading:
            self.loading.emit(spec, int(downloaded))

    def _on_loaded(self, spec: str, model: Any) -> None:
        if spec != self.spec:
            return  # a newer choice replaced this load
        self._loading = False
        freeze_long_lived()  # the model and its libraries stay for the app's life: out of GC passes
        self.ready.emit(model)
        waiters, self._waiters = self._waiters, []
        for fn in waiters:
            fn()

    def _on_error(self, spec: str, exc: BaseException) -> None:
        if spec != self.spec:
            return
        self._loading = False
        self.error = exc
        self._waiters.clear()  # what waited for this model cannot run; the banner offers a way out
        self.failed.emit(exc)
