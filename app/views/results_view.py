"""The results list: cards painted by ResultDelegate, full keyboard navigation, a context menu."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QStyle, QWidget

from app.icons import icon
from app.models.results_model import ResultRole, ResultsModel
from app.views.copies_note import add_copy_actions
from app.views.result_delegate import MIN_CARD_WIDTH, ResultDelegate


class ResultsView(QListView):
    """Cards, one per moment. Enter opens the system player; Up from the top row returns to the search."""

    activated_result = Signal(int)  # row: open in the system player
    current_result = Signal(int)  # row: show in the preview (-1: none)
    open_folder_requested = Signal(int)
    copy_path_requested = Signal(int)
    more_like_this_requested = Signal(int)
    export_requested = Signal(int)  # row: "Export clip…"
    back_to_search = Signal()

    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultsView")
        self.setModel(model)
        self.setItemDelegate(ResultDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setUniformItemSizes(False)
        self.setResizeMode(QListView.ResizeMode.Adjust)  # cards re-wrap their filmstrips on resize
        self.setSpacing(0)
        # Cards are laid out for at least MIN_CARD_WIDTH: a narrower list would cut them off.
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)
        self.setMinimumWidth(MIN_CARD_WIDTH + scrollbar + 2 * self.frameWidth())
        self.setMouseTracking(True)
        self.setAccessibleName(self.tr("Results"))
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.doubleClicked.connect(lambda idx: self.activated_result.emit(idx.row()))
        self.selectionModel().currentRowChanged.connect(self._current_changed)
        model.modelReset.connect(self._after_reset)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_result.emit(current.row() if current.isValid() else -1)

    def _after_reset(self) -> None:
        self.current_result.emit(-1)

    def select_row(self, row: int) -> None:
        """Make `row` current and selected (keyboard focus stays where it is)."""
        model = self.model()
        if 0 <= row < model.rowCount():
            self.setCurrentIndex(model.index(row, 0))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        current = self.currentIndex()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current.isValid():
            self.activated_result.emit(current.row())
            return
        if key == Qt.Key.Key_Escape or (
            key == Qt.Key.Key_Up and (not current.isValid() or current.row() == 0)
        ):
            self.back_to_search.emit()
            return
        if key == Qt.Key.Key_Menu and current.isValid():
            self._menu(self.visualRect(current).center())
            return
        super().keyPressEvent(event)

    def build_menu(self, row: int) -> QMenu:
        """The context menu for `row` (exposed for tests)."""
        menu = QMenu(self)
        menu.addAction(
            icon("open-external"), self.tr("Open in system player"), lambda: self.activated_result.emit(row)
        )
        menu.addAction(
            icon("folder"), self.tr("Open containing folder"), lambda: self.open_folder_requested.emit(row)
        )
        menu.addAction(
            icon("copy"), self.tr("Copy path with timestamp"), lambda: self.copy_path_requested.emit(row)
        )
        menu.addAction(
            icon("export-clip"), self.tr("Export clip\u2026"), lambda: self.export_requested.emit(row)
        )
        menu.addSeparator()
        menu.addAction(
            icon("similar"), self.tr("More like this"), lambda: self.more_like_this_requested.emit(row)
        )
        add_copy_actions(menu, self.model().index(row, 0).data(ResultRole.RESULT))
        return menu

    def _menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        if not index.isValid():
            return
        self.setCurrentIndex(index)
        self.build_menu(index.row()).exec(self.viewport().mapToGlobal(pos))
