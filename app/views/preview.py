"""The preview pane: an embedded player from just before the best moment, the clip range and the moment on
a timeline, the best frame as a poster."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import PurePath
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.formatting import format_range, format_time
from app.icons import icon
from app.models.results_model import ResultItem
from app.views.elided_label import ElidedLabel
from app.views.timeline import ClipTimeline

if TYPE_CHECKING:  # QtMultimedia is imported only when it loads here (it needs the system's audio libraries)
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
    from PySide6.QtMultimediaWidgets import QVideoWidget

log = logging.getLogger(__name__)


def multimedia_available() -> bool:
    """True when QtMultimedia loads here (it needs the system's audio libraries)."""
    try:
        from PySide6 import QtMultimedia, QtMultimediaWidgets  # noqa: F401
    except ImportError as exc:
        log.warning("video playback unavailable: %s", exc)
        return False
    return True


def _video_widget(parent: QWidget, on_double_click: Callable[[], None]) -> QVideoWidget:
    """A QVideoWidget that reports double-clicks (made here: QtMultimedia is imported only when it loads)."""
    from PySide6.QtMultimediaWidgets import QVideoWidget

    class VideoWidget(QVideoWidget):
        def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
            on_double_click()

    return VideoWidget(parent)


class PosterLabel(QLabel):
    """Shows a frame scaled to fit, keeping its aspect, sharp at any device pixel ratio."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage) -> None:
        """Show `image` (a null image clears)."""
        self._image = image
        self._rescale()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image.isNull():
            self.clear()
            return
        dpr = self.devicePixelRatioF()
        target = QSize(round(self.width() * dpr), round(self.height() * dpr))
        pix = QPixmap.fromImage(
            self._image.scaled(
                target, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )
        pix.setDevicePixelRatio(dpr)
        self.setPixmap(pix)


class PreviewPane(QWidget):
    """Plays the selected moment from its start; double-click or "Open in player" hands it to the system."""

    open_requested = Signal()
    export_requested = Signal()  # "Export clip…": the main window opens the export dialog at export_range()

    def __init__(self, parent: QWidget | None = None, *, playback: bool = True) -> None:
        super().__init__(parent)
        self.audio: QAudioOutput | None = None  # with the embedded player, when QtMultimedia loads
        self.setObjectName("previewPane")
        self.item: ResultItem | None = None
        self.title = ElidedLabel(self.tr("Select a result to preview it"), self)
        self.title.setObjectName("previewTitle")
        self.subtitle = ElidedLabel("", self)
        self.subtitle.setObjectName("muted")
        self.folder = ElidedLabel("", self)  # its own line, so a long path elides without hiding the range
        self.folder.setObjectName("muted")
        self.poster = PosterLabel(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.poster)
        self.timeline = ClipTimeline(self)
        self.play_button = QPushButton(icon("play"), self.tr("Play"), self)
        self.open_button = QPushButton(icon("open-external"), self.tr("Open in player"), self)
        self.open_button.setToolTip(self.tr("Open in the system player at the best moment (Enter)"))
        self.sound_button = QToolButton(self)
        self.sound_button.setCheckable(True)  # previews start muted: selecting a card should not blare
        self.sound_button.toggled.connect(self._set_sound)
        self._set_sound(False)
        self.play_button.setEnabled(False)
        self.open_button.setEnabled(False)
        self.play_button.clicked.connect(self.toggle_play)
        self.open_button.clicked.connect(self.open_requested.emit)
        self.export_button = QPushButton(icon("export-clip"), "", self)  # icon only: the pane stays narrow
        self.export_button.setToolTip(self.tr("Export clip\u2026"))
        self.export_button.setAccessibleName(self.tr("Export clip\u2026"))
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_requested.emit)
        self.timeline.seek_requested.connect(self.seek)

        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.sound_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.folder)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.timeline)
        layout.addLayout(buttons)

        self.player: QMediaPlayer | None = None
        self.video_widget: QVideoWidget | None = None
        self._pending_seek_ms: int | None = None
        if playback and multimedia_available():
            self._setup_player()

    @property
    def has_player(self) -> bool:
        """True when an embedded QMediaPlayer plays previews."""
        return self.player is not None

    def _setup_player(self) -> None:
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self.player = player = QMediaPlayer(self)
        self.audio = audio = QAudioOutput(self)
        audio.setMuted(not self.sound_button.isChecked())
        player.setAudioOutput(audio)
        self.video_widget = video = _video_widget(self, self.open_requested.emit)
        video.setMinimumSize(160, 90)
        self.stack.addWidget(video)
        player.setVideoOutput(video)
        self.player.positionChanged.connect(lambda ms: self.timeline.set_position(ms / 1000.0))
        self.player.mediaStatusChanged.connect(self._media_status)
        self.player.playbackStateChanged.connect(self._playback_state)
        self.player.errorOccurred.connect(self._player_error)

    def show_item(self, item: ResultItem | None, *, autoplay: bool = True) -> None:
        """Preview a result (None clears the pane)."""
        self.item = item
        if self.player is not None:
            self.player.stop()
        if item is None:
            self.title.setText(self.tr("Select a result to preview it"))
            self.subtitle.setText("")
            self.folder.setText("")
            self.poster.set_image(QImage())
            self.timeline.set_clip(0.0, 0.0, 0.0)
            self.play_button.setEnabled(False)
            self.open_button.setEnabled(False)
            self.export_button.setEnabled(False)
            self.stack.setCurrentWidget(self.poster)
            return
        r = item.result
        self.title.setText(PurePath(r.path).name)
        self.subtitle.setText(
            self.tr("best moment {best} · {range} of {duration}").format(
                best=format_time(r.moment),
                range=format_range(r.start, r.end),
                duration=format_time(r.duration),
            )
        )
        self.folder.setText(str(PurePath(r.path).parent))
        top = r.top_frame
        poster = QImage()
        if top is not None and r.frames:
            idx = r.frames.index(top)
            poster = item.thumbs[idx] if idx < len(item.thumbs) else QImage()
        self.poster.set_image(poster)
        self.stack.setCurrentWidget(self.poster)
        self.timeline.set_clip(r.duration, r.start, r.end, r.best_t)
        self.open_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self.play_button.setEnabled(self.player is not None)
        if self.player is not None:
            self._pending_seek_ms = int(r.play_from() * 1000)  # a short lead-in before the moment
            self.player.setSource(QUrl.fromLocalFile(r.path))
            if autoplay:
                self.player.play()

    def export_range(self) -> tuple[float, float]:
        """The in and out points set on the timeline (the shown result's range until they are moved)."""
        return self.timeline.in_point, self.timeline.out_point

    def _set_sound(self, on: bool) -> None:
        self.sound_button.setIcon(icon("sound" if on else "muted"))
        self.sound_button.setToolTip(
            self.tr("Sound on (click to mute)") if on else self.tr("Muted (click for sound)")
        )
        self.sound_button.setAccessibleName(self.tr("Sound"))
        if self.audio is not None:
            self.audio.setMuted(not on)

    def toggle_play(self) -> None:
        """Play or pause the preview."""
        if self.player is None or self.item is None:
            return
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def seek(self, seconds: float) -> None:
        """Jump the preview to `seconds`."""
        self.timeline.set_position(seconds)
        if self.player is not None:
            self.player.setPosition(int(seconds * 1000))

    def stop(self) -> None:
        """Stop playback (the window is closing)."""
        if self.player is not None:
            self.player.stop()
            self.player.setSource(QUrl())

    def _media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player is None or self.video_widget is None:
            return
        if status in (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia):
            if self._pending_seek_ms is not None:
                self.player.setPosition(self._pending_seek_ms)
                self._pending_seek_ms = None
            self.stack.setCurrentWidget(self.video_widget)

    def _playback_state(self, state: QMediaPlayer.PlaybackState) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))
        self.play_button.setIcon(icon("pause" if playing else "play"))

    def _player_error(self, _error: QMediaPlayer.Error, message: str) -> None:
        log.warning("preview playback failed: %s", message)
        self.stack.setCurrentWidget(self.poster)
        self.subtitle.setText(
            self.tr("Preview cannot play this file ({message}); Enter opens it in the system player.").format(
                message=message
            )
        )
