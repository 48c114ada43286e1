"""Commands that need no model import none, and a cold text search runs without torch yet ranks the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cli import main
from engine.model import load_model
from engine.query import export_path
from engine.search import Searcher
from engine.store import LibraryStore
from tests.engine.indexing.conftest import write_video

#: Modules a command that needs no model must not import (seconds of start-up between them).
HEAVY = ("torch", "open_clip", "torchvision", "cv2", "av", "PySide6")
RUNNER = f"""
import json, sys
from engine.cli import main
try:
    main(sys.argv[1:])
finally:
    heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
    sys.stderr.write("\\nHEAVY=" + json.dumps(heavy) + "\\n")
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """An indexed tiny-model library (its own GLIMPSE_HOME) and that home."""
    base = tmp_path_factory.mktemp("light")
    home, root, db = base / "home", base / "videos", base / "lib.db"
    for seed in range(3):
        write_video(root / f"clip{seed}.avi", seed + 20, seconds=4.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLIMPSE_HOME", str(home))
        with pytest.raises(SystemExit) as exc:
            main(["--db", str(db), "--model", "tiny", "index", "-q", str(root)])
        assert exc.value.code == 0
        yield db, home


def cold(home: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run `glimpse ARGS` in a fresh interpreter; its result and the heavy modules it imported."""
    env = {**os.environ, "GLIMPSE_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, env=env, timeout=300
    )
    marker = [line for line in done.stderr.splitlines() if line.startswith("HEAVY=")]
    assert marker, done.stderr
    return done, json.loads(marker[-1].removeprefix("HEAVY="))


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["status"],
        ["status", "--json"],
        ["folders", "list"],
        ["check"],
        ["search", "--help"],
        ["index", "--help"],
        ["index", "-q"],  # nothing new on disk: the model is never loaded
        ["reindex", "-q"],
    ],
    ids=" ".join,
)
def test_commands_without_a_model_import_none(library: tuple[Path, Path], args: list[str]) -> None:
    db, home = library
    done, heavy = cold(home, "--db", str(db), *args)
    assert done.returncode == 0, done.stderr
    assert heavy == []


def test_cold_text_search_needs_no_torch_and_ranks_as_the_model(library: tuple[Path, Path]) -> None:
    db, home = library
    query = "a red bar moving across the picture"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLIMPSE_HOME", str(home))
        with LibraryStore.open(db, readonly=True) as store:
            fingerprint = store.model_fingerprint()
            assert fingerprint is not None
            path = export_path(fingerprint)
            assert path is not None and path.is_file()  # written by `glimpse index`
            expected = Searcher(store, load_model("tiny", device="cpu")).search(query, k=5)
    done, heavy = cold(home, "--db", str(db), "search", query, "-k", "5", "--json")
    assert done.returncode == 0, done.stderr
    # cv2 may load (it decodes the thumbnails of two results that look like copies of one video).
    assert not {"torch", "open_clip", "torchvision"} & set(heavy)
    got = json.loads(done.stdout)
    assert [(r["path"], r["start"]) for r in got] == [(r.path, r.start) for r in expected]
    assert max(abs(r["score"] - e.score) for r, e in zip(got, expected, strict=True)) < 1e-3
    assert len(got) == 3


def test_without_an_export_search_uses_the_model_and_exports_it(library: tuple[Path, Path]) -> None:
    db, home = library
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLIMPSE_HOME", str(home))
        with LibraryStore.open(db, readonly=True) as store:
            path = export_path(store.model_fingerprint() or "")
    assert path is not None
    path.unlink()
    done, heavy = cold(home, "--db", str(db), "search", "a moving bar", "-k", "2")
    assert done.returncode == 0, done.stderr
    assert "torch" in heavy and path.is_file()
    done, heavy = cold(home, "--db", str(db), "search", "a moving bar", "-k", "2")
    assert done.returncode == 0 and "torch" not in heavy
