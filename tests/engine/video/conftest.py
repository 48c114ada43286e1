"""Video fixtures: files with known content, written once per session by OpenCV (edited by mp4edit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.video import DecoderPool
from tests.engine.video import makers


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("videos")


@pytest.fixture(scope="session")
def colour_mp4(video_dir: Path) -> Path:
    """6 s at 10 fps, 160x120, MPEG-4 Part 2: the marker colour changes every second."""
    return makers.colour_seconds(video_dir / "colours.mp4", seconds=6, fps=10)


@pytest.fixture(scope="session")
def cut_mp4(video_dir: Path) -> Path:
    """9 s at 10 fps with a hard cut at 4.3 s (frame 43)."""
    return makers.two_shots(video_dir / "cut.mp4", cut_frame=43, total=90, fps=10)


@pytest.fixture()
def pool():
    """A private decoder pool (tests that kill or stop workers must not disturb the shared one)."""
    p = DecoderPool()
    yield p
    p.close()
