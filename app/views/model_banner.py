"""A banner over the results: model loading/downloading, or weights that cannot be had, with a way out."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.icons import icon


class BannerState(StrEnum):
    """What the banner shows."""

    HIDDEN = "hidden"
    LOADING = "loading"
    FAILED = "failed"
    MESSAGE = "message"


class ModelBanner(QWidget):
    """Model state: a busy bar while loading (first use downloads the weights), an error with a button."""

    choose_checkpoint = Signal()
    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        # A plain QWidget subclass ignores its style sheet background and border without this.
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.icon_label = QLabel(self)
        self._warning = icon("warning")
        self._paint_icon()
        self.text = QLabel("", self)
        self.text.setWordWrap(True)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(120)
        self.busy.setTextVisible(False)
        self.choose_button = QPushButton(icon("folder"), self.tr("Choose a local checkpoint\u2026"), self)
        self.choose_button.clicked.connect(self.choose_checkpoint.emit)
        self.retry_button = QPushButton(icon("retry"), self.tr("Try again"), self)
        self.retry_button.clicked.connect(self.retry.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(8)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.busy)
        layout.addWidget(self.retry_button)
        layout.addWidget(self.choose_button)
        self.state = BannerState.HIDDEN
        self.hide_banner()

    def changeEvent(self, event: QEvent) -> None:
        # A QLabel keeps the pixmap it was given: redraw the icon in the new palette's text colour.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._paint_icon()
        super().changeEvent(event)

    def _paint_icon(self) -> None:
        self.icon_label.setPixmap(self._warning.pixmap(20, 20))

    def show_loading(self, spec: str, downloaded: int = 0) -> None:
        """The model is loading; `downloaded` bytes of its weights have arrived so far (first use)."""
        if downloaded > 0:
            text = self.tr("Downloading the weights of {spec}: {mb} MB so far\u2026").format(
                spec=spec, mb=f"{downloaded / 1e6:.0f}"
            )
        else:
            text = self.tr("Loading the model {spec} (the first use downloads its weights)\u2026").format(
                spec=spec
            )
        self._set(BannerState.LOADING, text)

    def show_failed(self, sentence: str) -> None:
        """The model cannot be loaded: say why and offer a local checkpoint."""
        self._set(BannerState.FAILED, sentence)

    def show_message(self, sentence: str) -> None:
        """A notice without buttons (e.g. a search error)."""
        self._set(BannerState.MESSAGE, sentence)

    def hide_banner(self) -> None:
        """Hide the banner."""
        self.state = BannerState.HIDDEN
        self.setVisible(False)

    def _set(self, state: BannerState, text: str) -> None:
        self.state = state
        self.text.setText(text)
        self.busy.setVisible(state == BannerState.LOADING)
        self.icon_label.setVisible(state != BannerState.LOADING)
        self.choose_button.setVisible(state == BannerState.FAILED)
        self.retry_button.setVisible(state == BannerState.FAILED)
        self.setVisible(True)
