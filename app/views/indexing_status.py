"""The indexing strip: progress bar with videos done/total, throughput, ETA, current file, pause/resume;
and, while the library's vector index is built in the background, that build's progress."""

from __future__ import annotations

from pathlib import PurePath

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from app.formatting import format_eta
from app.icons import icon
from app.views.elided_label import ElidedLabel
from engine.indexing.progress import IndexProgress, Phase
from engine.store.ann_build import IndexState, IndexStatus


def progress_text(p: IndexProgress) -> str:
    """One line for the strip: "Indexing 3 of 10 videos · 42 frames/s · about 2 min left"."""
    if p.phase == Phase.SCANNING:
        return QCoreApplication.translate("IndexingStatus", "Looking for new and changed videos\u2026")
    if p.phase == Phase.PAUSED:
        return (
            QCoreApplication.translate("IndexingStatus", "Paused at {done} of {total} videos").format(
                done=p.videos_done, total=p.videos_total
            )
            if p.videos_total
            else QCoreApplication.translate("IndexingStatus", "Indexing paused")
        )
    if p.phase == Phase.DONE and p.videos_total == 0 and not p.videos_failed:
        return QCoreApplication.translate("IndexingStatus", "The library is up to date.")
    if p.phase == Phase.DONE:
        failed = (
            QCoreApplication.translate("IndexingStatus", ", {n} failed").format(n=p.videos_failed)
            if p.videos_failed
            else ""
        )
        done = QCoreApplication.translate("IndexingStatus", "Indexed {done} of {total} videos")
        return done.format(done=p.videos_done, total=p.videos_total) + failed
    if p.phase == Phase.CANCELLED:
        return QCoreApplication.translate("IndexingStatus", "Indexing stopped")
    parts = [
        QCoreApplication.translate("IndexingStatus", "Indexing {done} of {total} videos").format(
            done=p.videos_done, total=p.videos_total
        )
    ]
    if p.frames_per_s > 0:
        parts.append(
            QCoreApplication.translate("IndexingStatus", "{n} frames/s").format(n=f"{p.frames_per_s:.0f}")
        )
    if p.video_s_per_s > 0:
        parts.append(
            QCoreApplication.translate("IndexingStatus", "{n}\u00d7 real time").format(
                n=f"{p.video_s_per_s:.1f}"
            )
        )
    eta = format_eta(p.eta_s)
    if eta:
        parts.append(eta)
    return " \u00b7 ".join(parts)


def vector_index_text(status: IndexStatus) -> str:
    """One line about the vector index build: "Building the search index: 1,200 of 40,000 clips (3%)"."""
    pct = 100 * status.done // status.total if status.total else 0
    return QCoreApplication.translate(
        "IndexingStatus",
        "Building the search index: {done} of {total} clips ({pct}%); searches stay exact meanwhile",
    ).format(done=f"{status.done:,}", total=f"{status.total:,}", pct=pct)


class IndexingStatus(QWidget):
    """Shows the latest IndexProgress and a vector index build in progress; hidden while neither runs."""

    pause_requested = Signal()
    resume_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("indexingStatus")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # paints the style sheet's top rule
        self.bar = QProgressBar(self)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%v / %m")
        self.bar.setFixedWidth(160)
        self.bar.setAccessibleName(self.tr("Indexing progress"))
        self.label = QLabel("", self)
        self.file_label = ElidedLabel("", self)  # a long file name must not widen the window
        self.file_label.setObjectName("muted")
        self.pause_button = QToolButton(self)
        self.pause_button.setAccessibleName(self.tr("Pause indexing"))
        self.pause_button.clicked.connect(self._toggle)
        self.paused = False
        self._set_paused(False)
        self.index_bar = QProgressBar(self)  # the vector index build, beside (or instead of) a run
        self.index_bar.setTextVisible(True)
        self.index_bar.setFormat("%p%")
        self.index_bar.setFixedWidth(100)
        self.index_bar.setAccessibleName(self.tr("Search index progress"))
        self.index_label = ElidedLabel("", self, Qt.TextElideMode.ElideRight)  # a sentence: keep its start
        self._run_shown = False  # an indexing run's progress (or its summary) is on show
        self._index_shown = False  # a vector index build is on show
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(8)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        layout.addWidget(self.file_label, 1)
        layout.addWidget(self.pause_button)
        layout.addWidget(self.index_bar)
        layout.addWidget(self.index_label, 1)
        self.last: IndexProgress | None = None
        self.last_index: IndexStatus | None = None
        self._update_parts()

    def show_progress(self, p: IndexProgress) -> None:
        """Reflect one progress event."""
        self.last = p
        if p.phase == Phase.PAUSED:
            self._set_paused(True)
        elif p.phase in (Phase.INDEXING, Phase.SCANNING):
            self._set_paused(False)
        if p.videos_total > 0:
            self.bar.setRange(0, p.videos_total)
            self.bar.setValue(min(p.videos_done, p.videos_total))
        elif p.phase == Phase.SCANNING:
            self.bar.setRange(0, 0)  # busy indicator while counting
        self.label.setText(progress_text(p))
        self.file_label.setText(PurePath(p.current_file).name if p.current_file else p.message)
        self.file_label.setToolTip(p.current_file or p.message)
        if p.phase == Phase.DONE and p.videos_total == 0 and not p.videos_failed:
            self._run_shown = False  # a rescan that found nothing new: no full bar, no "0 of 0"
        elif p.phase != Phase.PAUSED or p.videos_total:
            self._run_shown = True
        self._update_parts()

    def show_vector_index(self, status: IndexStatus) -> None:
        """Reflect the vector index's state: its build's progress while it runs, nothing otherwise."""
        self.last_index = status
        self._index_shown = status.state is IndexState.BUILDING
        if self._index_shown:
            self.index_bar.setRange(0, max(status.total, 1))
            self.index_bar.setValue(min(status.done, status.total))
            self.index_label.setText(vector_index_text(status))
        self._update_parts()

    def _update_parts(self) -> None:
        for part in (self.bar, self.label, self.file_label, self.pause_button):
            part.setVisible(self._run_shown or not self._index_shown)
        self.index_bar.setVisible(self._index_shown)
        self.index_label.setVisible(self._index_shown)
        self.setVisible(self._run_shown or self._index_shown)

    def set_busy(self, busy: bool) -> None:
        """Show while a run or watcher pass is working; a finished run leaves its summary visible."""
        self.pause_button.setEnabled(busy)
        if busy:
            self._run_shown = True
            self._update_parts()

    def _set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.pause_button.setIcon(icon("play" if paused else "pause"))
        self.pause_button.setToolTip(self.tr("Resume indexing") if paused else self.tr("Pause indexing"))
        self.pause_button.setAccessibleName(self.pause_button.toolTip())

    def _toggle(self) -> None:
        if self.paused:
            self._set_paused(False)
            self.resume_requested.emit()
        else:
            self._set_paused(True)
            self.pause_requested.emit()
