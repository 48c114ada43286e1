"""Store fixtures: a real library database in the test's GLIMPSE_HOME, and hand-made clip vectors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from engine.store import ClipRecord, FrameRecord, LibraryStore

DIM = 16


def unit(*values: float, dim: int = DIM) -> np.ndarray:
    """A unit vector whose first components are `values`."""
    v = np.zeros(dim, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def clips_from(vectors: list[np.ndarray], *, length: float = 2.0) -> list[ClipRecord]:
    """Consecutive clips of `length` seconds, one per vector, two frames each."""
    out = []
    for i, v in enumerate(vectors):
        start = i * length
        frames = [FrameRecord(start + 0.5, 0.25, b"\xff\xd8a"), FrameRecord(start + 1.5, 0.75, b"\xff\xd8b")]
        out.append(ClipRecord(start=start, end=start + length, vector=v, frames=frames))
    return out


def add_video(
    store: LibraryStore,
    folder: Path | str,
    name: str,
    vectors: list[np.ndarray],
    *,
    fingerprint: str = "fp-test",
    mtime: float = 1000.0,
    duration: float | None = None,
) -> int:
    """Add and index one video under `folder` with one clip per vector; returns its id."""
    root = store.add_folder(folder)
    path = str(Path(root.path) / name)
    vid = store.add_pending(root.id, path, 100, mtime, f"hash-{name}")
    store.save_video(
        vid,
        duration=duration if duration is not None else 2.0 * len(vectors),
        fingerprint=fingerprint,
        clips=clips_from(vectors),
        size=100,
        mtime=mtime,
        content_hash=f"hash-{name}",
    )
    return vid


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LibraryStore]:
    s = LibraryStore.open(tmp_path / "library.db")
    yield s
    s.close()
