"""A video held as three copies (another size, another container, another folder) is found once."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.indexing import Indexer
from engine.search import ImageQuery, Searcher
from engine.store import LibraryStore

FPS = 8
SECONDS = 6


def bikes_frame(i: int, w: int, h: int) -> np.ndarray:
    """A street: grey road, sky gradient, two 'bikes' (dark wheels) crossing left to right (BGR)."""
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = (np.array((230, 180, 120), np.float32) * (1 - y) + np.array((90, 90, 90), np.float32) * y).astype(
        np.uint8
    )
    img = np.ascontiguousarray(np.repeat(img, w, axis=1))
    for lane, speed in ((0.6, 1.0), (0.8, 0.7)):
        x = int(w * ((0.1 + speed * i / (FPS * SECONDS)) % 1.0))
        for dx in (-w // 20, w // 20):
            cv2.circle(img, (x + dx, int(h * lane)), max(3, h // 14), (20, 20, 20), -1)
    return img


def scene_frame(color: tuple[int, int, int], i: int, w: int, h: int) -> np.ndarray:
    img = np.full((h, w, 3), color, np.uint8)
    cv2.rectangle(img, (i * 3 % w, h // 3), (i * 3 % w + w // 5, h // 2), (255, 255, 255), -1)
    return img


def write(path: Path, fourcc: str, size: tuple[int, int], frame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), FPS, size)
    assert writer.isOpened()
    for i in range(FPS * SECONDS):
        writer.write(frame(i, *size))
    writer.release()
    return path


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("copies")
    a, b = root / "phone", root / "backup"
    write(a / "bikes.mp4", "mp4v", (192, 108), bikes_frame)
    write(a / "bikes_4k.mp4", "mp4v", (384, 216), bikes_frame)  # re-encoded at another resolution
    write(b / "bikes_mjpeg.avi", "MJPG", (192, 108), bikes_frame)  # another container and codec
    for name, color in {"beach": (200, 170, 40), "forest": (30, 140, 40), "night": (60, 20, 20)}.items():
        write(a / f"{name}.mp4", "mp4v", (192, 108), lambda i, w, h, c=color: scene_frame(c, i, w, h))
    db = root / "library.db"
    with LibraryStore.open(db) as store:
        store.add_folder(str(a))
        store.add_folder(str(b))
    assert Indexer(db, model_spec="tiny").run().indexed == 6
    image = root / "query.png"
    cv2.imwrite(str(image), bikes_frame(20, 192, 108))
    return db, image


def test_image_query_returns_the_video_once_with_two_copies(library):
    from engine.model import load_model

    db, image = library
    with LibraryStore.open(db, readonly=True) as store:
        searcher = Searcher(store, load_model("tiny", device="cpu"))
        results = searcher.search(ImageQuery(image), k=10, per_video=1)
        bikes = [r for r in results if Path(r.path).stem.startswith("bikes")]
        assert len(bikes) == 1
        names = sorted(Path(c.path).name for c in bikes[0].copies)
        shown = Path(bikes[0].path).name
        assert sorted([shown, *names]) == ["bikes.mp4", "bikes_4k.mp4", "bikes_mjpeg.avi"]
        others = [r for r in results if r is not bikes[0]]
        assert others and all(not r.copies for r in others)  # different videos are not copies
        searcher.hide_copies = False  # the toggle off: every file on its own
        every = searcher.search(ImageQuery(image), k=10, per_video=1)
        assert sum(Path(r.path).stem.startswith("bikes") for r in every) == 3


def test_search_json_lists_copies(library):
    db, image = library
    out = CliRunner().invoke(cli, ["--db", str(db), "search", "--image", str(image), "-k", "5", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    rows = rows["results"] if isinstance(rows, dict) else rows
    bikes = [r for r in rows if Path(r["path"]).stem.startswith("bikes")]
    assert len(bikes) == 1 and len(bikes[0]["copies"]) == 2
