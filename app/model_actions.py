"""The window's model actions: settings, changing the model (asking before a reindex), checkpoints."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog

from app.i18n.engine_messages import engine_sentence
from app.settings import AppSettings
from app.views.settings_dialog import SettingsDialog, checkpoint_filter
from engine.errors import ModelError, WeightsUnavailableError

log = logging.getLogger(__name__)


class ModelActions:
    """Mixed into MainWindow (which provides settings, snapshot, models, banner, indexing, confirm).

    The model the library uses, the settings dialog, and asking before a reindex.
    """

    def wanted_model_spec(self) -> str:
        """The library's model, else the settings' choice."""
        return self.snapshot.model_spec or self.settings.effective_model_spec

    @property
    def model(self) -> Any:
        """The loaded GlimpseModel, or None while loading or after a failure."""
        return self.models.model

    @property
    def model_spec(self) -> str | None:
        """The spec of the model loaded or loading."""
        return self.models.spec

    @property
    def model_error(self) -> BaseException | None:
        """Why the model could not be loaded, if it could not."""
        return self.models.error

    def ensure_model(self, spec: str | None = None, *, force: bool = False) -> None:
        """Load the model (downloading weights on first use) unless it is loaded or loading."""
        self.models.ensure(spec, force=force)

    def when_model_ready(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the UI thread once the model is loaded (now, if it is)."""
        self.models.when_ready(fn)

    def _on_model(self, model: Any) -> None:
        self.indexing.set_model(model)
        self.banner.hide_banner()

    def _on_model_error(self, exc: BaseException) -> None:
        if isinstance(exc, WeightsUnavailableError):
            self.banner.show_failed(
                engine_sentence(str(exc))
            )  # its sentence already offers a local checkpoint
        elif isinstance(exc, ModelError):
            self.banner.show_failed(
                engine_sentence(str(exc))
                + " "
                + QCoreApplication.translate("MainWindow", "Choose a local checkpoint to continue.")
            )
        else:
            self.banner.show_failed(str(exc))

    def choose_checkpoint(self) -> None:
        """Pick a local checkpoint file as the model."""
        path, _ = QFileDialog.getOpenFileName(
            self,
            QCoreApplication.translate("SettingsDialog", "Choose a model checkpoint"),
            "",
            checkpoint_filter(),
        )
        if path:
            self.change_model(path)

    def change_model(self, spec: str) -> bool:
        """Switch the library's model, asking first when its videos would be reindexed."""
        lib_spec = self.snapshot.model_spec
        reindex = bool(lib_spec and lib_spec != spec and self.snapshot.clips > 0)
        if reindex:
            n = sum(f.indexed for f in self.snapshot.folders)
            if not self.confirm(
                QCoreApplication.translate("MainWindow", "Reindex the library?"),
                QCoreApplication.translate(
                    "MainWindow",
                    "The library was indexed with {old}. Using {new} means reindexing all {n} videos; "
                    "search finds nothing until they are done. Reindex now?",
                ).format(old=lib_spec, new=spec, n=n),
            ):
                return False
        self.settings.model_spec = spec
        self.settings.save()
        # The snapshot names the new spec first: when_model_ready falls back to wanted_model_spec(),
        # which read the old one and loaded it again (the run then encoded with the old model).
        self.snapshot = replace(self.snapshot, model_spec=spec if not self.snapshot.is_empty else lib_spec)
        self.ensure_model(spec, force=True)
        if lib_spec != spec and not self.snapshot.is_empty:
            # No force: videos of another model are reindexed anyway, and a new head over the same
            # backbone is then applied to the stored frame features without decoding (the strip says so).
            self.when_model_ready(lambda: self.indexing.index(model_spec=spec))
        return True

    def open_settings(self) -> None:
        """Show the settings dialog and apply what changed."""
        dialog = SettingsDialog(self.settings, self.snapshot.model_spec, self)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        self.apply_settings(dialog.result_settings())

    def apply_settings(self, new: AppSettings) -> None:
        """Save new settings; a new model goes through change_model (which may ask)."""
        spec_changed = new.model_spec != self.wanted_model_spec()
        device_changed = new.device != self.settings.device
        watch_changed = new.watch_folders != self.settings.watch_folders
        for name in (
            "device",
            "sample_fps",
            "clip_seconds",
            "watch_folders",
            "results_k",
            "language",
            "hide_copies",
        ):
            setattr(self.settings, name, getattr(new, name))
        self.settings.save()
        if watch_changed:
            self.indexing.set_watching(new.watch_folders)
        if spec_changed:
            self.change_model(new.model_spec)
        elif device_changed and (self.model is not None or self.model_error is not None):
            self.ensure_model(force=True)  # the same model, on the new device
