"""The first-run page: the two steps (add a folder, search) and the model's download state."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.icons import icon, render_icon


class WelcomePage(QWidget):
    """Shown while the library has no folders."""

    add_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        logo = QLabel(self)
        dpr = self.devicePixelRatioF()
        pix = QPixmap.fromImage(render_icon("glimpse", round(72 * dpr)))
        pix.setDevicePixelRatio(dpr)
        logo.setPixmap(pix)
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(self.tr("Welcome to Glimpse"), self)
        title.setObjectName("welcomeTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.step1 = QLabel(
            self.tr(
                "<b>1. Add a folder of videos.</b> Glimpse watches it and indexes every few seconds of "
                "every video, on this computer."
            ),
            self,
        )
        self.step2 = QLabel(
            self.tr(
                "<b>2. Search in plain words</b> \u2014 \u201ca dog catching a frisbee\u201d \u2014 "
                "or drop an image on the window. Results are moments you can play at once."
            ),
            self,
        )
        # The steps sit in a fixed-width column so their wrapped lines get their full height.
        steps = QWidget(self)
        steps.setFixedWidth(480)
        steps_layout = QVBoxLayout(steps)
        steps_layout.setContentsMargins(0, 0, 0, 0)
        steps_layout.setSpacing(10)
        for step in (self.step1, self.step2):
            step.setWordWrap(True)
            step.setMinimumHeight(step.heightForWidth(steps.width()))  # layouts size it for one line
            steps_layout.addWidget(step)
        # The button is accent-coloured: its icon takes the text colour that reads on the accent.
        add_icon = icon("folder-add", role=QPalette.ColorRole.HighlightedText)
        self.add_button = QPushButton(add_icon, self.tr("Add a folder\u2026"), self)
        self.add_button.setObjectName("primaryButton")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self.add_folder_requested.emit)
        hint = QLabel(self.tr("You can also drop a folder anywhere on this window."), self)
        hint.setObjectName("muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)

        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        layout.addStretch(2)
        layout.addWidget(logo)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(steps, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(8)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(hint)
        layout.addStretch(3)
