"""A new head over the same backbone: vectors and AFA weights recomputed from stored frame features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.indexing import Indexer
from engine.model import load_model
from engine.model.batch import encode_from_features
from engine.search import Searcher
from engine.store import ClipRecord, FrameRecord, LibraryStore
from tests.engine.indexing.conftest import write_video


@pytest.fixture(scope="module")
def tiny():
    return load_model("tiny", device="cpu")


def _save_variant(tmp_path: Path, name: str, part: str) -> str:
    """tiny with changed head (part="head") or backbone (part="clip") weights, saved as a model folder."""
    other = load_model("tiny", device="cpu")
    module = other.head if part == "head" else other.clip.visual
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.05 * torch.randn_like(p))
    other.save(tmp_path / name)
    return str(tmp_path / name)


def _library(tmp_path: Path, tiny) -> Path:
    root = tmp_path / "videos"
    for seed, name in ((1, "a.avi"), (2, "b.avi"), (3, "c.avi")):
        write_video(root / name, seed, seconds=4.0)
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(root))
    assert Indexer(db, model=tiny).run().indexed == 3
    return db


def _all_clips(store: LibraryStore, dim: int) -> dict[int, object]:
    return store.clip_details([c for c, _ in store.knn(np.ones(dim, np.float32), 100)])


def test_a_new_head_reencodes_from_stored_features_without_decoding(tmp_path: Path, tiny) -> None:
    db = _library(tmp_path, tiny)
    new = load_model(_save_variant(tmp_path, "new_head", "head"), device="cpu")
    assert new.backbone_fingerprint == tiny.backbone_fingerprint and new.fingerprint != tiny.fingerprint
    with LibraryStore.open(db) as store:
        before = _all_clips(store, tiny.dim)
        feats = store.frame_features(list(before))
    summary = Indexer(db, model=new).run()
    assert summary.from_features == 3 and summary.indexed == 0 and summary.failed == 0
    with LibraryStore.open(db) as store:
        assert store.model_fingerprint() == new.fingerprint
        assert all(v.fingerprint == new.fingerprint for v in store.videos(status="indexed"))
        after = _all_clips(store, new.dim)
        assert len(after) == len(before)
        # vectors and weights are the new head's over the stored features
        by_range = {(d.video_id, d.start): (cid, d) for cid, d in after.items()}
        for cid, d in before.items():
            new_id, nd = by_range[(d.video_id, d.start)]
            vec, w = encode_from_features(new, [feats[cid].raw()])[0]
            assert np.allclose(store.clip_vector(new_id), vec, atol=1e-5)
            assert [f.weight for f in nd.frames] == pytest.approx(w.tolist(), abs=1e-5)
            assert [f.thumb for f in nd.frames] == [f.thumb for f in d.frames]
        assert store.videos_lacking_features() == 0
        results = Searcher(store, new).search("a bright bar", k=3)
    assert results and all(r.best_t is not None for r in results)
    # A second run has nothing left to do.
    again = Indexer(db, model=new).run()
    assert again.from_features == 0 and again.indexed == 0


def test_videos_without_features_are_decoded_again(tmp_path: Path, tiny) -> None:
    db = _library(tmp_path, tiny)
    with LibraryStore.open(db) as store:  # one video saved the way Glimpse saved it before m002
        video = store.videos(status="indexed")[0]
        mine = {cid: d for cid, d in _all_clips(store, tiny.dim).items() if d.video_id == video.id}
        records = [
            ClipRecord(
                d.start,
                d.end,
                store.clip_vector(cid),
                [FrameRecord(f.t, f.weight, f.thumb) for f in d.frames],
            )
            for cid, d in sorted(mine.items(), key=lambda item: item[1].start)
        ]
        store.save_video(
            video.id,
            duration=float(video.duration or 0.0),
            fingerprint=tiny.fingerprint,
            clips=records,
            size=video.size,
            mtime=video.mtime,
            content_hash=video.content_hash,
        )
    with LibraryStore.open(db) as store:
        assert store.videos_lacking_features() == 1
    new = load_model(_save_variant(tmp_path, "new_head", "head"), device="cpu")
    summary = Indexer(db, model=new).run()
    assert summary.from_features == 2 and summary.indexed == 1
    with LibraryStore.open(db) as store:
        assert store.videos_lacking_features() == 0
        assert {v.fingerprint for v in store.videos(status="indexed")} == {new.fingerprint}


def test_another_backbone_is_a_full_reencode(tmp_path: Path, tiny) -> None:
    db = _library(tmp_path, tiny)
    other = load_model(_save_variant(tmp_path, "new_backbone", "clip"), device="cpu")
    assert other.backbone_fingerprint != tiny.backbone_fingerprint
    summary = Indexer(db, model=other).run()
    assert summary.from_features == 0 and summary.indexed == 3
    with LibraryStore.open(db) as store:
        assert store.get_meta("backbone_fingerprint") == other.backbone_fingerprint
