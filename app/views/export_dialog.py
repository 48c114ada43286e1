"""Export clip…: in and out points on a timeline (starting at the result's range), a file, progress, cancel.

The export itself (engine.export) runs on the task runner's EXPORT pool, never on the UI thread; Cancel
sets an event the engine polls between packets, and the engine then deletes its temporary file.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.formatting import format_time
from app.i18n.engine_messages import engine_sentence
from app.tasks import Pool, TaskRunner
from app.views.range_timeline import RangeTimeline
from engine.errors import GlimpseError
from engine.export import ExportCancelled, ExportResult, export_clip


def default_output(source: str, start: float, end: float) -> Path:
    """ "beach_01m23s-01m35s.mp4" beside the source."""

    def stamp(t: float) -> str:
        return format_time(t).replace(":", "m", 1).replace(":", "m") + "s"

    src = Path(source)
    return src.with_name(f"{src.stem}_{stamp(start)}-{stamp(end)}.mp4")


class ExportDialog(QDialog):
    """Exports part of one video; `finished_export` carries the ExportResult."""

    finished_export = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        source: str,
        start: float,
        end: float,
        duration: float,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Export clip"))
        self.runner, self.source = runner, source
        self.result_: ExportResult | None = None
        self.error: BaseException | None = None
        self._cancel = threading.Event()
        self._running = False
        self.timeline = RangeTimeline(duration, start, end, self)
        self.start_spin, self.end_spin = self._spin(), self._spin()
        for spin in (self.start_spin, self.end_spin):
            spin.setRange(0.0, self.timeline.duration)
        self.start_spin.setPrefix(self.tr("In: "))
        self.end_spin.setPrefix(self.tr("Out: "))
        self.timeline.range_changed.connect(self._show_range)
        self.start_spin.valueChanged.connect(lambda v: self.timeline.set_range(v, self.timeline.end))
        self.end_spin.valueChanged.connect(lambda v: self.timeline.set_range(self.timeline.start, v))
        self.output_edit = QLineEdit(
            str(default_output(source, self.timeline.start, self.timeline.end)), self
        )
        self.browse_button = QPushButton(self.tr("Choose\u2026"), self)
        self.browse_button.clicked.connect(self.choose_output)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.export_button = QPushButton(self.tr("Export"), self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(lambda: self.start_export(self.output_edit.text()))
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.cancel)
        self._layout(Path(source).name)
        self._show_range(self.timeline.start, self.timeline.end)

    def _spin(self) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setDecimals(1)
        spin.setSingleStep(0.1)
        spin.setSuffix(self.tr(" s"))
        return spin

    def _layout(self, name: str) -> None:
        times = QHBoxLayout()
        times.addWidget(self.start_spin)
        times.addStretch(1)
        times.addWidget(self.end_spin)
        out = QHBoxLayout()
        out.addWidget(self.output_edit, 1)
        out.addWidget(self.browse_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{name}</b>", self))
        layout.addWidget(self.timeline)
        layout.addLayout(times)
        layout.addWidget(QLabel(self.tr("Save as"), self))
        layout.addLayout(out)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

    def _show_range(self, start: float, end: float) -> None:
        for spin, value in ((self.start_spin, start), (self.end_spin, end)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def choose_output(self) -> None:
        """The file dialog for where the clip goes."""
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export clip"), self.output_edit.text(), self.tr("Videos") + " (*.mp4 *.mkv *.mov)"
        )
        if path:
            self.output_edit.setText(path)

    def start_export(self, output: str) -> None:
        """Export the chosen range to `output` off the UI thread."""
        if self._running or not output.strip():
            return
        self._running = True
        self._cancel.clear()
        self.error, self.result_ = None, None
        self.export_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.message.setText(self.tr("Exporting\u2026"))
        source, start, end, cancel = self.source, self.timeline.start, self.timeline.end, self._cancel
        self.runner.submit(
            Pool.EXPORT,
            lambda report: export_clip(
                source, start, end, output.strip(), progress=report, cancelled=cancel.is_set
            ),
            name="Exporting a clip",
            on_done=self._done,
            on_error=self._failed,
            on_progress=lambda f: self.progress.setValue(round(100 * float(f))),
        )

    def cancel(self) -> None:
        """Stop a running export (nothing is written), or close the dialog."""
        if self._running:
            self._cancel.set()
            self.message.setText(self.tr("Cancelling\u2026"))
        else:
            self.reject()

    @property
    def running(self) -> bool:
        """True while an export is on its way."""
        return self._running

    def _done(self, result: ExportResult) -> None:
        self._running = False
        self.result_ = result
        self.progress.setValue(100)
        how = (
            self.tr("copied without re-encoding, from the keyframe at {t}").format(
                t=format_time(result.start)
            )
            if result.stream_copy
            else self.tr("re-encoded from the in point")
        )
        self.message.setText(self.tr("Saved {name} ({how}).").format(name=result.path.name, how=how))
        self.export_button.setEnabled(True)
        self.cancel_button.setText(self.tr("Close"))
        self.finished_export.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        self.error = exc
        self.progress.setVisible(False)
        self.export_button.setEnabled(True)
        if isinstance(exc, ExportCancelled):
            self.message.setText(self.tr("Export cancelled; nothing was written."))
        else:
            self.message.setText(engine_sentence(str(exc)) if isinstance(exc, GlimpseError) else str(exc))
