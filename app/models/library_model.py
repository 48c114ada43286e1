"""The table model of library folders: path, counts and state, with a role returning the row object."""

from __future__ import annotations

from enum import IntEnum
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from app.library_snapshot import FolderState, FolderSummary
from engine.indexing.watch.roots import RootState, root_state


class Column(IntEnum):
    """Columns of LibraryModel."""

    FOLDER = 0
    INDEXED = 1
    PENDING = 2
    FAILED = 3
    STATE = 4


HEADERS = {
    Column.FOLDER: QT_TRANSLATE_NOOP("LibraryModel", "Folder"),
    Column.INDEXED: QT_TRANSLATE_NOOP("LibraryModel", "Indexed"),
    Column.PENDING: QT_TRANSLATE_NOOP("LibraryModel", "Pending"),
    Column.FAILED: QT_TRANSLATE_NOOP("LibraryModel", "Failed"),
    Column.STATE: QT_TRANSLATE_NOOP("LibraryModel", "State"),
}

#: The custom role returning the row's FolderSummary.
FOLDER_ROLE = Qt.ItemDataRole.UserRole + 1
#: The custom role returning the row's FolderState.
STATE_ROLE = Qt.ItemDataRole.UserRole + 2


class LibraryModel(QAbstractTableModel):
    """Library folders with indexed/pending/failed counts and a state word."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[FolderSummary] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def set_folders(self, folders: list[FolderSummary]) -> None:
        """Replace the rows; an unchanged folder list with new counts only signals dataChanged."""
        if [f.folder_id for f in folders] == [f.folder_id for f in self._rows]:
            self._rows = list(folders)
            if self._rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(Column) - 1))
            return
        self.beginResetModel()
        self._rows = list(folders)
        self.endResetModel()

    def folder(self, row: int) -> FolderSummary:
        """The row's FolderSummary."""
        return self._rows[row]

    def folders(self) -> list[FolderSummary]:
        """Every row."""
        return list(self._rows)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(str(HEADERS[Column(section)])) if 0 <= section < len(Column) else None
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = Column(index.column())
        if role == FOLDER_ROLE:
            return row
        if role == STATE_ROLE:
            return row.state
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                Column.FOLDER: PurePath(row.path).name or row.path,
                Column.INDEXED: row.indexed,
                Column.PENDING: row.pending,
                Column.FAILED: row.failed,
                Column.STATE: _state_text(row),
            }[col]
        if role == Qt.ItemDataRole.ToolTipRole and col == Column.FOLDER:
            excludes = ", ".join(row.excludes) or self.tr("none")
            return row.path + "\n" + self.tr("Excluded patterns: {patterns}").format(patterns=excludes)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            Column.INDEXED,
            Column.PENDING,
            Column.FAILED,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


STATE_WORDS = {
    FolderState.INDEXED: QT_TRANSLATE_NOOP("LibraryModel", "indexed"),
    FolderState.PENDING: QT_TRANSLATE_NOOP("LibraryModel", "pending"),
    FolderState.FAILED: QT_TRANSLATE_NOOP("LibraryModel", "failed"),
    FolderState.OFFLINE: QT_TRANSLATE_NOOP("LibraryModel", "offline"),
    FolderState.EMPTY: QT_TRANSLATE_NOOP("LibraryModel", "empty"),
}


def _state_text(row: FolderSummary) -> str:
    # Offline and polled are the engine's folder states (engine.indexing.watch.roots, as the CLI shows
    # them); the index words (indexed, pending...) are the snapshot's.
    root = root_state(online=row.online, polling=row.polling)
    if root == RootState.OFFLINE:
        return QCoreApplication.translate("LibraryModel", str(STATE_WORDS[FolderState.OFFLINE]))
    state = row.state
    word = QCoreApplication.translate("LibraryModel", str(STATE_WORDS[state]))
    if state == FolderState.INDEXED and row.failed:  # some files failed, the rest is indexed
        word = QCoreApplication.translate("LibraryModel", "indexed \u00b7 {n} failed").format(n=row.failed)
    if root == RootState.POLLING:
        return QCoreApplication.translate("LibraryModel", "{state} (polling)").format(state=word)
    return word
