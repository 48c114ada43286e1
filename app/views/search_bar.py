"""The search field: Enter searches, Down moves to the results, a button searches by an image file."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

from app.icons import icon

# PySide6's stubs type QT_TRANSLATE_NOOP as returning object; it returns its text (a str).
PLACEHOLDER: str = QT_TRANSLATE_NOOP(  # type: ignore[assignment]
    "SearchBar", "Search your videos \u2014 e.g. \u201ckids blowing out birthday candles\u201d"
)


class SearchField(QLineEdit):
    """A QLineEdit that hands Down/PageDown to the results list."""

    move_to_results = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.move_to_results.emit()
            return
        super().keyPressEvent(event)


class SearchBar(QWidget):
    """Search field plus "search by image" button."""

    submitted = Signal(str)  # the query text
    image_requested = Signal()  # the user wants to pick an image to search by

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = SearchField(self)
        self.field.setObjectName("searchField")
        self.field.setPlaceholderText(self.tr(PLACEHOLDER))
        self.field.setClearButtonEnabled(True)
        self.field.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.field.setAccessibleName(self.tr("Search"))
        self.field.returnPressed.connect(self._submit)
        self.image_button = QToolButton(self)
        self.image_button.setIcon(icon("image"))
        self.image_button.setToolTip(self.tr("Search by an image file (or drop an image on the window)"))
        self.image_button.setAccessibleName(self.tr("Search by image"))
        self.image_button.clicked.connect(self.image_requested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.image_button)

    def text(self) -> str:
        """The current query text."""
        return self.field.text()

    def focus(self) -> None:
        """Focus the field and select its text (Ctrl+F, Ctrl+L)."""
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def _submit(self) -> None:
        text = self.field.text().strip()
        if text:
            self.submitted.emit(text)
