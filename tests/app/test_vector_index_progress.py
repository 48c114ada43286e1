"""The app says when the library's vector (ANN) index is built in the background, with its progress."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from app.main_window import MainWindow
from app.settings import AppSettings
from app.vector_index_monitor import VectorIndexMonitor, is_due, read_index_status
from app.views.indexing_status import IndexingStatus, vector_index_text
from engine.indexing.progress import IndexProgress, Phase
from engine.store import ClipRecord, FrameRecord, LibraryStore
from engine.store.ann import paths_for
from engine.store.ann_build import IndexState, IndexStatus, progress_path
from engine.store.knn import VectorSearch

WAIT_MS = 60_000  # generous: the suite shares two cores with other work
DIM = 16
VIDEOS, PER_VIDEO = 6, 20  # 120 clips: over the index threshold these tests set
ANN_MIN = 50


def _unit_rows(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    rows = rng.standard_normal((n, DIM)).astype(np.float32)
    return list(rows / np.linalg.norm(rows, axis=1, keepdims=True))


def _library(tmp_path: Path) -> Path:
    """A real library of VIDEOS x PER_VIDEO clips with stored vectors (no model needed to make it)."""
    folder = tmp_path / "videos"
    folder.mkdir()
    db = tmp_path / "library.db"
    rng = np.random.default_rng(5)
    with LibraryStore.open(db) as store:
        root = store.add_folder(folder)
        for v in range(VIDEOS):
            path = str(Path(root.path) / f"v{v}.mp4")
            vid = store.add_pending(root.id, path, 100, 1000.0, f"hash-{v}")
            clips = [
                ClipRecord(
                    start=2.0 * i, end=2.0 * i + 2.0, vector=vec, frames=[FrameRecord(2.0 * i, 1.0, b"")]
                )
                for i, vec in enumerate(_unit_rows(rng, PER_VIDEO))
            ]
            store.save_video(
                vid,
                duration=2.0 * PER_VIDEO,
                fingerprint="fp-test",
                clips=clips,
                size=100,
                mtime=1000.0,
                content_hash=f"hash-{v}",
            )
    return db


def _vectors(db: Path, *, build_delay_s: float) -> VectorSearch:
    """This process's vector search over `db`, indexing from ANN_MIN clips on."""
    vectors = VectorSearch.for_path(db)
    vectors.ann_min = ANN_MIN
    vectors.build_delay_s = build_delay_s
    return vectors


def _window(qtbot, db: Path) -> MainWindow:
    settings = AppSettings(model_spec="tiny", device="cpu", watch_folders=False)
    window = MainWindow(settings, db, playback=False, index_on_start=False)
    qtbot.addWidget(window)
    window.show()
    return window


def _write_progress(db: Path, done: int, total: int) -> None:
    # What a build in another process (`glimpse index` in a terminal) leaves beside the library.
    progress_path(db).write_text(
        json.dumps({"pid": os.getpid(), "done": done, "total": total, "at": time.time()})
    )


def test_the_strip_shows_a_build_beside_a_run_and_hides_when_ready(qtbot):
    strip = IndexingStatus()
    qtbot.addWidget(strip)
    strip.show_vector_index(IndexStatus(IndexState.NONE))
    assert strip.isHidden()
    building = IndexStatus(IndexState.BUILDING, 0, 1200, 40_000)
    strip.show_vector_index(building)
    assert not strip.isHidden() and not strip.index_label.isHidden()
    assert strip.pause_button.isHidden()  # a build cannot be paused: no run, no pause button
    assert strip.index_bar.value() == 1200 and strip.index_bar.maximum() == 40_000
    assert strip.index_label.text() == (
        "Building the search index: 1,200 of 40,000 clips (3%); searches stay exact meanwhile"
    )
    assert vector_index_text(replace(building, done=40_000)).startswith(
        "Building the search index: 40,000 of"
    )
    strip.show_progress(IndexProgress(Phase.INDEXING, videos_done=1, videos_total=4))
    assert not strip.label.isHidden() and not strip.index_label.isHidden()  # both, side by side
    strip.show_vector_index(IndexStatus(IndexState.READY, 40_000, 40_000, 40_000))
    assert strip.index_label.isHidden() and not strip.label.isHidden()  # the run goes on
    strip.show_progress(IndexProgress(Phase.DONE, videos_total=0))
    assert strip.isHidden()


def test_the_window_follows_a_build_in_another_process_until_the_index_is_ready(qtbot, tmp_path):
    db = _library(tmp_path)
    vectors = _vectors(db, build_delay_s=3600.0)  # this process would not build during the test
    assert is_due(read_index_status(db))  # big enough for an index, none made yet
    _write_progress(db, 30, 120)
    window = _window(qtbot, db)
    strip = window.indexing_status
    qtbot.waitUntil(lambda: "30 of 120 clips (25%)" in strip.index_label.text(), timeout=WAIT_MS)
    assert strip.isVisible() and strip.index_label.isVisible()
    assert strip.index_bar.value() == 30 and strip.index_bar.maximum() == 120
    _write_progress(db, 90, 120)  # the build moves on: the window reads it again by itself
    qtbot.waitUntil(lambda: "90 of 120 clips (75%)" in strip.index_label.text(), timeout=WAIT_MS)
    progress_path(db).unlink()
    assert vectors.prepare(wait=True)  # the real index, built and saved beside the library
    qtbot.waitUntil(lambda: not strip.isVisible(), timeout=WAIT_MS)
    last = window.vector_index.last
    assert last is not None and last.state is IndexState.READY and last.vectors == VIDEOS * PER_VIDEO
    vectors.clear()


def test_opening_a_big_library_builds_its_index_in_the_background(qtbot, tmp_path):
    db = _library(tmp_path)
    vectors = _vectors(db, build_delay_s=0.2)
    seen: list[IndexStatus] = []
    window = _window(qtbot, db)
    window.vector_index.changed.connect(seen.append)
    monitor: VectorIndexMonitor = window.vector_index
    qtbot.waitUntil(
        lambda: monitor.last is not None and monitor.last.state is IndexState.READY, timeout=WAIT_MS
    )
    assert all(paths.exists() for paths in paths_for(db))  # saved beside the library for the next start
    for status in seen:  # whatever moments the polls caught on the way
        assert (
            status.state is not IndexState.BUILDING or 0 <= status.done <= status.total == VIDEOS * PER_VIDEO
        )
    assert not window.indexing_status.index_label.isVisible()
    vectors.clear()
