"""One rule picks a library's model (model.choice); one cache keeps the loaded one (model.cache)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from engine import config
from engine.model import GlimpseModel, load_model
from engine.model.cache import ModelCache
from engine.model.choice import (
    META_MODEL_SPEC,
    choose_model_spec,
    is_other_model,
    library_model_spec,
    record_model_spec,
)
from engine.store import LibraryStore
from tests.heavy_imports import heavy_modules_after


def test_asked_beats_the_library_which_beats_the_preference_and_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GLIMPSE_MODEL", "tiny")
    assert choose_model_spec("lib:spec", asked="asked:spec", preferred="pref:spec") == "asked:spec"
    assert choose_model_spec("lib:spec", preferred="pref:spec") == "lib:spec"
    assert choose_model_spec(None, preferred="pref:spec") == "pref:spec"
    assert choose_model_spec(None, preferred="") == "tiny"
    assert choose_model_spec(None) == config.default_model_spec() == "tiny"


def test_a_relative_path_is_chosen_and_compared_in_its_absolute_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "m.pt").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    absolute = str(tmp_path / "m.pt")
    assert choose_model_spec(None, asked="m.pt") == absolute
    assert not is_other_model("m.pt", absolute)
    assert is_other_model("tiny", absolute)
    assert is_other_model("tiny", None)  # a library with no model yet: any asked one is another
    assert not is_other_model(None, absolute) and not is_other_model("", absolute)


def test_the_spec_is_recorded_once_canonical_and_read_back(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "m.pt").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    with LibraryStore.open(tmp_path / "lib.db") as store:
        assert library_model_spec(store) == config.default_model_spec()
        record_model_spec(store, "m.pt")
        assert store.get_meta(META_MODEL_SPEC) == str(tmp_path / "m.pt")
        record_model_spec(store, None)  # nothing to record: the spec stays
        assert library_model_spec(store) == str(tmp_path / "m.pt")
        assert library_model_spec(store, asked="tiny") == "tiny"


def test_the_cache_keeps_one_model_and_loads_another_only_when_asked() -> None:
    loads: list[tuple[str, str | None]] = []

    def loader(spec: str, device: str | None) -> GlimpseModel:
        loads.append((spec, device))
        return load_model(spec, device=device)

    cache = ModelCache()
    assert cache.peek("tiny", "cpu") is None
    first = cache.get("tiny", "cpu", loader=loader)
    assert cache.get("tiny", "cpu", loader=loader) is first and cache.peek("tiny", "cpu") is first
    assert loads == [("tiny", "cpu")]
    again = cache.get("tiny", "cpu", loader=loader, reload=True)
    assert again is not first and len(loads) == 2
    assert cache.peek("tiny", None) is None  # another device is another model
    cache.clear()
    assert cache.peek("tiny", "cpu") is None


def test_a_failed_load_keeps_the_model_kept_before() -> None:
    cache = ModelCache()
    kept = cache.get("tiny", "cpu")

    def broken(spec: str, device: str | None) -> GlimpseModel:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get("other", "cpu", loader=broken)
    assert cache.peek("tiny", "cpu") is kept


def test_peek_never_waits_for_a_load_in_progress() -> None:
    cache = ModelCache()
    kept = cache.get("tiny", "cpu")
    loading, release = threading.Event(), threading.Event()
    released_by_timeout: list[bool] = []

    def slow(spec: str, device: str | None) -> GlimpseModel:
        loading.set()
        released_by_timeout.append(not release.wait(300))  # a liveness bound, not a timing
        return kept

    worker = threading.Thread(target=cache.get, args=("tiny", None), kwargs={"loader": slow})
    worker.start()
    assert loading.wait(300)
    assert cache.peek("tiny", "cpu") is kept  # answered while the other load holds the load lock
    release.set()
    worker.join(300)
    assert released_by_timeout == [False]
    assert cache.peek("tiny", None) is kept and cache.peek("tiny", "cpu") is None


def test_query_vectors_cross_as_numpy(tiny: GlimpseModel) -> None:
    text = tiny.queries.encode_text(["a dog on a beach"])
    assert isinstance(text, np.ndarray) and text.dtype == np.float32 and text.shape == (1, tiny.dim)
    np.testing.assert_allclose(text[0], tiny.encode_text(["a dog on a beach"])[0].numpy(), atol=1e-6)
    rgb = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
    clip_vec, frame_vec = tiny.queries.encode_image(rgb)
    assert clip_vec.dtype == frame_vec.dtype == np.float32 and clip_vec.shape == frame_vec.shape == (
        tiny.dim,
    )
    assert abs(float(np.linalg.norm(frame_vec)) - 1.0) < 1e-5
    assert tiny.queries.fingerprint == tiny.fingerprint and tiny.queries.spec == tiny.spec


@pytest.mark.parametrize("module", ["engine.model.cache", "engine.model.choice", "engine.search"])
def test_the_cache_the_choice_and_search_import_no_torch(module: str) -> None:
    assert heavy_modules_after(f"import {module}") == []
