"""Copies shown once: results whose videos hold the same content (re-encodes, other sizes, containers).

Two results are copies when their videos last as long (within COPY_DURATION_TOL), the moments cover
the same stretch (starts and ends within COPY_TIME_TOL) and the moments' clip vectors point the same
way (cosine >= COPY_MIN_COSINE). The vectors come from decoded frames, so a file re-encoded at another
resolution, bitrate or container gives nearly the same vector, where a byte hash would differ; the
duration and time checks keep two different videos that happen to look alike (same room, same
light) apart. A model with little discrimination (the random `tiny`, or a zero-shot model on
look-alike footage) can score two different videos above the threshold, so the moments' stored
thumbnails must agree too: each frame shrunk to 8x8 colour means, paired by timestamp, within
COPY_MAX_PIXEL_DIFF (a re-encode or a resize changes such means by a percent or two).
The best-ranked result keeps its place and lists the others in `copies`.
"""

from __future__ import annotations

import logging

import numpy as np

from engine.results import CopyRef, SearchResult
from engine.store import LibraryStore

log = logging.getLogger(__name__)

#: Cosine of the moments' clip vectors at or above which they show the same thing. Re-encodes measure
#: 0.9999 on the test footage where a different video of the same length and layout measures 0.986.
COPY_MIN_COSINE = 0.99
#: Videos whose lengths differ by more than this (seconds, or 2% of the length) are not copies.
COPY_DURATION_TOL = 0.5
#: Moments whose starts or ends differ by more than this (seconds) are not the same stretch.
COPY_TIME_TOL = 1.0
#: Mean absolute difference (0..1) of the 8x8 colour means of frames at the same time, at most. The
#: test footage measures 0.004-0.006 between copies and 0.20 or more between different videos.
COPY_MAX_PIXEL_DIFF = 0.06


def _thumb_means(result: SearchResult) -> list[tuple[float, np.ndarray]]:
    """(t, 8x8x3 colour means in 0..1) of each stored frame thumbnail that decodes."""
    import cv2  # loaded with the first search that has results, as engine.search does for images

    out = []
    for frame in sorted(result.frames, key=lambda f: f.t):
        if not frame.thumb:
            continue
        img = cv2.imdecode(np.frombuffer(frame.thumb, np.uint8), cv2.IMREAD_COLOR)
        if img is not None:
            small = cv2.resize(img, (8, 8), interpolation=cv2.INTER_AREA)
            out.append((frame.t, small.astype(np.float32) / 255.0))
    return out


def _frames_agree(a: list[tuple[float, np.ndarray]], b: list[tuple[float, np.ndarray]]) -> bool:
    """True when the frames at the same times look alike (or either side has no thumbnails to compare)."""
    if not a or not b:
        return True
    diffs = []
    for t, img in a:
        bt, other = min(b, key=lambda item: abs(item[0] - t))
        if abs(bt - t) <= COPY_TIME_TOL:
            diffs.append(float(np.mean(np.abs(img - other))))
    return bool(diffs) and float(np.mean(diffs)) <= COPY_MAX_PIXEL_DIFF


def _moment_vector(store: LibraryStore, result: SearchResult) -> np.ndarray | None:
    vectors = [v for v in (store.clip_vector(c) for c in result.clip_ids) if v is not None]
    if not vectors:
        return None
    mean = np.mean(np.stack(vectors), axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else None


def _same_stretch(a: SearchResult, b: SearchResult) -> bool:
    tol = max(COPY_DURATION_TOL, 0.02 * max(a.duration, b.duration))
    return (
        a.video_id != b.video_id
        and abs(a.duration - b.duration) <= tol
        and abs(a.start - b.start) <= COPY_TIME_TOL
        and abs(a.end - b.end) <= COPY_TIME_TOL
    )


def group_copies(store: LibraryStore, results: list[SearchResult]) -> list[SearchResult]:
    """`results` with each moment shown once: later copies move into the first one's `copies`."""
    kept: list[tuple[SearchResult, np.ndarray | None]] = []
    thumbs: dict[int, list[tuple[float, np.ndarray]]] = {}  # decoded only for a likely pair (cv2 is slow)

    def thumbs_of(result: SearchResult) -> list[tuple[float, np.ndarray]]:
        if id(result) not in thumbs:
            thumbs[id(result)] = _thumb_means(result)
        return thumbs[id(result)]

    for result in results:
        vector = _moment_vector(store, result)
        owner = next(
            (
                k
                for k, kv in kept
                if kv is not None
                and vector is not None
                and _same_stretch(k, result)
                and float(kv @ vector) >= COPY_MIN_COSINE
                and all(c.path != result.path for c in k.copies)
                and _frames_agree(thumbs_of(k), thumbs_of(result))
            ),
            None,
        )
        if owner is None:
            kept.append((result, vector))
        else:
            owner.copies.append(CopyRef(result.path, result.start, result.end))
            log.debug("%s is a copy of %s", result.path, owner.path)
    return [k for k, _ in kept]
