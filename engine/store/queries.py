"""The read side of LibraryStore: video rows, reports, KNN and clip details."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager

import numpy as np

from engine.results import SearchFilters
from engine.store import filters as flt
from engine.store import frame_features as ff
from engine.store import vec_table
from engine.store.ann_build import IndexState, IndexStatus, saved_status
from engine.store.db import Connection, rows, scalar
from engine.store.integrity import find_problems
from engine.store.knn import VectorSearch
from engine.store.rows import ClipDetail, FrameRecord, LibraryCounts, VideoRow, VideoStatus

VIDEO_COLUMNS = (
    "id, folder_id, path, size, mtime, content_hash, duration, status, error, fingerprint, indexed_at"
)


def _video_row(r: Sequence[object]) -> VideoRow:
    return VideoRow(
        id=int(r[0]),  # type: ignore[call-overload]
        folder_id=int(r[1]),  # type: ignore[call-overload]
        path=str(r[2]),
        size=int(r[3]),  # type: ignore[call-overload]
        mtime=float(r[4]),  # type: ignore[arg-type]
        content_hash=str(r[5]),
        duration=None if r[6] is None else float(r[6]),  # type: ignore[arg-type]
        status=VideoStatus(str(r[7])),
        error=None if r[8] is None else str(r[8]),
        fingerprint=None if r[9] is None else str(r[9]),
        indexed_at=None if r[10] is None else float(r[10]),  # type: ignore[arg-type]
    )


class LibraryQueries:
    """Read-only queries; LibraryStore supplies `_read()` (a snapshot on this thread's connection)."""

    vectors: VectorSearch

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def videos(self, folder_id: int | None = None, status: VideoStatus | str | None = None) -> list[VideoRow]:
        """Videos, optionally of one folder and/or one status, by path."""
        sql = f"SELECT {VIDEO_COLUMNS} FROM videos WHERE 1"
        params: list[object] = []
        if folder_id is not None:
            sql += " AND folder_id = ?"
            params.append(folder_id)
        if status is not None:
            sql += " AND status = ?"
            params.append(str(VideoStatus(status)))
        with self._read() as c:
            return [_video_row(r) for r in c.execute(sql + " ORDER BY path", params)]

    def video(self, video_id: int) -> VideoRow | None:
        """One video by id."""
        with self._read() as c:
            found = rows(c, f"SELECT {VIDEO_COLUMNS} FROM videos WHERE id = ?", (video_id,))
        return _video_row(found[0]) if found else None

    def video_by_path(self, path: str | os.PathLike[str]) -> VideoRow | None:
        """One video by its path (as stored), or None."""
        with self._read() as c:
            found = rows(c, f"SELECT {VIDEO_COLUMNS} FROM videos WHERE path = ?", (os.fspath(path),))
        return _video_row(found[0]) if found else None

    def videos_by_hash(self, content_hash: str) -> list[VideoRow]:
        """Videos with this partial content hash (a moved or copied file)."""
        with self._read() as c:
            return [
                _video_row(r)
                for r in c.execute(
                    f"SELECT {VIDEO_COLUMNS} FROM videos WHERE content_hash = ? ORDER BY id", (content_hash,)
                )
            ]

    # --- reports ----------------------------------------------------------------------------------
    def counts(self) -> LibraryCounts:
        """Videos by status, videos in offline folders, and clips."""
        with self._read() as c:
            by_status = dict(rows(c, "SELECT status, count(*) FROM videos GROUP BY status"))
            offline = scalar(
                c, "SELECT count(*) FROM videos v JOIN folders f ON f.id = v.folder_id WHERE f.online = 0"
            )
            clips = scalar(c, "SELECT count(*) FROM clips")
        return LibraryCounts(
            indexed=int(by_status.get("indexed", 0)),
            failed=int(by_status.get("failed", 0)),
            pending=int(by_status.get("pending", 0)),
            offline=int(offline),
            clips=int(clips),
        )

    def failures(self) -> list[tuple[str, str]]:
        """(path, reason) of every failed video."""
        with self._read() as c:
            return [
                (str(p), str(e or ""))
                for p, e in c.execute("SELECT path, error FROM videos WHERE status = 'failed' ORDER BY path")
            ]

    def check(self) -> list[str]:
        """Problems found by an integrity check; an empty list means the library is sound."""
        with self._read() as c:
            return find_problems(c)

    # --- vectors and search -----------------------------------------------------------------------
    def knn(
        self, vector: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        """The k clips nearest to `vector` by cosine, best first: (clip_id, cosine).

        k is clamped to 1..4096 (sqlite-vec's limit); with filters, the k best clips among those that pass.
        """
        with self._read() as c:
            return self.vectors.knn(c, vector, k, filters)

    def candidates(
        self, vector: np.ndarray, n: int = 200, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        """Candidate clips for a re-rank stage: the n best (clip_id, exact cosine), best first.

        Small libraries and small filtered sets are searched exactly; big ones through the ANN index,
        whose candidates are re-scored with the stored float32 vectors (scores are true cosines).
        """
        with self._read() as c:
            return self.vectors.candidates(c, vector, n, filters)

    def vector_index_status(self) -> IndexStatus:
        """The ANN index's state: none (exact search), building (with progress) or ready."""
        here = self.vectors.status()
        if here.state is not IndexState.NONE:
            return here
        with self._read() as c:
            clips = vec_table.clip_count(c)
        return saved_status(self.vectors.path, clips, self.vectors.ann_min)

    def filter_candidates(self, filters: SearchFilters) -> list[int]:
        """Clip ids whose videos pass the filters, ascending."""
        with self._read() as c:
            return flt.candidate_clips(c, filters)

    def clip_vector(self, clip_id: int) -> np.ndarray | None:
        """A clip's stored vector, or None when the clip is unknown."""
        with self._read() as c:
            dim = vec_table.vector_dim(c)
            if dim is None:
                return None
            return vec_table.fetch(c, [int(clip_id)], dim).get(int(clip_id))

    def clip_details(self, clip_ids: Sequence[int]) -> dict[int, ClipDetail]:
        """Video path, time range, video duration and frames of each known clip id."""
        ids = json.dumps([int(i) for i in clip_ids])
        with self._read() as c:
            frames: dict[int, list[FrameRecord]] = {}
            for cid, t, w, thumb in c.execute(
                "SELECT clip_id, t, weight, thumb FROM frames "
                "WHERE clip_id IN (SELECT value FROM json_each(?)) "
                "ORDER BY clip_id, t",
                (ids,),
            ):
                frames.setdefault(int(cid), []).append(FrameRecord(float(t), float(w), bytes(thumb or b"")))
            out: dict[int, ClipDetail] = {}
            for cid, vid, path, start, end, duration, mtime in c.execute(
                'SELECT c.id, c.video_id, v.path, c.start, c."end", v.duration, v.mtime FROM clips c '
                "JOIN videos v ON v.id = c.video_id WHERE c.id IN (SELECT value FROM json_each(?))",
                (ids,),
            ):
                out[int(cid)] = ClipDetail(
                    int(cid),
                    int(vid),
                    str(path),
                    float(start),
                    float(end),
                    float(duration or 0.0),
                    frames.get(int(cid), []),
                    float(mtime),
                )
        return out

    def frame_features(self, clip_ids: Sequence[int]) -> dict[int, ff.FrameFeatures]:
        """The stored frame features (times, int8 codes, scales) of each clip that has them."""
        with self._read() as c:
            return ff.fetch(c, clip_ids)

    def frame_batch(self, clip_ids: Sequence[int]) -> ff.FrameBatch:
        """The same as frame_features, in flat arrays read by one statement (the re-rank's path)."""
        with self._read() as c:
            return ff.fetch_batch(c, clip_ids)

    def videos_lacking_features(self) -> int:
        """Indexed videos without frame features (indexed before they were kept; reindex fills them)."""
        with self._read() as c:
            return ff.videos_lacking(c)

    def videos_with_features(self) -> list[int]:
        """Indexed videos all of whose clips have frame features (a new head can be applied to them)."""
        with self._read() as c:
            return ff.videos_complete(c)

    def clips_of_videos(self, video_ids: Sequence[int]) -> dict[int, list[int]]:
        """Clip ids of each video, by start."""
        with self._read() as c:
            return ff.clips_of_videos(c, video_ids)

    def storage_bytes(self) -> dict[str, int]:
        """Payload bytes of thumbnails and frame features, with frame and clip counts (for benchmarks)."""
        with self._read() as c:
            return ff.storage_bytes(c)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read snapshot on this thread's connection, for engine.store's own modules."""
        with self._read() as c:
            yield c
