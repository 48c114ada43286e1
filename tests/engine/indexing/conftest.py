"""Fixtures for indexing tests: small real video files written with OpenCV."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest


def pattern_frame(seed: int, size: tuple[int, int] = (96, 64)) -> np.ndarray:
    """A distinctive BGR picture for one video: coarse random blocks, upscaled."""
    rng = np.random.default_rng(seed)
    w, h = size
    blocks = rng.integers(0, 256, size=(4, 6, 3), dtype=np.uint8)
    return cv2.resize(blocks, (w, h), interpolation=cv2.INTER_NEAREST)


def write_video(
    path: Path, seed: int, seconds: float = 3.0, fps: int = 8, size: tuple[int, int] = (96, 64)
) -> Path:
    """Write an MJPG .avi (or mp4v .mp4) of a still pattern with a moving bar, `seconds` long."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fourcc = "mp4v" if path.suffix == ".mp4" else "MJPG"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"cannot write {path}"
    base = pattern_frame(seed, size)
    for i in range(int(seconds * fps)):
        frame = base.copy()
        x = (i * 3) % size[0]
        frame[:, x : x + 2] = 255
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def make_video():
    return write_video


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A folder with three short videos (seeds 1, 2, 3) and one subfolder video (seed 4)."""
    root = tmp_path / "videos"
    write_video(root / "alpha.avi", 1)
    write_video(root / "beta.avi", 2)
    write_video(root / "gamma.mp4", 3)
    write_video(root / "trips" / "delta.avi", 4)
    return root
