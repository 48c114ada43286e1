"""Search: a text, image or clip query -> vector -> KNN in the store -> moments grouped per video.

Warnings (e.g. a query longer than the model's context, which is truncated) are returned on the
result list itself (`results.warnings`, a SearchResults is a list[SearchResult]), kept on the
searcher as `searcher.warnings` after each search, and logged.

Grouping: the KNN hits are walked best first; a hit seeds a moment, or joins a moment of the same video
whose time range it touches (within ADJACENT_GAP_S) when its score is within MERGE_MARGIN of that
moment's best clip; a video gets at most `per_video` moments. Too few moments for k fetch more hits
(x4, up to sqlite-vec's 4096).

Two stages: the clip vectors find candidates, then engine.rerank re-scores the best
`searcher.rerank.candidates` of them from their frame features and gives every result frame its
relevance to the query and every result its best moment (`best_t`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from engine.copies import group_copies
from engine.errors import ModelMismatchError, QueryError
from engine.paths import deepest_root
from engine.rerank import FrameMatch, RerankSettings, match_batch, rerank, unit_rows
from engine.results import ResultFrame, SearchFilters, SearchResult
from engine.store import ClipDetail, FrameRecord, LibraryStore

if TYPE_CHECKING:
    from engine.model import GlimpseModel

log = logging.getLogger(__name__)

#: sqlite-vec's KNN limit; more results than this are never fetched.
MAX_FETCH = 4096
#: An image query file above this size is refused before it is read (no photo is this large).
MAX_IMAGE_BYTES = 512 * 2**20
#: Clips closer than this (seconds) count as adjacent.
ADJACENT_GAP_S = 0.5
#: An adjacent clip joins a moment when its score is within this of the moment's best clip.
MERGE_MARGIN = 0.05


@dataclass(frozen=True)
class ImageQuery:
    """Find moments that look like an image file."""

    path: str | os.PathLike[str]


@dataclass(frozen=True)
class ClipQuery:
    """ "More like this": moments similar to a stored clip (the clip itself is left out)."""

    clip_id: int


Query = str | ImageQuery | ClipQuery


class TextEncoder(Protocol):
    """Encodes text queries for one model: engine.query.TextQueryEncoder (no torch) or model.queries."""

    @property
    def fingerprint(self) -> str: ...
    @property
    def spec(self) -> str: ...
    @property
    def is_zero_shot(self) -> bool: ...
    def text_truncated(self, text: str) -> bool: ...
    def encode_text(self, texts: list[str]) -> np.ndarray: ...


class SearchResults(list[SearchResult]):
    """Ranked moments plus sentences about the query (e.g. that it was truncated)."""

    def __init__(self, results: list[SearchResult] | None = None, warnings: list[str] | None = None) -> None:
        super().__init__(results or [])
        self.warnings: list[str] = list(warnings or [])


@dataclass
class _Moment:
    video_id: int
    start: float
    end: float
    score: float
    clips: list[tuple[ClipDetail, float]] = field(default_factory=list)


class Searcher:
    """Answers queries over one open library with the model its vectors were made with."""

    def __init__(
        self, store: LibraryStore, model: GlimpseModel | None, *, text_encoder: TextEncoder | None = None
    ) -> None:
        """Bind a store and a model; refuses a model other than the library's.

        text_encoder: encodes text queries when no model is given (engine.query's torch-free one).

        Raises:
            ModelMismatchError: the library was indexed with a model of another fingerprint.
        """
        library_fp = store.model_fingerprint()
        for source in (model, text_encoder):
            if source is not None and library_fp is not None and library_fp != source.fingerprint:
                spec = store.get_meta("model_spec") or "another model"
                raise ModelMismatchError(
                    f"This library was indexed with {spec}, not with {source.spec}; reindex needed "
                    "before searching with this model (search never mixes vectors of two models)."
                )
        self.store = store
        self.model = model
        self.text_encoder = text_encoder
        self.warnings: list[str] = []
        self.merge_margin = MERGE_MARGIN
        self.hide_copies = True  # show a moment held in several files once, the others in `copies`
        # "More like this" without a model: a library's model is zero-shot unless it has a head.
        source = model if model is not None else text_encoder
        self.rerank = RerankSettings.for_model(bool(source.is_zero_shot) if source is not None else False)

    # --- query -> vector --------------------------------------------------------------------------
    def query_vector(self, query: Query) -> tuple[np.ndarray, list[str]]:
        """The query's unit vector in the clip space, and warnings about it."""
        vector, _, warnings = self.query_vectors(query)
        return vector, warnings

    def query_vectors(self, query: Query) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(clip-space vector [D], frame-space unit rows [q, D] for the re-rank, warnings)."""
        if isinstance(query, ClipQuery):
            vector = self.store.clip_vector(int(query.clip_id))
            if vector is None:
                raise QueryError(f"Clip {query.clip_id} is not in the library (it may have been reindexed).")
            own = self.store.frame_features([int(query.clip_id)]).get(int(query.clip_id))
            return vector, (own.unit() if own is not None else unit_rows(vector)), []
        if isinstance(query, ImageQuery):
            clip_vec, frame_vec = _image_vectors(self._require_model(), Path(query.path))
            return clip_vec, unit_rows(frame_vec), []
        if not isinstance(query, str):
            raise QueryError("A query must be text, an image file or a clip.")
        text = " ".join(query.split())
        if not text:
            raise QueryError("The query is empty; type what you are looking for.")
        encoder: TextEncoder
        if self.model is None and self.text_encoder is not None:
            encoder = self.text_encoder
        else:
            encoder = self._require_model().queries  # engine.model.queries: NumPy out, no torch here
        warnings = []
        if encoder.text_truncated(text):
            warnings.append("The query is longer than the model can read; only its beginning was used.")
        vec = np.asarray(encoder.encode_text([text])[0], dtype=np.float32)
        return vec, unit_rows(vec), warnings

    def _require_model(self) -> GlimpseModel:
        if self.model is None:
            raise QueryError("Text and image queries need the library's model, and none is loaded.")
        return self.model

    # --- search -----------------------------------------------------------------------------------
    def search(
        self, query: Query, k: int = 20, filters: SearchFilters | None = None, per_video: int = 3
    ) -> SearchResults:
        """Ranked moments for a text, image or clip query.

        Args:
            query: plain text, an ImageQuery or a ClipQuery ("more like this").
            k: how many moments to return (1..4096).
            filters: folder, path substring, duration and modification-date limits.
            per_video: at most this many moments of one video.

        Returns:
            SearchResults (a list of SearchResult, best first) with `.warnings`.

        Raises:
            QueryError: a blank query, an unreadable image or an unknown clip.
        """
        k = max(1, min(int(k), MAX_FETCH))
        per_video = max(1, int(per_video))
        vector, frame_query, warnings = self.query_vectors(query)
        for note in warnings:
            log.warning("%s", note)
        exclude = {int(query.clip_id)} if isinstance(query, ClipQuery) else set()
        fetch = min(MAX_FETCH, max(32, 2 * k))
        roots, offline = [f.path for f in self.store.list_folders()], self.store.offline_roots()
        hide = bool(filters and filters.hide_offline and offline)
        while True:
            # The second stage sees `rerank.candidates` hits; grouping reads details of `fetch` only.
            pool = min(MAX_FETCH, max(fetch, self.rerank.candidates))
            hits = [(c, s) for c, s in self.store.knn(vector, pool, filters) if c not in exclude]
            hits, matches = self._second_stage(frame_query, hits)
            moments = self._group(hits[:fetch], per_video)
            if hide:
                moments = [m for m in moments if deepest_root(m.clips[0][0].path, roots) not in offline]
            exhausted = len(hits) + len(exclude) < pool and len(hits) <= fetch
            if len(moments) >= k or exhausted or fetch >= MAX_FETCH:
                break
            fetch = min(MAX_FETCH, fetch * 4)
        source = self.model or self.text_encoder
        zero_shot = bool(source.is_zero_shot) if source is not None else False
        keep = 2 * k if self.hide_copies else k  # copies fold into one result: take more, cut after
        shown = [d.clip_id for m in moments[:keep] for d, _ in m.clips]
        matches.update(self._matches(frame_query, shown, matches))
        results = [self._result(m, zero_shot, matches) for m in moments[:keep]]
        results = group_copies(self.store, results)[:k] if self.hide_copies else results  # engine.copies
        for r in results:
            r.offline = deepest_root(r.path, roots) in offline
        self.warnings = warnings
        return SearchResults(results, warnings)

    def _second_stage(
        self, frame_query: np.ndarray, hits: list[tuple[int, float]]
    ) -> tuple[list[tuple[int, float]], dict[int, FrameMatch]]:
        """Re-score the top candidates from their frame features (engine.rerank)."""
        n = max(0, int(self.rerank.candidates))
        if n == 0:
            return hits, {}
        matches = self._matches(frame_query, [c for c, _ in hits[:n]], {})
        return rerank(hits, matches, self.rerank), matches

    def _matches(
        self, frame_query: np.ndarray, clip_ids: list[int], known: dict[int, FrameMatch]
    ) -> dict[int, FrameMatch]:
        missing = [c for c in clip_ids if c not in known]
        if not missing:
            return {}
        return match_batch(frame_query, self.store.frame_batch(missing), self.rerank.temperature)

    def _group(self, hits: list[tuple[int, float]], per_video: int) -> list[_Moment]:
        """Best clip first: seed a moment, or extend an adjacent one whose best score is close."""
        details = self.store.clip_details([c for c, _ in hits])
        by_video: dict[int, list[_Moment]] = {}
        for cid, score in hits:
            d = details.get(cid)
            if d is None:
                continue  # deleted between the KNN and now
            moments = by_video.setdefault(d.video_id, [])
            joined = [
                m
                for m in moments
                if d.start <= m.end + ADJACENT_GAP_S
                and d.end >= m.start - ADJACENT_GAP_S
                and score >= m.score - self.merge_margin
            ]
            if joined:
                target = joined[0]
                for other in joined[1:]:  # the clip bridges two moments
                    target.clips += other.clips
                    target.start, target.end = min(target.start, other.start), max(target.end, other.end)
                    moments.remove(other)
                target.clips.append((d, score))
                target.start, target.end = min(target.start, d.start), max(target.end, d.end)
            elif len(moments) < per_video:
                moments.append(_Moment(d.video_id, d.start, d.end, score, [(d, score)]))
        every = [m for ms in by_video.values() for m in ms]
        every.sort(key=lambda m: -m.score)
        return every

    @staticmethod
    def _result(m: _Moment, zero_shot: bool, matches: dict[int, FrameMatch] | None = None) -> SearchResult:
        clips = sorted(m.clips, key=lambda item: item[0].start)
        first = clips[0][0]
        matches = matches or {}
        frames = [
            ResultFrame(
                t=f.t,
                weight=None if zero_shot else f.weight,
                thumb=f.thumb,
                clip_id=d.clip_id,
                relevance=rel,
            )
            for d, _ in clips
            for f, rel in zip(d.frames, _relevances(matches.get(d.clip_id), d.frames), strict=True)
        ]
        rated = [f for f in frames if f.relevance is not None]
        best_t = max(rated, key=lambda f: f.relevance or 0.0).t if rated else m.start
        best_t = min(max(best_t, m.start), m.end)
        return SearchResult(
            video_id=m.video_id,
            path=first.path,
            start=m.start,
            end=m.end,
            score=m.score,
            clip_ids=[d.clip_id for d, _ in clips],
            frames=frames,
            duration=first.duration,
            zero_shot=zero_shot,
            best_t=best_t,
        )


def _relevances(match: FrameMatch | None, frames: list[FrameRecord]) -> list[float | None]:
    """Each frame's relevance: the stored feature nearest its time (frame and feature rows share times)."""
    if match is None:
        return [None] * len(frames)
    return match.relevance_at([f.t for f in frames])


def _image_vectors(model: GlimpseModel, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """An image as a query: its one-frame clip vector and its frame feature (engine.model.queries)."""
    import cv2

    if path.is_dir():
        raise QueryError(f"{path} is a folder, not an image.")
    if not path.exists():
        raise QueryError(f"The image {path} does not exist.")
    if not path.is_file():  # never opened: a pipe would block and /dev/zero would never end
        raise QueryError(f"{path} is not an image file (it is a pipe, socket or device).")
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise QueryError(f"{path.name} is too large to be an image ({path.stat().st_size:,} bytes).")
    data = np.fromfile(str(path), dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise QueryError(f"{path.name} is not an image Glimpse can read.")
    rgb = np.ascontiguousarray(bgr[:, :, ::-1])
    return model.queries.encode_image(rgb)


def search(
    query: Query,
    k: int = 20,
    filters: SearchFilters | None = None,
    *,
    db: str | os.PathLike[str] | None = None,
    model: GlimpseModel | None = None,
    per_video: int = 3,
) -> SearchResults:
    """Search the library in one call.

    Args:
        query: plain text, ImageQuery(path) or ClipQuery(clip_id).
        k: how many moments (1..4096).
        filters: optional SearchFilters.
        db: the library database; default config.db_path().
        model: the model to encode the query; default the library's own (engine.model.choice),
            loaded once and kept for later calls (engine.model.cache).
        per_video: at most this many moments of one video.

    Returns:
        SearchResults: SearchResult list, best first, with `.warnings`.

    Raises:
        QueryError: bad query. ModelMismatchError: the model is not the library's (reindex needed).
        StoreError and subclasses: the library cannot be opened.
    """
    with LibraryStore.open(Path(db) if db else None, readonly=True) as store:
        if model is None and not isinstance(query, ClipQuery):
            if store.model_fingerprint() is None:
                return SearchResults([], ["The library has no indexed videos yet."])
            from engine.model.cache import models
            from engine.model.choice import library_model_spec

            model = models.get(library_model_spec(store))
        return Searcher(store, model).search(query, k=k, filters=filters, per_video=per_video)
