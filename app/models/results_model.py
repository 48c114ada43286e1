"""The list model of search results: one row per moment, with custom roles the card delegate reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from pathlib import PurePath
from typing import Any

from PySide6.QtCore import QAbstractListModel, QByteArray, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QImage

from app.formatting import format_range, format_score, format_time
from engine.results import ResultFrame, SearchResult

#: Frames whose weight is at least this share of the top frame's count as highlighted...
HIGHLIGHT_SHARE = 0.5
#: ...and only when they stand out from a uniform spread (weight > this / number of frames):
#: near-uniform weights highlight nothing but the top frame instead of every frame.
ABOVE_UNIFORM = 1.5
#: Frames whose query relevance is within this share of the moment's spread from the best are outlined...
RELEVANCE_SHARE = 0.8
#: ...but no more than this many (a static shot has many near-equal frames; the outline must still point).
MAX_OUTLINED = 3
#: A moment whose frames' relevances span less than this is flat: only its best frame is outlined.
FLAT_RELEVANCE = 0.01


class ResultRole(IntEnum):
    """Custom roles of ResultsModel."""

    RESULT = Qt.ItemDataRole.UserRole + 1  # the SearchResult itself
    TITLE = Qt.ItemDataRole.UserRole + 2  # file name
    FOLDER = Qt.ItemDataRole.UserRole + 3  # containing folder
    RANGE_TEXT = Qt.ItemDataRole.UserRole + 4  # "01:23–01:35"
    SCORE = Qt.ItemDataRole.UserRole + 5  # float
    THUMBS = Qt.ItemDataRole.UserRole + 6  # list[QImage], one per frame
    HIGHLIGHTS = Qt.ItemDataRole.UserRole + 7  # list[FrameHighlight], one per frame
    ASPECTS = Qt.ItemDataRole.UserRole + 12  # list[float]: each thumbnail's width / height
    ZERO_SHOT = Qt.ItemDataRole.UserRole + 8  # bool: weights carry no meaning
    PATH = Qt.ItemDataRole.UserRole + 9
    START = Qt.ItemDataRole.UserRole + 10  # seconds
    TOP_CLIP_ID = Qt.ItemDataRole.UserRole + 11  # the clip "more like this" searches from
    OFFLINE = Qt.ItemDataRole.UserRole + 13  # bool: its library folder is offline (cannot play now)
    BEST_T = Qt.ItemDataRole.UserRole + 14  # seconds: the best moment (the result's start when unknown)
    LEGEND = Qt.ItemDataRole.UserRole + 15  # HighlightKind: what the filmstrip's marks mean


class HighlightKind(StrEnum):
    """What a card's outlines and bars show."""

    RELEVANCE_AND_AFA = "relevance+afa"  # outlines: query relevance; bars: the trained head's AFA weights
    RELEVANCE = "relevance"  # zero-shot: outlines follow the query relevance, no bars
    AFA = "afa"  # frames without stored features (indexed earlier): the AFA weights only
    NONE = "none"  # zero-shot frames without stored features: nothing to show until a reindex


@dataclass(frozen=True)
class FrameHighlight:
    """How strongly the filmstrip marks one frame."""

    intensity: float  # relevance (else AFA weight) relative to the moment's frames, in [0, 1]
    highlighted: bool  # drawn with an outline
    top: bool  # the best-matching frame (badge)
    afa: float | None = None  # AFA weight relative to the top weight, in [0, 1]; None without a trained head


@dataclass
class ResultItem:
    """A result plus its thumbnails decoded off the UI thread, and what the painter derives from them once."""

    result: SearchResult
    thumbs: list[QImage] = field(default_factory=list)
    _highlights: list[FrameHighlight] | None = field(default=None, repr=False)
    _aspects: list[float] | None = field(default=None, repr=False)

    @property
    def highlights(self) -> list[FrameHighlight]:
        """Highlight strengths of the frames (computed on first use)."""
        if self._highlights is None:
            self._highlights = frame_highlights(self.result.frames, self.result.zero_shot)
        return self._highlights

    @property
    def aspects(self) -> list[float]:
        """Width/height of each frame's thumbnail (16:9 where a thumbnail is missing)."""
        if self._aspects is None:
            out = []
            for i in range(len(self.result.frames)):
                img = self.thumbs[i] if i < len(self.thumbs) else QImage()
                out.append(img.width() / img.height() if not img.isNull() and img.height() else 16 / 9)
            self._aspects = out
        return self._aspects


def highlight_kind(frames: list[ResultFrame], zero_shot: bool) -> HighlightKind:
    """Which marks a card draws for these frames."""
    relevance = any(f.relevance is not None for f in frames)
    afa = not zero_shot and any(f.weight is not None for f in frames)
    if relevance:
        return HighlightKind.RELEVANCE_AND_AFA if afa else HighlightKind.RELEVANCE
    return HighlightKind.AFA if afa else HighlightKind.NONE


def frame_highlights(frames: list[ResultFrame], zero_shot: bool) -> list[FrameHighlight]:
    """Map query relevance to outlines and AFA weights to bars; relevance wins where both exist.

    Args:
        frames: the moment's sampled frames with their query relevance and AFA weights.
        zero_shot: True when the model has no trained head (uniform weights that mean nothing).

    Returns:
        One FrameHighlight per frame, in order.
    """
    if not frames:
        return []
    afa = None if zero_shot else _shares([f.weight for f in frames])
    rel = [f.relevance for f in frames]
    if all(r is not None for r in rel):
        values = [float(r) for r in rel if r is not None]
        lo, hi = min(values), max(values)
        top = values.index(hi)
        flat = hi - lo < FLAT_RELEVANCE
        leaders = set(sorted(range(len(values)), key=lambda i: -values[i])[:MAX_OUTLINED])
        out = []
        for i, v in enumerate(values):
            intensity = 1.0 if flat else (v - lo) / (hi - lo)
            highlighted = i == top or (not flat and i in leaders and intensity >= RELEVANCE_SHARE)
            out.append(FrameHighlight(intensity, highlighted, i == top, afa[i] if afa else None))
        return out
    if afa is None:
        return [FrameHighlight(1.0, False, False) for _ in frames]
    weights = [max(f.weight or 0.0, 0.0) for f in frames]
    top = max(range(len(frames)), key=lambda i: weights[i])
    uniform = (sum(weights) or 1.0) / len(frames)
    return [
        FrameHighlight(
            afa[i], i == top or (afa[i] >= HIGHLIGHT_SHARE and w > ABOVE_UNIFORM * uniform), i == top, afa[i]
        )
        for i, w in enumerate(weights)
    ]


def _shares(weights: list[float | None]) -> list[float] | None:
    """Each weight over the top weight, in [0, 1]; None when any weight is missing."""
    if any(w is None for w in weights):
        return None
    values = [max(float(w or 0.0), 0.0) for w in weights]
    top = max(values)
    return [min(v / top, 1.0) if top > 0 else 0.0 for v in values]


def top_clip_id(result: SearchResult) -> int | None:
    """The clip holding the top frame (else the moment's first clip): the seed for "more like this"."""
    top = result.top_frame
    if top is not None and top.clip_id:
        return top.clip_id
    return result.clip_ids[0] if result.clip_ids else None


class ResultsModel(QAbstractListModel):
    """Ranked moments for the results list."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[ResultItem] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def set_items(self, items: list[ResultItem]) -> None:
        """Replace every row (a new search)."""
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def clear(self) -> None:
        """Drop every row."""
        self.set_items([])

    def item(self, row: int) -> ResultItem:
        """The row's ResultItem."""
        return self._items[row]

    def results(self) -> list[SearchResult]:
        """Every row's SearchResult, in rank order."""
        return [it.result for it in self._items]

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        r = item.result
        path = PurePath(r.path)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{path.name}  {format_range(r.start, r.end)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            detail = self.tr("{range} of {length}, score {score}").format(
                range=format_range(r.start, r.end), length=format_time(r.duration), score=f"{r.score:.3f}"
            )
            return f"{r.path}\n{detail}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            score = self.tr("score {score}").format(score=format_score(r.score))
            return f"{path.name}, {format_range(r.start, r.end)}, {score}"
        if role == ResultRole.RESULT:
            return r
        if role == ResultRole.TITLE:
            return path.name
        if role == ResultRole.FOLDER:
            return str(path.parent)
        if role == ResultRole.RANGE_TEXT:
            return format_range(r.start, r.end)
        if role == ResultRole.SCORE:
            return r.score
        if role == ResultRole.THUMBS:
            return item.thumbs
        if role == ResultRole.HIGHLIGHTS:
            return item.highlights
        if role == ResultRole.ASPECTS:
            return item.aspects
        if role == ResultRole.ZERO_SHOT:
            return r.zero_shot
        if role == ResultRole.PATH:
            return r.path
        if role == ResultRole.START:
            return r.start
        if role == ResultRole.TOP_CLIP_ID:
            return top_clip_id(r)
        if role == ResultRole.OFFLINE:
            return r.offline
        if role == ResultRole.BEST_T:
            return r.moment
        if role == ResultRole.LEGEND:
            return highlight_kind(r.frames, r.zero_shot)
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        names.update({int(role): QByteArray(role.name.lower().encode()) for role in ResultRole})
        return names
