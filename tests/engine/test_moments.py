"""Every result knows its moment: frame features stored, two-stage search, best_t and frame relevance.

Real videos written with OpenCV, indexed by the real pipeline with the `tiny` model, searched with the
real Searcher. The pan has no shot cut, so its 12 s are one clip: only the frames can place T.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.indexing import Indexer
from engine.rerank import RerankSettings
from engine.search import ClipQuery, ImageQuery, Searcher
from engine.store import LibraryStore

SIZE = (96, 64)  # w, h
FPS = 8
SECONDS = 12


def panorama(seed: int, width: int) -> np.ndarray:
    """A wide BGR scene of smooth random blobs, so neighbouring windows differ a little, far ones a lot."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(4, width // 16, 3), dtype=np.uint8)
    return cv2.resize(coarse, (width, SIZE[1]), interpolation=cv2.INTER_CUBIC)


def write_pan(path: Path, seed: int) -> Path:
    """A continuous 12 s pan across a panorama (no cut): the window moves 8 px per second."""
    step = 8
    scene = panorama(seed, SIZE[0] + step * SECONDS + 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, SIZE)
    assert writer.isOpened()
    for i in range(SECONDS * FPS):
        x = int(round(i * step / FPS))
        writer.write(np.ascontiguousarray(scene[:, x : x + SIZE[0]]))
    writer.release()
    return path


def frame_at(path: Path, t: float) -> np.ndarray:
    """The video's own frame at second t, decoded with OpenCV (the picture a user would cut)."""
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_POS_FRAMES, int(round(t * FPS)))
    ok, frame = cap.read()
    cap.release()
    assert ok
    return frame


@pytest.fixture(scope="module")
def tiny():
    from engine.model import load_model

    return load_model("tiny", device="cpu")


@pytest.fixture(scope="module")
def pans(tmp_path_factory: pytest.TempPathFactory, tiny) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pans")
    for seed, name in ((5, "pan.avi"), (6, "other.avi"), (7, "third.avi")):
        write_pan(root / "videos" / name, seed)
    db = root / "lib.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(root / "videos"))
    summary = Indexer(db, model=tiny).run()
    assert summary.indexed == 3 and summary.failed == 0
    return db, root / "videos" / "pan.avi"


def test_every_clip_keeps_compact_frame_features_with_its_times(pans, tiny) -> None:
    db, _ = pans
    with LibraryStore.open(db) as store:
        details = store.clip_details([cid for cid, _ in store.knn(np.ones(tiny.dim, np.float32), 50)])
        feats = store.frame_features(list(details))
        assert store.videos_lacking_features() == 0
        assert store.get_meta("backbone_fingerprint") == tiny.backbone_fingerprint
    assert set(feats) == set(details)
    for cid, d in details.items():
        f = feats[cid]
        assert f.codes.dtype == np.int8 and f.codes.shape == (len(d.frames), tiny.dim)
        assert np.allclose(f.times, [fr.t for fr in d.frames], atol=1e-4)
        assert f.codes.nbytes / len(d.frames) + 8 <= 1024


@pytest.mark.parametrize("t", [2.0, 7.0, 10.0])
def test_image_cut_from_second_t_finds_the_pan_at_t(pans, tiny, tmp_path: Path, t: float) -> None:
    db, pan = pans
    png = tmp_path / f"cut{t:g}.png"
    cv2.imwrite(str(png), frame_at(pan, t))
    with LibraryStore.open(db, readonly=True) as store:
        results = Searcher(store, tiny).search(ImageQuery(png), k=3)
    best = results[0]
    assert Path(best.path).name == "pan.avi"
    assert best.start <= 0.5 and best.end >= 11.0  # one clip: the whole pan
    assert best.best_t is not None and abs(best.best_t - t) <= 1.0
    peak = max(best.frames, key=lambda f: f.relevance if f.relevance is not None else -9.0)
    assert abs(peak.t - t) <= 1.0
    assert all(f.relevance is not None for f in best.frames)


def test_text_results_carry_best_t_in_range_and_a_relevance_per_frame(pans, tiny) -> None:
    db, _ = pans
    with LibraryStore.open(db, readonly=True) as store:
        results = Searcher(store, tiny).search("a slow pan over a colourful landscape", k=5)
    assert results
    for r in results:
        assert r.best_t is not None and r.start <= r.best_t <= r.end
        assert r.frames and all(isinstance(f.relevance, float) for f in r.frames)
        assert all(-1.0 <= (f.relevance or 0.0) <= 1.0 for f in r.frames)
        assert max(r.frames, key=lambda f: f.relevance or -9.0).t == pytest.approx(r.best_t)
        # tiny has a (random) trained head: its AFA weights are kept beside the relevance
        assert all(f.weight is not None for f in r.frames)


def test_more_like_this_matches_frames(pans, tiny) -> None:
    db, pan = pans
    with LibraryStore.open(db, readonly=True) as store:
        video = store.video_by_path(str(pan))
        assert video is not None
        own = [cid for cid, _ in store.knn(np.ones(tiny.dim, np.float32), 50)]
        probe = next(cid for cid, d in store.clip_details(own).items() if d.video_id == video.id)
        results = Searcher(store, None).search(ClipQuery(probe), k=5)
    assert results and probe not in {c for r in results for c in r.clip_ids}
    for r in results:
        assert r.best_t is not None and r.start <= r.best_t <= r.end
        assert all(f.relevance is not None for f in r.frames)


def test_turning_the_second_stage_off_keeps_clip_scores(pans, tiny, tmp_path: Path) -> None:
    db, pan = pans
    png = tmp_path / "cut.png"
    cv2.imwrite(str(png), frame_at(pan, 7.0))
    with LibraryStore.open(db, readonly=True) as store:
        searcher = Searcher(store, tiny)
        two_stage = searcher.search(ImageQuery(png), k=3)
        s = searcher.rerank
        searcher.rerank = type(searcher.rerank)(candidates=0)
        clip_only = searcher.search(ImageQuery(png), k=3)
        vector, _ = searcher.query_vector(ImageQuery(png))
        knn = dict(store.knn(vector, 10))
    assert [r.score for r in clip_only] == pytest.approx([knn[r.clip_ids[0]] for r in clip_only], abs=1e-5)
    # the two-stage score joins the clip score and the soft-max pool of the frames' relevance
    assert s == RerankSettings.for_model(tiny.is_zero_shot) and s.candidates > 0
    rel = np.array([f.relevance for f in two_stage[0].frames], dtype=np.float64)
    z = np.exp((rel - rel.max()) / s.temperature)
    pooled = float((z * rel).sum() / z.sum())
    clip_score = knn[two_stage[0].clip_ids[0]]
    want = float(s.combine_arrays(np.float64(clip_score), pooled, float(rel.mean())))
    assert two_stage[0].score == pytest.approx(want, abs=1e-4)
    # without the second stage the shown frames still get their relevance and the moment its place
    assert clip_only[0].best_t is not None and abs(clip_only[0].best_t - 7.0) <= 1.0
