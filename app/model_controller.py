"""The model's controller: which model the library uses, loading it, the settings dialog, checkpoints.

It asks before a change of model would reindex the library, and shows the model's state in the banner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from app.asker import Asker
from app.i18n.engine_messages import engine_sentence
from app.indexing_controller import IndexingController
from app.library_snapshot import LibrarySnapshot
from app.model_holder import ModelHolder
from app.settings import AppSettings
from app.tasks import TaskRunner
from app.views.model_banner import ModelBanner
from app.views.settings_dialog import SettingsDialog, checkpoint_filter
from engine.errors import ModelError, WeightsUnavailableError
from engine.model.choice import choose_model_spec, is_other_model

if TYPE_CHECKING:
    from engine.model import GlimpseModel

log = logging.getLogger(__name__)


class ModelController(QObject):
    """Holds the one loaded model (through a ModelHolder) and the choice of it."""

    def __init__(
        self,
        runner: TaskRunner,
        settings: AppSettings,
        indexing: IndexingController,
        banner: ModelBanner,
        asker: Asker,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._settings = settings
        self._indexing = indexing
        self._banner = banner
        self._asker = asker
        self._window = window
        self.snapshot = LibrarySnapshot(exists=False)  # the library as last read (its model, its size)
        self.models = ModelHolder(runner, self.wanted_model_spec, lambda: settings.device_or_none, self)
        self.models.loading.connect(banner.show_loading)
        self.models.ready.connect(self._on_model)
        self.models.failed.connect(self._on_model_error)
        banner.choose_checkpoint.connect(self.choose_checkpoint)
        banner.retry.connect(lambda: self.ensure_model(force=True))

    def set_snapshot(self, snapshot: LibrarySnapshot) -> None:
        """The library was read again (its model may have changed)."""
        self.snapshot = snapshot

    def wanted_model_spec(self) -> str:
        """The library's model, else the settings' choice (the engine's one rule, engine.model.choice)."""
        return choose_model_spec(self.snapshot.model_spec, preferred=self._settings.model_spec)

    @property
    def model(self) -> GlimpseModel | None:
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

    def _on_model(self, model: GlimpseModel) -> None:
        self._indexing.set_model(model)
        self._banner.hide_banner()

    def _on_model_error(self, exc: BaseException) -> None:
        if isinstance(exc, WeightsUnavailableError):
            self._banner.show_failed(engine_sentence(str(exc)))  # its sentence already offers a checkpoint
        elif isinstance(exc, ModelError):
            self._banner.show_failed(
                engine_sentence(str(exc)) + " " + self.tr("Choose a local checkpoint to continue.")
            )
        else:
            self._banner.show_failed(str(exc))

    def choose_checkpoint(self) -> None:
        """Pick a local checkpoint file as the model."""
        path, _ = QFileDialog.getOpenFileName(
            self._window,
            QCoreApplication.translate("SettingsDialog", "Choose a model checkpoint"),
            "",
            checkpoint_filter(),
        )
        if path:
            self.change_model(path)

    def change_model(self, spec: str) -> bool:
        """Switch the library's model, asking first when its videos would be reindexed."""
        snap = self.snapshot
        lib_spec = snap.model_spec
        other = is_other_model(spec, lib_spec)
        if lib_spec and other and snap.clips > 0 and not self._confirm_reindex(lib_spec, spec):
            return False
        self._settings.model_spec = spec
        self._settings.save()
        # The snapshot names the new spec first: when_model_ready falls back to wanted_model_spec(),
        # which read the old one and loaded it again (the run then encoded with the old model).
        if not snap.is_empty:
            self.snapshot = replace(snap, model_spec=spec)
        self.ensure_model(spec, force=True)
        if other and not snap.is_empty:
            # No force: videos of another model are reindexed anyway, and a new head over the same
            # backbone is then applied to the stored frame features without decoding (the strip says so).
            self.when_model_ready(lambda: self._indexing.index(model_spec=spec))
        return True

    def _confirm_reindex(self, old: str, new: str) -> bool:
        n = sum(f.indexed for f in self.snapshot.folders)
        return self._asker.confirm(
            self.tr("Reindex the library?"),
            self.tr(
                "The library was indexed with {old}. Using {new} means reindexing all {n} videos; "
                "search finds nothing until they are done. Reindex now?",
            ).format(old=old, new=new, n=n),
        )

    def open_settings(self) -> None:
        """Show the settings dialog and apply what changed."""
        dialog = SettingsDialog(self._settings, self.snapshot.model_spec, self._window)
        if dialog.exec() != SettingsDialog.DialogCode.Accepted:
            return
        self.apply_settings(dialog.result_settings())

    def apply_settings(self, new: AppSettings) -> None:
        """Save new settings; a new model goes through change_model (which may ask)."""
        s = self._settings
        spec_changed = new.model_spec != self.wanted_model_spec()
        device_changed = new.device != s.device
        watch_changed = new.watch_folders != s.watch_folders
        # In place: the indexing controller and the model holder read this same object.
        s.device, s.sample_fps, s.clip_seconds = new.device, new.sample_fps, new.clip_seconds
        s.watch_folders, s.results_k, s.language = new.watch_folders, new.results_k, new.language
        s.hide_copies = new.hide_copies
        s.save()
        if watch_changed:
            self._indexing.set_watching(new.watch_folders)
        if spec_changed:
            self.change_model(new.model_spec)
        elif device_changed and (self.model is not None or self.model_error is not None):
            self.ensure_model(force=True)  # the same model, on the new device
