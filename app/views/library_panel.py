"""The library panel: folders with counts and state; add, remove, exclude patterns; failed files and retry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n.engine_messages import engine_sentence
from app.icons import icon
from app.library_snapshot import FolderSummary, LibrarySnapshot
from app.models.library_model import Column, LibraryModel


def _tool(parent: QWidget, icon_name: str, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setIcon(icon(icon_name))
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return button


class LibraryPanel(QWidget):
    """Folders table above a list of failed files."""

    add_requested = Signal()
    remove_requested = Signal(object)  # FolderSummary
    excludes_requested = Signal(object)  # FolderSummary
    retry_requested = Signal()

    def __init__(self, model: LibraryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("libraryPanel")
        self.model = model
        heading = QLabel(self.tr("Library"), self)
        heading.setObjectName("heading")
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.setAccessibleName(self.tr("Library folders"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.FOLDER, QHeaderView.ResizeMode.Stretch)
        for col in (Column.INDEXED, Column.PENDING, Column.FAILED, Column.STATE):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

        self.add_button = _tool(
            self,
            "folder-add",
            self.tr("Add\u2026"),
            self.tr("Add a folder of videos (or drop one on the window)"),
        )
        self.remove_button = _tool(
            self, "folder-remove", self.tr("Remove"), self.tr("Remove the folder from the library")
        )
        self.excludes_button = _tool(
            self, "filter", self.tr("Exclude\u2026"), self.tr("Patterns of files to leave out")
        )
        self.add_button.clicked.connect(self.add_requested.emit)
        self.remove_button.clicked.connect(lambda: self._emit_selected(self.remove_requested.emit))
        self.excludes_button.clicked.connect(lambda: self._emit_selected(self.excludes_requested.emit))
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for b in (self.add_button, self.remove_button, self.excludes_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.failures_label = QLabel(self.tr("No failed files"), self)
        self.failures_label.setObjectName("muted")
        self.failures = QTreeWidget(self)
        self.failures.setAccessibleName(self.tr("Failed files"))
        self.failures.setHeaderLabels([self.tr("File"), self.tr("Reason")])
        self.failures.setRootIsDecorated(False)
        self.failures.setUniformRowHeights(True)
        self.failures.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.failures.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.failures.setColumnWidth(0, 130)
        self.retry_button = _tool(
            self, "retry", self.tr("Retry failed"), self.tr("Try the failed files again")
        )
        self.retry_button.clicked.connect(self.retry_requested.emit)
        fail_row = QHBoxLayout()
        fail_row.addWidget(self.failures_label, 1)
        fail_row.addWidget(self.retry_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 3)
        layout.addLayout(fail_row)
        layout.addWidget(self.failures, 2)
        self.features_label = QLabel("", self)  # videos indexed before frame features were kept
        self.features_label.setObjectName("muted")
        self.features_label.setWordWrap(True)
        self.features_label.hide()
        layout.addWidget(self.features_label)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        model.modelReset.connect(self._update_buttons)
        self.show_snapshot(LibrarySnapshot(exists=False))

    def selected_folder(self) -> FolderSummary | None:
        """The folder whose row is selected."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.folder(rows[0].row()) if rows else None

    def show_snapshot(self, snapshot: LibrarySnapshot) -> None:
        """Show a fresh read of the library, keeping the selected folder selected."""
        keep = self.selected_folder()
        self.model.set_folders(snapshot.folders)
        if keep is not None:
            for row, f in enumerate(self.model.folders()):
                if f.folder_id == keep.folder_id:
                    self.table.selectRow(row)
        self.failures.clear()
        for path, reason in snapshot.failures:
            name = PurePath(path).name
            shown = reason[len(name) + 2 :] if reason.startswith(f"{name}: ") else reason
            item = QTreeWidgetItem([name, engine_sentence(shown)])
            item.setData(0, Qt.ItemDataRole.UserRole, path)
            item.setToolTip(0, path)
            item.setToolTip(1, engine_sentence(reason))
            self.failures.addTopLevelItem(item)
        n = len(snapshot.failures)
        self.failures_label.setText(
            (self.tr("1 failed file") if n == 1 else self.tr("{n} failed files").format(n=n))
            if n
            else self.tr("No failed files")
        )
        self.retry_button.setEnabled(n > 0)
        lacking = snapshot.lacking_features
        self.features_label.setText(
            self.tr(
                "{n} video(s) were indexed before frame features were kept: their results show no best "
                "moment or frame highlights until Reindex."
            ).format(n=lacking)
        )
        self.features_label.setVisible(lacking > 0)
        self._update_buttons()

    def _emit_selected(self, emit: Callable[[object], None]) -> None:
        folder = self.selected_folder()
        if folder is not None:
            emit(folder)

    def _update_buttons(self, *_args: object) -> None:
        has = self.selected_folder() is not None
        self.remove_button.setEnabled(has)
        self.excludes_button.setEnabled(has)
