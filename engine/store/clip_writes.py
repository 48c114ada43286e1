"""Writing one video's clips, frames, frame features and vectors (inside the caller's transaction).

LibraryStore.save_video validates first (`prepare_clips`, before any write starts), then calls
`ensure_model` and `replace_clips` in one write transaction, so a crash leaves the old clips or the
new ones, never a mix.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from engine.errors import StoreError
from engine.store import frame_features, vec_table
from engine.store.db import Connection
from engine.store.rows import ClipRecord

log = logging.getLogger(__name__)


def prepare_clips(clips: Sequence[ClipRecord]) -> list[tuple[np.ndarray, ClipRecord]]:
    """Validate and normalize clip vectors before any write starts."""
    if not clips:
        raise StoreError("A video must be saved with at least one clip; mark it failed instead.")
    out: list[tuple[np.ndarray, ClipRecord]] = []
    dim: int | None = None
    for clip in clips:
        v = np.asarray(clip.vector, dtype=np.float32).reshape(-1)
        if dim is None:
            dim = v.shape[0]
        if v.shape[0] != dim or dim == 0:
            raise StoreError("The clips of one video have vectors of different sizes.")
        norm = float(np.linalg.norm(v))
        if not np.isfinite(v).all() or norm == 0.0:
            raise StoreError("A clip vector is zero or not finite; the model produced a bad embedding.")
        out.append((np.ascontiguousarray(v / norm, dtype="<f4"), clip))
    return out


def ensure_model(c: Connection, fingerprint: str, dim: int) -> None:
    """Make the vector table fit this model; a new model drops the old vectors (in this transaction)."""
    current_fp = vec_table.get_meta(c, "model_fingerprint")
    current_dim = vec_table.vector_dim(c)
    if current_fp == fingerprint and current_dim == dim:
        return
    if current_fp is not None and current_fp != fingerprint:
        log.warning(
            "library model changes from %s to %s: every video needs reindexing", current_fp, fingerprint
        )
        c.execute("DELETE FROM clips")
        c.execute("UPDATE videos SET status = 'pending' WHERE status = 'indexed'")
        vec_table.create_table(c, dim)
    elif current_dim is None:
        vec_table.create_table(c, dim)
    elif current_dim != dim:
        raise StoreError(f"A vector has {dim} dimensions but this model's library uses {current_dim}.")
    vec_table.set_meta(c, "model_fingerprint", fingerprint)


def replace_clips(c: Connection, video_id: int, prepared: Sequence[tuple[np.ndarray, ClipRecord]]) -> int:
    """Replace a video's clips, frames, frame features and vectors; returns how many clips had features."""
    vec_table.delete_for_videos(c, [video_id])
    c.execute("DELETE FROM clips WHERE video_id = ?", (video_id,))
    vec_rows: list[tuple[int, bytes]] = []
    frame_rows: list[tuple[int, float, float, bytes]] = []
    feature_rows = []
    for vector, clip in prepared:
        c.execute(
            'INSERT INTO clips(video_id, start, "end") VALUES (?, ?, ?)',
            (video_id, float(clip.start), float(clip.end)),
        )
        clip_id = c.last_insert_rowid()
        vec_rows.append((clip_id, vector.tobytes()))
        frame_rows += [(clip_id, float(f.t), float(f.weight), bytes(f.thumb)) for f in clip.frames]
        if clip.frames and all(f.feature is not None for f in clip.frames):
            feats = np.stack([np.asarray(f.feature, dtype=np.float32) for f in clip.frames])
            feature_rows.append(frame_features.row_for(clip_id, [f.t for f in clip.frames], feats))
    c.executemany("INSERT INTO frames(clip_id, t, weight, thumb) VALUES (?, ?, ?, ?)", frame_rows)
    vec_table.insert(c, vec_rows)
    frame_features.insert(c, feature_rows)
    return len(feature_rows)
