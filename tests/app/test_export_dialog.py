"""Export clip…: the range starts at the result's, moves on the timeline, exports off the UI thread"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from app.tasks import Pool, TaskRunner
from app.views.export_dialog import ExportDialog
from tests.engine.test_export import decoded, write_clip

WAIT_MS = 60_000


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return write_clip(tmp_path_factory.mktemp("exp") / "bikes.mp4")


def _dialog(qtbot, video: Path, start: float = 2.0, end: float = 6.0) -> ExportDialog:
    runner = TaskRunner()
    dialog = ExportDialog(runner, str(video), start, end, 10.0)
    dialog.runner_ref = runner  # keep the runner alive as long as the dialog
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_export_starts_at_the_result_range_and_writes_the_file(qtbot, video, tmp_path):
    dialog = _dialog(qtbot, video)
    assert (dialog.timeline.start, dialog.timeline.end) == (2.0, 6.0)
    assert dialog.start_spin.value() == 2.0 and dialog.end_spin.value() == 6.0
    # drag the out point on the timeline from 6 s to about 8 s
    tl = dialog.timeline
    y = tl.height() // 2
    qtbot.mousePress(tl, Qt.MouseButton.LeftButton, pos=QPoint(round(tl.x_of(6.0)), y))
    qtbot.mouseMove(tl, QPoint(round(tl.x_of(8.0)), y))
    qtbot.mouseRelease(tl, Qt.MouseButton.LeftButton, pos=QPoint(round(tl.x_of(8.0)), y))
    assert abs(tl.end - 8.0) < 0.1 and tl.start == 2.0 and abs(dialog.end_spin.value() - tl.end) < 0.06
    out = tmp_path / "moment.mp4"
    dialog.start_export(str(out))
    assert dialog.running
    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT_MS)
    assert dialog.error is None and dialog.result_ is not None and dialog.result_.stream_copy
    duration, _, audio = decoded(out)
    assert abs(duration - (tl.end - 2.0)) <= 0.5 and audio
    assert out.name in dialog.message.text()


def test_cancel_leaves_nothing(qtbot, video, tmp_path):
    dialog = _dialog(qtbot, video)
    gate = threading.Event()
    dialog.runner.submit(Pool.EXPORT, lambda _r: gate.wait(30), name="hold the export queue")
    out = tmp_path / "never.mp4"
    dialog.start_export(str(out))
    dialog.cancel()  # before the export has begun: it must stop at its first packet
    gate.set()
    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT_MS)
    assert dialog.result_ is None and "cancelled" in dialog.message.text()
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_source_gives_a_sentence(qtbot, video, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(video.read_bytes()[:1500])
    dialog = _dialog(qtbot, broken)
    dialog.start_export(str(tmp_path / "x.mp4"))
    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT_MS)
    assert dialog.message.text() == "broken.mp4 cannot be exported: the file is damaged or not a video."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mp4"]
