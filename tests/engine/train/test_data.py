"""Data formats: the folder format with real video files, MSR-VTT JSON and CSV, clear errors."""

from __future__ import annotations

import json

import pytest

from engine.train.data import load_dataset, load_folder, load_msrvtt, split_of
from engine.train.errors import DatasetError
from engine.train.synthetic import SyntheticSpec, make_synthetic_set, write_folder_dataset, write_video


def test_folder_format_reads_splits_and_captions(tmp_path):
    videos = make_synthetic_set(SyntheticSpec(train_videos=2, test_pairs=1))
    write_folder_dataset(videos, tmp_path / "data")
    (tmp_path / "data" / "train" / "orphan.mp4").write_bytes(b"no captions beside me")
    got = load_dataset(tmp_path / "data")
    assert sorted(v.split for v in got) == ["test", "test", "train", "train"]
    by_id = {v.video_id: v for v in got}
    assert by_id["train/train00000"].captions == videos[0].captions
    assert all(v.path is not None and v.path.is_file() for v in got)
    assert len(split_of(got, "test")) == 2
    with pytest.raises(DatasetError, match="val"):
        split_of(got, "validate")


def test_folder_format_errors(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="No captioned videos"):
        load_folder(tmp_path / "empty")


def _two_videos(folder):
    frames = make_synthetic_set(SyntheticSpec(train_videos=2, test_pairs=1))[0].source.frames()
    write_video(folder / "video0.mp4", frames)
    write_video(folder / "video7.mp4", frames)


def test_msrvtt_json(tmp_path):
    _two_videos(tmp_path / "videos")
    ann = {
        "videos": [
            {"video_id": "video0", "split": "train"},
            {"video_id": "video7", "split": "validate"},
            {"video_id": "video9", "split": "test"},  # no file: skipped
        ],
        "sentences": [
            {"video_id": "video0", "caption": "a man sings", "sen_id": 0},
            {"video_id": "video0", "caption": "someone is singing", "sen_id": 1},
            {"video_id": "video7", "caption": "a cat sleeps", "sen_id": 2},
            {"video_id": "video9", "caption": "lost", "sen_id": 3},
        ],
    }
    path = tmp_path / "MSRVTT_data.json"
    path.write_text(json.dumps(ann))
    got = {v.video_id: v for v in load_dataset(path, "msrvtt")}
    assert set(got) == {"video0", "video7"}
    assert got["video0"].captions == ["a man sings", "someone is singing"]
    assert got["video7"].split == "val"
    assert got["video0"].path == tmp_path / "videos" / "video0.mp4"


def test_msrvtt_csv_and_errors(tmp_path):
    _two_videos(tmp_path)
    path = tmp_path / "test.csv"
    path.write_text(
        "key,vid_key,video_id,sentence\nret0,msr0,video0,a man sings\nret1,msr7,video7,a cat sleeps\n"
    )
    got = load_msrvtt(path)
    assert [(v.video_id, v.captions, v.split) for v in got] == [
        ("video0", ["a man sings"], "train"),
        ("video7", ["a cat sleeps"], "train"),
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,text\nx,y\n")
    with pytest.raises(DatasetError, match="video_id"):
        load_msrvtt(bad)
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    with pytest.raises(DatasetError, match="not an MSR-VTT"):
        load_msrvtt(junk)
    with pytest.raises(DatasetError, match="Unknown data format"):
        load_dataset(path, "webvid")
