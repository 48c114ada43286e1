"""A trained checkpoint indexes and searches like any model, and its AFA weights reach the search results."""

from __future__ import annotations

import numpy as np
import pytest

from engine.indexing import Indexer
from engine.model import load_model
from engine.search import Searcher
from engine.store import LibraryStore
from engine.train.features import extract_features
from engine.train.loop import TrainConfig, train
from engine.train.losses import LossWeights
from engine.train.synthetic import Event, SyntheticSpec, SyntheticVideo, make_synthetic_set, write_video
from engine.train.teachers import ClipTeacher, FileTeacher, precompute_teacher, write_teacher_file


@pytest.mark.slow
def test_trained_checkpoint_carries_afa_weights_into_search(tmp_path):
    model = load_model("tiny", device="cpu")
    videos = [
        v
        for v in make_synthetic_set(SyntheticSpec(train_videos=12, test_pairs=1, seed=2))
        if v.split == "train"
    ]
    feats = extract_features(model, videos)
    tables = precompute_teacher(ClipTeacher(model), videos, feats)
    tables.frame_relevance[:] = 0.02
    tables.frame_relevance[:, 0] = 0.9  # a teacher that finds the opening frame most relevant
    teacher = FileTeacher(write_teacher_file(tmp_path / "teacher.npz", tables))
    config = TrainConfig(epochs=6, batch_size=4, lr=3e-3, loss=LossWeights(gamma=5.0))
    train(model, videos, tmp_path / "student", teacher=teacher, config=config, progress=False)

    library = tmp_path / "library"
    for i, event in enumerate([Event("red", "circle", "left"), Event("blue", "square", "up")]):
        source = SyntheticVideo((event,), seed=i, frames_per_event=6)
        write_video(library / f"clip{i}.mp4", source.frames())

    student = load_model(str(tmp_path / "student"), device="cpu")
    assert not student.is_zero_shot
    db = tmp_path / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(library))
    summary = Indexer(db, model=student).run([library])
    assert summary.indexed == 2 and summary.failed == 0

    with LibraryStore.open(db) as store:
        results = Searcher(store, student).search("a red circle moves left", k=5)
    assert results and not results[0].zero_shot
    weights = [np.array([f.weight for f in r.frames]) for r in results if len(r.frames) > 1]
    assert weights, "expected clips of several frames"
    assert any(w.max() - w.min() > 0.02 for w in weights)  # the student's AFA weights, not uniform ones
