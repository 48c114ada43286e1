"""Search end to end: the real `tiny` model, a real library database, hand-made clip vectors."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.errors import ModelMismatchError, QueryError, StoreError
from engine.model import GlimpseModel, load_model
from engine.results import SearchFilters
from engine.search import ClipQuery, ImageQuery, Searcher, SearchResults, search
from engine.store import ClipRecord, FrameRecord, LibraryStore

PHRASES = ["a dog running on the beach", "a red car at night", "people dancing at a wedding"]


@pytest.fixture(scope="module")
def model() -> GlimpseModel:
    return load_model("tiny")


@pytest.fixture
def store(tmp_path: Path) -> LibraryStore:
    s = LibraryStore.open(tmp_path / "library.db")
    yield s  # type: ignore[misc]
    s.close()


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def _save(
    store: LibraryStore,
    root: Path,
    name: str,
    clips: list[tuple[float, float, np.ndarray]],
    *,
    fingerprint: str,
    mtime: float = 100.0,
) -> int:
    folder = store.add_folder(root)
    vid = store.add_pending(folder.id, str(root / name), 10, mtime, "h-" + name)
    records = [
        ClipRecord(s, e, v, [FrameRecord(s + 0.2, 0.3, b"t1"), FrameRecord(e - 0.2, 0.7, b"t2")])
        for s, e, v in clips
    ]
    end = max(e for _, e, _ in clips)
    store.save_video(
        vid,
        duration=end,
        fingerprint=fingerprint,
        clips=records,
        size=10,
        mtime=mtime,
        content_hash="h-" + name,
    )
    return vid


def _noise(dim: int, seed: int) -> np.ndarray:
    return _unit(np.random.default_rng(seed).standard_normal(dim).astype(np.float32))


@pytest.fixture
def library(store: LibraryStore, model: GlimpseModel, tmp_path: Path) -> LibraryStore:
    """Three videos whose middle clip carries the text vector of one phrase; the rest is noise."""
    texts = model.encode_text(PHRASES).numpy()
    for i, name in enumerate(["dog.mp4", "car.mp4", "wedding.mp4"]):
        clips = [
            (0.0, 4.0, _noise(model.dim, 10 * i)),
            (4.0, 8.0, texts[i]),
            (20.0, 24.0, _noise(model.dim, 10 * i + 1)),
        ]
        _save(store, tmp_path / "videos", name, clips, fingerprint=model.fingerprint, mtime=100.0 * (i + 1))
    store.set_meta("model_spec", "tiny")
    return store


def test_text_query_finds_the_matching_moment(library: LibraryStore, model: GlimpseModel) -> None:
    results = Searcher(library, model).search("a red car at night", k=5)
    assert isinstance(results, SearchResults) and results.warnings == []
    top = results[0]
    assert Path(top.path).name == "car.mp4"
    assert (top.start, top.end) == (4.0, 8.0)
    assert top.score == pytest.approx(1.0, abs=1e-4)
    assert [(f.t, f.weight, f.thumb) for f in top.frames] == [(4.2, 0.3, b"t1"), (7.8, 0.7, b"t2")]
    assert top.top_frame is not None and top.top_frame.t == 7.8
    assert top.duration == 24.0 and top.zero_shot == model.is_zero_shot
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_filters_narrow_text_search(library: LibraryStore, model: GlimpseModel, tmp_path: Path) -> None:
    searcher = Searcher(library, model)
    only_dog = searcher.search("a red car at night", filters=SearchFilters(path_contains="DOG"))
    assert {Path(r.path).name for r in only_dog} == {"dog.mp4"}
    recent = searcher.search("a red car at night", filters=SearchFilters(modified_after=250.0))
    assert {Path(r.path).name for r in recent} == {"wedding.mp4"}
    assert searcher.search("a red car", filters=SearchFilters(folder=str(tmp_path / "elsewhere"))) == []


def test_grouping_merges_adjacent_clips_and_limits_each_video(store: LibraryStore, tmp_path: Path) -> None:
    dim = 32
    target = _noise(dim, 1)

    def near(eps: float, seed: int) -> np.ndarray:
        return _unit(target + eps * _noise(dim, seed))

    # flood.mp4: two adjacent strong clips (one moment), then four separate strong clips.
    flood = [(0.0, 2.0, near(0.05, 2)), (2.0, 4.0, near(0.06, 3))]
    flood += [(10.0 * j, 10.0 * j + 2, near(0.1 + 0.01 * j, 10 + j)) for j in range(1, 5)]
    _save(store, tmp_path, "flood.mp4", flood, fingerprint="fp")
    _save(
        store,
        tmp_path,
        "other.mp4",
        [(0.0, 2.0, near(0.6, 30)), (50.0, 52.0, near(0.9, 31))],
        fingerprint="fp",
    )
    probe = _save(store, tmp_path, "probe.mp4", [(0.0, 1.0, target)], fingerprint="fp")
    probe_clip = store.clip_details([c for c, _ in store.knn(target, 1)])
    (probe_id,) = [c for c, d in probe_clip.items() if d.video_id == probe]
    results = Searcher(store, None).search(ClipQuery(probe_id), k=10, per_video=2)
    names = [Path(r.path).name for r in results]
    assert "probe.mp4" not in names, "more-like-this leaves the query clip out"
    assert names.count("flood.mp4") == 2 and names.count("other.mp4") == 2
    first = results[0]
    assert Path(first.path).name == "flood.mp4" and (first.start, first.end) == (0.0, 4.0)
    assert len(first.clip_ids) == 2 and [f.t for f in first.frames] == [0.2, 1.8, 2.2, 3.8]
    assert {f.clip_id for f in first.frames} == set(first.clip_ids)
    assert len(Searcher(store, None).search(ClipQuery(probe_id), k=2, per_video=3)) == 2
    assert len(Searcher(store, None).search(ClipQuery(probe_id), k=10, per_video=1)) == 2


def test_image_query_is_a_one_frame_clip(library: LibraryStore, model: GlimpseModel, tmp_path: Path) -> None:
    image = np.zeros((120, 160, 3), np.uint8)
    cv2.rectangle(image, (20, 20), (100, 90), (0, 200, 255), -1)
    png = tmp_path / "query.png"
    assert cv2.imwrite(str(png), image)
    searcher = Searcher(library, model)
    vec, _ = searcher.query_vector(ImageQuery(png))
    assert vec.shape == (model.dim,) and float(np.linalg.norm(vec)) == pytest.approx(1.0, abs=1e-4)
    _save(library, tmp_path / "videos", "orange.mp4", [(0.0, 3.0, vec)], fingerprint=model.fingerprint)
    top = searcher.search(ImageQuery(png), k=3)[0]
    assert Path(top.path).name == "orange.mp4" and top.score == pytest.approx(1.0, abs=1e-4)


def test_bad_queries_are_query_errors(library: LibraryStore, model: GlimpseModel, tmp_path: Path) -> None:
    searcher = Searcher(library, model)
    for blank in ["", "   ", "\n\t"]:
        with pytest.raises(QueryError, match="empty"):
            searcher.search(blank)
    with pytest.raises(QueryError, match="not in the library"):
        searcher.search(ClipQuery(987654))
    with pytest.raises(QueryError, match="does not exist"):
        searcher.search(ImageQuery(tmp_path / "missing.png"))
    with pytest.raises(QueryError, match="is a folder"):
        searcher.search(ImageQuery(tmp_path))
    not_image = tmp_path / "notes.png"
    not_image.write_text("hello")
    with pytest.raises(QueryError, match="not an image"):
        searcher.search(ImageQuery(not_image))
    with pytest.raises(QueryError, match="need the library's model"):
        Searcher(library, None).search("a dog")


def test_sql_looking_and_wildcard_text_is_just_text(library: LibraryStore, model: GlimpseModel) -> None:
    before = library.counts()
    for text in ["'; DROP TABLE clips; --", '100% "quoted" _under_', "a%", "x' OR '1'='1"]:
        results = Searcher(library, model).search(text, k=3, filters=SearchFilters(path_contains=text))
        assert results == []
        assert len(Searcher(library, model).search(text, k=3)) == 3
    assert library.counts() == before and library.check() == []


def test_long_query_is_truncated_and_says_so(library: LibraryStore, model: GlimpseModel) -> None:
    text = " ".join(["a dog running on the beach"] * 40)
    assert model.text_truncated(text)
    searcher = Searcher(library, model)
    results = searcher.search(text, k=3)
    assert len(results) == 3
    assert results.warnings and "longer than the model can read" in results.warnings[0]
    assert searcher.warnings == results.warnings
    assert Searcher(library, model).search("a dog", k=1).warnings == []


def test_k_is_clamped(library: LibraryStore, model: GlimpseModel) -> None:
    searcher = Searcher(library, model)
    assert len(searcher.search("a dog", k=0)) == 1
    assert len(searcher.search("a dog", k=10**9, per_video=10)) == 9  # every clip, none adjacent enough


def test_another_models_library_is_refused(store: LibraryStore, model: GlimpseModel, tmp_path: Path) -> None:
    _save(store, tmp_path, "a.mp4", [(0.0, 1.0, _noise(model.dim, 1))], fingerprint="some-other-model")
    store.set_meta("model_spec", "ViT-B-32-quickgelu:openai")
    with pytest.raises(ModelMismatchError, match="reindex needed"):
        Searcher(store, model)


def test_search_convenience_uses_the_library_model(library: LibraryStore, model: GlimpseModel) -> None:
    db = library.path
    results = search("people dancing at a wedding", k=2, db=db)
    assert Path(results[0].path).name == "wedding.mp4"
    assert search("people dancing at a wedding", k=1, db=db, model=model)[0].path == results[0].path
    assert search(ClipQuery(results[0].clip_ids[0]), k=1, db=db)[0].path != results[0].path


def test_search_convenience_on_missing_or_empty_library(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no library database"):
        search("a dog", db=tmp_path / "none.db")
    LibraryStore.open(tmp_path / "empty.db").close()
    empty = search("a dog", db=tmp_path / "empty.db")
    assert empty == [] and empty.warnings
