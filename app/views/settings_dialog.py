"""Settings: model (zero-shot CLIP or a student checkpoint), device, sampling rate, clip length, watching."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.settings import DEVICES, AppSettings
from engine import config

ZERO_SHOT_SPEC = config.DEFAULT_MODEL_SPEC


def checkpoint_filter() -> str:
    """The file dialog's filter for model checkpoints, in the UI language."""
    return (
        QCoreApplication.translate("SettingsDialog", "Model checkpoints")
        + " (*.bin *.pt *.pth *.safetensors);;"
        + QCoreApplication.translate("SettingsDialog", "All files")
        + " (*)"
    )


class ModelChoice:
    """Indices of the model combo box."""

    ZERO_SHOT = 0
    CHECKPOINT = 1
    OTHER = 2


class SettingsDialog(QDialog):
    """Edits a copy of AppSettings; `result_settings()` gives the edited copy."""

    def __init__(
        self, settings: AppSettings, library_spec: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Glimpse settings"))
        self._settings = settings
        current = library_spec or settings.effective_model_spec

        self.model_combo = QComboBox(self)
        self.model_combo.addItem(self.tr("Zero-shot CLIP (ViT-B/32, downloads once)"))
        self.model_combo.addItem(self.tr("Student checkpoint file (TeachCLIP)"))
        self.model_combo.addItem(self.tr("Other model spec"))
        self.checkpoint_edit = QLineEdit(self)
        self.checkpoint_edit.setPlaceholderText(self.tr("Path to a .bin/.pt/.pth file or a model folder"))
        self.browse_button = QPushButton(self.tr("Browse\u2026"), self)
        self.browse_button.clicked.connect(self._browse)
        self.other_edit = QLineEdit(self)
        self.other_edit.setPlaceholderText(self.tr('open_clip "name:pretrained", or "tiny"'))
        if current == ZERO_SHOT_SPEC:
            self.model_combo.setCurrentIndex(ModelChoice.ZERO_SHOT)
        elif current.endswith((".bin", ".pt", ".pth", ".safetensors")) or "/" in current or "\\" in current:
            self.model_combo.setCurrentIndex(ModelChoice.CHECKPOINT)
            self.checkpoint_edit.setText(current)
        else:
            self.model_combo.setCurrentIndex(ModelChoice.OTHER)
            self.other_edit.setText(current)
        self.model_combo.currentIndexChanged.connect(self._update_enabled)

        ckpt_row = QHBoxLayout()
        ckpt_row.addWidget(self.checkpoint_edit, 1)
        ckpt_row.addWidget(self.browse_button)

        self.device_combo = QComboBox(self)
        for device in DEVICES:  # device names are the engine's; only "auto" is a word to translate
            self.device_combo.addItem(self.tr("automatic") if device == "auto" else device, device)
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(settings.device)))
        self.fps_spin = QDoubleSpinBox(self)
        self.fps_spin.setRange(0.1, 10.0)
        self.fps_spin.setSingleStep(0.5)
        self.fps_spin.setSuffix(self.tr(" frames/s"))
        self.fps_spin.setValue(settings.sample_fps)
        self.clip_spin = QDoubleSpinBox(self)
        self.clip_spin.setRange(1.0, 120.0)
        self.clip_spin.setSuffix(self.tr(" s"))
        self.clip_spin.setValue(settings.clip_seconds)
        self.watch_check = QCheckBox(
            self.tr("Keep the library in step with the folders while Glimpse is open"), self
        )
        self.watch_check.setChecked(settings.watch_folders)
        self.copies_check = QCheckBox(self.tr("Hide copies: show a moment held in several files once"), self)
        self.copies_check.setChecked(settings.hide_copies)
        self.language_combo = QComboBox(self)
        self.language_combo.addItem(self.tr("System language"), "")
        self.language_combo.addItem("English", "en")  # each language by its own name
        self.language_combo.addItem("\u7b80\u4f53\u4e2d\u6587", "zh_CN")
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(settings.language)))
        self.language_combo.setToolTip(self.tr("The language changes at the next start."))

        form = QFormLayout()
        form.setSpacing(8)
        form.addRow(self.tr("Model"), self.model_combo)
        form.addRow(self.tr("Checkpoint"), ckpt_row)
        form.addRow(self.tr("Model spec"), self.other_edit)
        form.addRow(self.tr("Device"), self.device_combo)
        form.addRow(self.tr("Sampling rate"), self.fps_spin)
        form.addRow(self.tr("Clip length"), self.clip_spin)
        form.addRow("", self.watch_check)
        form.addRow("", self.copies_check)
        form.addRow(self.tr("Language"), self.language_combo)
        note = QLabel(
            self.tr(
                "Sampling changes apply to videos indexed from now on. Changing the model asks "
                "before reindexing the library."
            ),
            self,
        )
        note.setObjectName("muted")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self._update_enabled()

    def model_spec(self) -> str:
        """The spec the dialog's model choice stands for."""
        choice = self.model_combo.currentIndex()
        if choice == ModelChoice.CHECKPOINT:
            return self.checkpoint_edit.text().strip()
        if choice == ModelChoice.OTHER:
            return self.other_edit.text().strip()
        return ZERO_SHOT_SPEC

    def result_settings(self) -> AppSettings:
        """A copy of the settings with the dialog's values."""
        return replace(
            self._settings,
            model_spec=self.model_spec() or self._settings.model_spec,
            device=str(self.device_combo.currentData() or "auto"),
            sample_fps=float(self.fps_spin.value()),
            clip_seconds=float(self.clip_spin.value()),
            watch_folders=self.watch_check.isChecked(),
            language=str(self.language_combo.currentData() or ""),
            hide_copies=self.copies_check.isChecked(),
        )

    def _update_enabled(self) -> None:
        choice = self.model_combo.currentIndex()
        self.checkpoint_edit.setEnabled(choice == ModelChoice.CHECKPOINT)
        self.browse_button.setEnabled(choice == ModelChoice.CHECKPOINT)
        self.other_edit.setEnabled(choice == ModelChoice.OTHER)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a model checkpoint"), "", checkpoint_filter()
        )
        if path:
            self.checkpoint_edit.setText(path)
