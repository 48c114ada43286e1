"""The embedded player (QtMultimedia) starts a real video at the clip's start (where QtMultimedia loads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.models.results_model import ResultItem
from app.views.preview import PreviewPane, multimedia_available
from engine.results import ResultFrame, SearchResult
from tests.app.videos import SCENES, write_video

pytestmark = pytest.mark.skipif(not multimedia_available(), reason="QtMultimedia cannot load here")


def test_preview_plays_from_just_before_the_best_moment(qtbot, tmp_path: Path):
    from PySide6.QtMultimedia import QMediaPlayer

    path = write_video(tmp_path / "red.mp4", *SCENES["red"], seconds=6.0)
    result = SearchResult(
        video_id=1,
        path=str(path),
        start=1.0,
        end=5.0,
        score=0.5,
        clip_ids=[1],
        frames=[ResultFrame(t=4.5, weight=1.0, relevance=0.3)],
        duration=6.0,
        best_t=4.5,
    )
    assert result.play_from() == 3.0  # 1.5 s of lead-in before the moment
    pane = PreviewPane(playback=True)
    qtbot.addWidget(pane)
    pane.show()
    assert pane.has_player
    assert pane.audio.isMuted()  # previews start muted
    pane.sound_button.click()
    assert not pane.audio.isMuted()
    pane.sound_button.click()
    assert pane.audio.isMuted()
    pane.show_item(ResultItem(result, []), autoplay=False)
    assert pane.player.source().toLocalFile() == str(path)
    # Paused: only the seek to the lead-in before the best moment can move the position there.
    qtbot.waitUntil(lambda: pane.player.position() >= 2900, timeout=60_000)
    assert pane.player.error() == QMediaPlayer.Error.NoError
    assert pane.timeline.position >= 2.9  # the playhead follows the player
    pane.toggle_play()
    qtbot.waitUntil(lambda: pane.player.position() > 3300, timeout=60_000)
    assert pane.play_button.text() == "Pause"
    pane.stop()
    assert pane.player.source().isEmpty()
