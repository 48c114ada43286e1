"""Per-frame backbone features of each clip (the frame re-rank's and a new head's input).

One row per clip in `frame_features` (migration m002): the frames' timestamps (float32), one scale per
frame (float32) and the int8 codes of the frame features (`encode_frames` output, not normalized):
feature ≈ codes * scale, symmetric per-frame quantization. A frame costs dim + 8 bytes (520 B for a
512-dim backbone), under the 1 KB budget for backbones up to 1016 dims; its cosine to a query differs
from fp32's by well under 0.01 (tests/engine/store/test_frame_features.py measures it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.errors import StoreError
from engine.store.db import Connection, scalar

#: Clip ids bound per statement by fetch_batch (well under SQLite's parameter limit).
BATCH_IDS = 500


@dataclass(frozen=True)
class FrameFeatures:
    """The stored frame features of one clip."""

    clip_id: int
    times: np.ndarray  # [m] float32 seconds into the video
    scales: np.ndarray  # [m] float32
    codes: np.ndarray  # [m, D] int8

    def raw(self) -> np.ndarray:
        """[m, D] float32 features as the head consumes them (dequantized)."""
        return self.codes.astype(np.float32) * self.scales[:, None]

    def unit(self) -> np.ndarray:
        """[m, D] float32 L2-normalized features (the scale cancels out)."""
        x = self.codes.astype(np.float32)
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.maximum(norms, 1e-12)


@dataclass(frozen=True)
class FrameBatch:
    """The stored frame features of many clips in flat arrays (the re-rank reads N clips at once).

    Clip i owns rows starts[i] : starts[i] + counts[i] of times, scales and codes.
    """

    clip_ids: np.ndarray  # [n] int64
    counts: np.ndarray  # [n] int64 frames per clip
    times: np.ndarray  # [total] float32
    scales: np.ndarray  # [total] float32
    codes: np.ndarray  # [total, D] int8

    @property
    def starts(self) -> np.ndarray:
        """[n] each clip's first row."""
        return np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)

    def __len__(self) -> int:
        return int(self.clip_ids.shape[0])

    @classmethod
    def of(cls, features: Sequence[FrameFeatures]) -> FrameBatch:
        """A batch of per-clip features (all of one dim)."""
        if not features:
            return cls.empty()
        return cls(
            np.array([f.clip_id for f in features], dtype=np.int64),
            np.array([f.codes.shape[0] for f in features], dtype=np.int64),
            np.concatenate([np.asarray(f.times, dtype=np.float32) for f in features]),
            np.concatenate([np.asarray(f.scales, dtype=np.float32) for f in features]),
            np.concatenate([f.codes for f in features], axis=0),
        )

    @classmethod
    def empty(cls, dim: int = 0) -> FrameBatch:
        """No clips."""
        none = np.zeros(0, dtype=np.int64)
        flat = np.zeros(0, dtype=np.float32)
        return cls(none, none, flat, flat, np.zeros((0, dim), dtype=np.int8))


def quantize(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per frame: ([m] float32 scales, [m, D] int8 codes)."""
    x = np.asarray(feats, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] == 0 or not np.isfinite(x).all():
        raise StoreError("Frame features must be a finite [frames, dim] array.")
    peak = np.abs(x).max(axis=1)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(x / scales[:, None]), -127, 127).astype(np.int8)
    return scales, codes


def row_for(clip_id: int, times: Sequence[float], feats: np.ndarray) -> tuple[int, int, bytes, bytes, bytes]:
    """The `frame_features` row of one clip."""
    scales, codes = quantize(feats)
    t = np.asarray(times, dtype="<f4")
    if t.shape[0] != codes.shape[0]:
        raise StoreError("A clip's frame features and its frame times differ in number.")
    return (
        int(clip_id),
        int(codes.shape[1]),
        t.tobytes(),
        scales.astype("<f4").tobytes(),
        np.ascontiguousarray(codes).tobytes(),
    )


def insert(conn: Connection, rows: Sequence[tuple[int, int, bytes, bytes, bytes]]) -> None:
    """Write rows from row_for (inside the caller's transaction)."""
    conn.executemany(
        "INSERT OR REPLACE INTO frame_features(clip_id, dim, times, scales, codes) VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def fetch(conn: Connection, clip_ids: Sequence[int]) -> dict[int, FrameFeatures]:
    """The stored features of each clip that has them."""
    out: dict[int, FrameFeatures] = {}
    if not clip_ids:
        return out
    ids = "[" + ",".join(str(int(i)) for i in clip_ids) + "]"
    for cid, dim, times, scales, codes in conn.execute(
        "SELECT clip_id, dim, times, scales, codes FROM frame_features "
        "WHERE clip_id IN (SELECT value FROM json_each(?))",
        (ids,),
    ):
        t = np.frombuffer(times, dtype="<f4")
        c = np.frombuffer(codes, dtype=np.int8).reshape(t.shape[0], int(dim))
        out[int(cid)] = FrameFeatures(int(cid), t, np.frombuffer(scales, dtype="<f4"), c)
    return out


def fetch_batch(conn: Connection, clip_ids: Sequence[int]) -> FrameBatch:
    """The stored features of the clips that have them, as one FrameBatch (in the store's row order).

    One statement per BATCH_IDS clips with the ids bound as parameters (half the time of a json_each
    list at N=200, measured); the blobs of each column are joined and decoded by one np.frombuffer
    each, so the cost is the SQL read plus three copies, not three NumPy objects per clip.
    """
    ids = [int(i) for i in clip_ids]
    got: list[tuple[Any, ...]] = []
    for at in range(0, len(ids), BATCH_IDS):
        part = ids[at : at + BATCH_IDS]
        got += conn.execute(
            "SELECT clip_id, dim, length(times) / 4, times, scales, codes FROM frame_features "
            f"WHERE clip_id IN ({','.join('?' * len(part))})",
            part,
        )
    if not got:
        return FrameBatch.empty()
    cids, dims, counts, times, scales, codes = zip(*got, strict=True)
    dim = int(dims[0])
    if any(int(d) != dim for d in dims):
        raise StoreError("The library holds frame features of two different sizes; reindex it.")
    flat = np.frombuffer(b"".join(codes), dtype=np.int8)
    return FrameBatch(
        np.array(cids, dtype=np.int64),
        np.array(counts, dtype=np.int64),
        np.frombuffer(b"".join(times), dtype="<f4"),
        np.frombuffer(b"".join(scales), dtype="<f4"),
        flat.reshape(flat.shape[0] // max(dim, 1), dim),
    )


def clips_of_videos(conn: Connection, video_ids: Sequence[int]) -> dict[int, list[int]]:
    """Clip ids (by start) of each video, for re-encoding from stored features."""
    out: dict[int, list[int]] = {}
    ids = "[" + ",".join(str(int(i)) for i in video_ids) + "]"
    for cid, vid in conn.execute(
        "SELECT id, video_id FROM clips WHERE video_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY video_id, start",
        (ids,),
    ):
        out.setdefault(int(vid), []).append(int(cid))
    return out


def videos_lacking(conn: Connection) -> int:
    """Indexed videos with at least one clip that has no frame features (made before m002)."""
    return int(
        scalar(
            conn,
            "SELECT count(DISTINCT c.video_id) FROM clips c JOIN videos v ON v.id = c.video_id "
            "LEFT JOIN frame_features f ON f.clip_id = c.id "
            "WHERE v.status = 'indexed' AND f.clip_id IS NULL",
        )
    )


def videos_complete(conn: Connection) -> list[int]:
    """Indexed videos every clip of which has frame features (a new head can be applied to them)."""
    return [
        int(r[0])
        for r in conn.execute(
            "SELECT c.video_id FROM clips c JOIN videos v ON v.id = c.video_id "
            "LEFT JOIN frame_features f ON f.clip_id = c.id WHERE v.status = 'indexed' "
            "GROUP BY c.video_id HAVING count(f.clip_id) = count(*) ORDER BY c.video_id"
        )
    ]


def update_weights(conn: Connection, clip_id: int, weights: Sequence[float]) -> None:
    """Replace a clip's AFA weights (frames in time order), for a new head."""
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM frames WHERE clip_id = ? ORDER BY t", (clip_id,))]
    if len(ids) != len(weights):
        raise StoreError(f"Clip {clip_id} has {len(ids)} frames but {len(weights)} weights were given.")
    conn.executemany(
        "UPDATE frames SET weight = ? WHERE id = ?",
        [(float(w), i) for w, i in zip(weights, ids, strict=True)],
    )


def storage_bytes(conn: Connection) -> dict[str, int]:
    """Payload bytes by kind: thumbnails, frame features (codes, scales, times), frames and clips counted."""
    thumbs, frames = (
        int(x or 0) for x in next(iter(conn.execute("SELECT sum(length(thumb)), count(*) FROM frames")))
    )
    feats = int(
        scalar(conn, "SELECT sum(length(codes) + length(scales) + length(times)) FROM frame_features") or 0
    )
    clips = int(scalar(conn, "SELECT count(*) FROM clips"))
    return {"thumbnails": thumbs, "frame_features": feats, "frames": frames, "clips": clips}
