"""The frame-feature cache: later passes neither decode nor encode; real files go through sample_clips."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model import load_model
from engine.train import features
from engine.train.data import load_folder
from engine.train.features import FeatureCache, backbone_id, extract_features, uniform_pick
from engine.train.loop import TrainConfig, train
from engine.train.synthetic import SyntheticSpec, make_synthetic_set, write_folder_dataset


@pytest.fixture()
def counted(monkeypatch):
    """Count calls of the real decoding and encoding functions (they still run)."""
    calls = {"decode": 0, "encode": 0}
    real_read = features.read_video_frames

    def read(video, sampling):
        calls["decode"] += 1
        return real_read(video, sampling)

    monkeypatch.setattr(features, "read_video_frames", read)
    return calls


def _count_encodes(model, calls):
    real = model.encode_frames

    def encode(pixels, batch_size=None):
        calls["encode"] += 1
        return real(pixels, batch_size)

    model.encode_frames = encode


@pytest.mark.slow
def test_training_epochs_after_the_first_touch_no_decoder(counted, tmp_path):
    model = load_model("tiny", device="cpu")
    _count_encodes(model, counted)
    videos = make_synthetic_set(SyntheticSpec(train_videos=8, test_pairs=1))
    train_set = [v for v in videos if v.split == "train"]
    config = TrainConfig(epochs=3, batch_size=4)
    train(model, train_set, tmp_path / "out", config=config, cache_root=tmp_path / "cache", progress=False)
    assert counted == {"decode": 8, "encode": 8}  # once per video over three epochs
    train(model, train_set, tmp_path / "out2", config=config, cache_root=tmp_path / "cache", progress=False)
    assert counted == {"decode": 8, "encode": 8}  # a second run reads the cache only


def test_real_files_are_sampled_and_cached(counted, tmp_path):
    model = load_model("tiny", device="cpu")
    _count_encodes(model, counted)
    items = make_synthetic_set(SyntheticSpec(train_videos=2, test_pairs=1, max_idle=0))
    write_folder_dataset(items, tmp_path / "data")
    videos = load_folder(tmp_path / "data")
    cache = FeatureCache(tmp_path / "cache", backbone_id(model), TrainConfig().sampling)
    first = extract_features(model, videos, cache=cache)
    assert counted["decode"] == len(videos) == 4
    # Two 3-frame events at 1 fps: six sampled frames per file.
    assert {tuple(f.shape) for f in first.values()} == {(6, model.dim)}
    again = extract_features(model, videos, cache=cache)
    assert counted == {"decode": 4, "encode": 4}
    for key, feats in first.items():
        np.testing.assert_allclose(again[key].numpy(), feats.numpy())
    # A changed file is decoded again.
    path = videos[0].path
    path.write_bytes(path.read_bytes() + b"\0")
    extract_features(model, videos[:1], cache=cache)
    assert counted["decode"] == 5


def test_unreadable_videos_are_skipped_with_a_reason(tmp_path):
    model = load_model("tiny", device="cpu")
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video at all" * 10)
    bad.with_suffix(".txt").write_text("a caption\n")
    skipped = []
    got = extract_features(model, load_folder(tmp_path), on_skip=lambda v, why: skipped.append(why))
    assert got == {} and len(skipped) == 1 and skipped[0]


def test_uniform_pick():
    assert uniform_pick(5, 12) == [0, 1, 2, 3, 4]
    assert uniform_pick(23, 12)[0] == 0 and uniform_pick(23, 12)[-1] == 22
    assert len(uniform_pick(23, 12)) == 12
