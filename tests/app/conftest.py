"""Fixtures for the app tests: result data built from real engine dataclasses and real JPEG thumbnails."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.results import ResultFrame, SearchResult


def jpeg(color: tuple[int, int, int], w: int = 96, h: int = 54) -> bytes:
    """A solid-colour JPEG (RGB colour), as the video layer stores thumbnails."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = color[::-1]  # OpenCV wants BGR
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


def make_result(
    weights: list[float],
    *,
    zero_shot: bool = False,
    path: str = "/videos/trip/beach.mp4",
    start: float = 83.0,
    end: float = 95.0,
    score: float = 0.42,
    relevance: list[float] | None = None,
) -> SearchResult:
    """A SearchResult with one grey frame per weight (None weights when zero-shot, as search gives)."""
    frames = [
        ResultFrame(
            t=start + i,
            weight=None if zero_shot else w,
            thumb=jpeg((128, 128, 128)),
            clip_id=7,
            relevance=None if relevance is None else relevance[i],
        )
        for i, w in enumerate(weights)
    ]
    return SearchResult(
        video_id=1,
        path=path,
        start=start,
        end=end,
        score=score,
        clip_ids=[7],
        frames=frames,
        duration=300.0,
        zero_shot=zero_shot,
        best_t=None if relevance is None else start + max(range(len(relevance)), key=relevance.__getitem__),
    )


@pytest.fixture
def result_factory():
    """Build SearchResults with given AFA weights."""
    return make_result
