"""The Qt models without widgets: roles, highlight strengths, library counts and states."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.library_snapshot import FolderState, FolderSummary
from app.models.library_model import FOLDER_ROLE, STATE_ROLE, Column, LibraryModel
from app.models.results_model import ResultItem, ResultRole, ResultsModel, frame_highlights, top_clip_id
from app.operations import decode_thumbs


def test_results_model_roles(qapp, result_factory):
    r = result_factory([0.1, 0.6, 0.3], path="/videos/trip/beach.mp4", start=83, end=95, score=0.4321)
    model = ResultsModel()
    model.set_items([ResultItem(r, decode_thumbs([f.thumb for f in r.frames]))])
    assert model.rowCount() == 1
    idx = model.index(0, 0)
    assert idx.data(ResultRole.TITLE) == "beach.mp4"
    assert idx.data(ResultRole.FOLDER) == "/videos/trip"
    assert idx.data(ResultRole.RANGE_TEXT) == "01:23\u201301:35"
    assert idx.data(ResultRole.SCORE) == pytest.approx(0.4321)
    assert idx.data(ResultRole.RESULT) is r
    assert [img.width() for img in idx.data(ResultRole.THUMBS)] == [96, 96, 96]
    assert idx.data(ResultRole.ASPECTS) == pytest.approx([96 / 54] * 3)
    assert [h.top for h in idx.data(ResultRole.HIGHLIGHTS)] == [False, True, False]
    assert idx.data(ResultRole.ZERO_SHOT) is False
    assert idx.data(ResultRole.TOP_CLIP_ID) == 7
    assert "beach.mp4" in idx.data(Qt.ItemDataRole.AccessibleTextRole)
    assert b"range_text" in model.roleNames().values()
    model.clear()
    assert model.rowCount() == 0


def test_highlights_follow_weights():
    from engine.results import ResultFrame

    frames = [ResultFrame(t=i, weight=w) for i, w in enumerate([0.1, 0.5, 0.2, 0.2])]
    hl = frame_highlights(frames, zero_shot=False)
    assert [h.top for h in hl] == [False, True, False, False]
    assert [round(h.intensity, 2) for h in hl] == [0.2, 1.0, 0.4, 0.4]
    assert [h.highlighted for h in hl] == [False, True, False, False]
    shifted = frame_highlights(
        [ResultFrame(t=i, weight=w) for i, w in enumerate([0.45, 0.05, 0.5, 0.0])], False
    )
    assert [h.top for h in shifted] == [False, False, True, False]
    assert [h.highlighted for h in shifted] == [True, False, True, False]
    # Near-uniform weights (an untrained-looking head) outline only the top frame, not all of them.
    flat_weights = [0.26, 0.25, 0.24, 0.25]
    flat = frame_highlights([ResultFrame(t=i, weight=w) for i, w in enumerate(flat_weights)], False)
    assert [h.highlighted for h in flat] == [True, False, False, False]
    assert [h.top for h in flat] == [True, False, False, False]


def test_zero_shot_weights_are_not_highlights():
    from engine.results import ResultFrame

    frames = [ResultFrame(t=i, weight=0.25) for i in range(4)]
    hl = frame_highlights(frames, zero_shot=True)
    assert not any(h.highlighted or h.top for h in hl)
    assert frame_highlights([], zero_shot=False) == []


def test_big_thumbnails_are_shrunk_off_the_ui_thread(qapp):
    from tests.app.conftest import jpeg

    small, big = decode_thumbs([jpeg((10, 20, 30), 96, 54), jpeg((10, 20, 30), 640, 360)])
    assert (small.width(), small.height()) == (96, 54)
    assert big.height() == 120 and big.width() == round(640 * 120 / 360)
    assert decode_thumbs([b""])[0].isNull()


def test_top_clip_id_falls_back_to_first_clip(result_factory):
    r = result_factory([0.5, 0.5])
    r.frames = [type(f)(t=f.t, weight=f.weight, thumb=f.thumb, clip_id=0) for f in r.frames]
    r.clip_ids = [11, 12]
    assert top_clip_id(r) == 11
    r.frames, r.clip_ids = [], []
    assert top_clip_id(r) is None


def test_library_model_columns_and_states(qapp):
    model = LibraryModel()
    folders = [
        FolderSummary(1, "/videos/a", indexed=5),
        FolderSummary(2, "/videos/b", indexed=2, pending=3),
        FolderSummary(3, "/videos/c", indexed=1, failed=2),
        FolderSummary(4, "/media/usb", indexed=9, online=False),
        FolderSummary(5, "/videos/nfs", indexed=1, polling=True, excludes=("*.tmp",)),
    ]
    model.set_folders(folders)
    assert model.rowCount() == 5 and model.columnCount() == len(Column)
    states = [model.index(r, Column.STATE).data(STATE_ROLE) for r in range(5)]
    assert states == [
        FolderState.INDEXED,
        FolderState.PENDING,
        FolderState.INDEXED,
        FolderState.OFFLINE,
        FolderState.INDEXED,
    ]
    assert model.index(1, Column.PENDING).data() == 3
    assert model.index(3, Column.FOLDER).data() == "usb"
    assert model.index(2, Column.FAILED).data() == 2
    assert model.index(3, Column.STATE).data() == "offline"
    assert model.index(2, Column.STATE).data() == "indexed \u00b7 2 failed"
    assert FolderSummary(6, "/videos/d", failed=7).state == FolderState.FAILED
    assert model.index(4, Column.STATE).data() == "indexed (polling)"
    assert "*.tmp" in model.index(4, Column.FOLDER).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, 0).data(FOLDER_ROLE) is folders[0]
    assert model.headerData(Column.FAILED, Qt.Orientation.Horizontal) == "Failed"


def test_library_model_updates_counts_in_place(qtbot):
    model = LibraryModel()
    model.set_folders([FolderSummary(1, "/videos/a", pending=4)])
    with qtbot.waitSignal(model.dataChanged, timeout=1000):
        model.set_folders([FolderSummary(1, "/videos/a", indexed=4)])
    assert model.index(0, Column.INDEXED).data() == 4
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_folders([FolderSummary(1, "/videos/a"), FolderSummary(2, "/videos/b")])
    assert model.rowCount() == 2


def test_results_model_says_when_a_result_is_offline(qapp, result_factory):
    r = result_factory([0.5, 0.5], path="/drive/trip.mp4")
    r.offline = True
    model = ResultsModel()
    model.set_items([ResultItem(r, decode_thumbs([f.thumb for f in r.frames]))])
    assert model.index(0, 0).data(ResultRole.OFFLINE) is True
    assert b"offline" in model.roleNames().values()


def test_the_library_snapshot_shows_a_vanished_folder_offline_at_once(tmp_path):
    from app.library_snapshot import read_snapshot
    from engine.store import LibraryStore

    drive = tmp_path / "drive"
    drive.mkdir()
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(drive)
    assert [f.online for f in read_snapshot(db).folders] == [True]
    drive.rmdir()  # unplugged; no scan has run since
    assert [f.online for f in read_snapshot(db).folders] == [False]


def test_highlights_follow_query_relevance_on_every_model():
    from engine.results import ResultFrame

    rel = [0.10, 0.30, 0.29, 0.12, 0.295, 0.28]
    for zero_shot in (True, False):
        frames = [
            ResultFrame(t=i, weight=None if zero_shot else 0.1 * (i + 1), relevance=r)
            for i, r in enumerate(rel)
        ]
        hl = frame_highlights(frames, zero_shot)
        assert [h.top for h in hl] == [False, True, False, False, False, False]
        # the best three within 80 % of the spread are outlined, never a whole static shot
        assert [h.highlighted for h in hl] == [False, True, True, False, True, False]
        assert hl[0].intensity == 0.0 and hl[1].intensity == 1.0
        if zero_shot:
            assert all(h.afa is None for h in hl)
        else:
            assert [h.afa for h in hl] == pytest.approx([(i + 1) / 6 for i in range(6)])
    flat = frame_highlights(
        [ResultFrame(t=i, weight=None, relevance=0.3 + 0.001 * i) for i in range(4)], True
    )
    assert [h.highlighted for h in flat] == [False, False, False, True]
