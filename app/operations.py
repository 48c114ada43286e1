"""Engine calls the app runs inside tasks (never on the UI thread); each opens its own store."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage

from app.heap import collections_paused
from app.models.results_model import ResultItem
from engine import config
from engine.errors import QueryError
from engine.results import SearchFilters

if TYPE_CHECKING:
    from engine.model import GlimpseModel
    from engine.search import Query

log = logging.getLogger(__name__)

#: Image files a drop on the window searches by.
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff"})


def is_image_path(path: str | os.PathLike[str]) -> bool:
    """True for file names the image search accepts."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


@dataclass
class SearchOutcome:
    """A finished search: the moments, how long it took, and sentences about the query."""

    query: Query
    items: list[ResultItem] = field(default_factory=list)
    elapsed_s: float = 0.0
    warnings: list[str] = field(default_factory=list)  # e.g. the text was longer than the model reads


#: Thumbnails taller than this (device pixels) are shrunk on the worker: cards show them at most
#: 56 px tall, 112 px on a 200% display, so the UI thread never scales big images while painting.
THUMB_MAX_PX = 120


def decode_thumbs(thumbs: list[bytes]) -> list[QImage]:
    """JPEG bytes to QImages, shrunk for the cards (QImage, unlike QPixmap, may be made off the UI thread).

    OpenCV decodes with the GIL released, so the UI thread keeps running Python (painting) meanwhile.
    """
    images = []
    for data in thumbs:
        images.append(_decode_one(data) if data else QImage())
    return images


def _decode_one(data: bytes) -> QImage:
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        return QImage()
    h, w = bgr.shape[:2]
    if h > THUMB_MAX_PX:
        w, h = max(1, round(w * THUMB_MAX_PX / h)), THUMB_MAX_PX
        bgr = cv2.resize(bgr, (w, h), interpolation=cv2.INTER_AREA)
    rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()  # copy: own the pixels


def run_search(
    db: Path | None,
    model: GlimpseModel | None,
    query: Query,
    k: int,
    filters: SearchFilters | None = None,
    hide_copies: bool = True,
) -> SearchOutcome:
    """Search the library and decode the result thumbnails.

    Args:
        db: the library database (None: engine.config.db_path()).
        model: the loaded GlimpseModel the library was indexed with.
        query: a text, an engine.search.ImageQuery or ClipQuery.
        k: how many moments at most.
        filters: optional SearchFilters.

    Returns:
        A SearchOutcome with one ResultItem per moment, best first.
    """
    from engine.search import Searcher
    from engine.store import LibraryStore

    if isinstance(query, str) and not query.strip():
        raise QueryError(QCoreApplication.translate("Operations", "Type something to search for."))
    path = config.db_path(db)
    if not path.exists():
        raise QueryError(
            QCoreApplication.translate("Operations", "The library is empty: add a folder of videos first.")
        )
    began = time.perf_counter()
    with LibraryStore.open(path, readonly=True) as store:
        searcher = Searcher(store, model)
        searcher.hide_copies = hide_copies
        results = searcher.search(query, k=k, filters=filters)
    items = [ResultItem(r, decode_thumbs([f.thumb for f in r.frames])) for r in results]
    warnings = [str(w) for w in results.warnings]
    return SearchOutcome(query, items, time.perf_counter() - began, warnings)


def add_folder(db: Path | None, folder: str) -> str:
    """Add a folder to the library (idempotent); returns its stored path."""
    from engine.errors import IndexingError
    from engine.store import LibraryStore

    real = Path(folder).expanduser()
    if not real.is_dir():
        raise IndexingError(
            QCoreApplication.translate("Operations", "{path} is not a folder.").format(path=folder)
        )
    with LibraryStore.open(config.db_path(db)) as store:
        return str(store.add_folder(real).path)  # the store normalizes paths as the CLI stores them


def remove_folder(db: Path | None, folder: str) -> None:
    """Remove a folder and its videos from the library (the files on disk are left alone)."""
    from engine.store import LibraryStore

    with LibraryStore.open(config.db_path(db)) as store:
        store.remove_folder(folder)


def set_excludes(db: Path | None, folder_id: int, patterns: list[str]) -> None:
    """Replace a folder's exclude patterns (glob patterns, one per entry)."""
    from engine.store import LibraryStore

    clean = [p.strip() for p in patterns if p.strip()]
    with LibraryStore.open(config.db_path(db)) as store:
        store.set_folder_excludes(folder_id, clean)


def weights_bytes() -> int:
    """Bytes under the model-weights cache (downloads in progress included)."""
    root = config.cache_dir() / "open_clip"
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue  # a download renamed or removed under us
    return total


def load_model(spec: str, device: str | None, report: Callable[[object], None] | None = None) -> GlimpseModel:
    """Load (and, for open_clip names, download) a model, then warm the search path.

    Args:
        spec: the model spec (see engine.model.load_model).
        device: a torch device name, or None for the best available.
        report: called about twice a second with the bytes downloaded so far, while they grow.

    Returns:
        The loaded GlimpseModel. The warm-up imports the search and store modules and encodes one
        text here, on the model worker, so the first search does not pay for them.
    """
    done = threading.Event()
    if report is not None:
        baseline = weights_bytes()  # what was cached before: only growth from here is a download
        threading.Thread(
            target=_watch_download, args=(done, report, baseline), name="download-watch", daemon=True
        ).start()
    try:
        with collections_paused():
            from engine.model import load_model as _load

            model = _load(spec, device=device)
            import engine.search  # noqa: F401
            import engine.store  # noqa: F401

            model.encode_text(["warm up"])
        return model
    finally:
        done.set()


def _watch_download(done: threading.Event, report: Callable[[object], None], start: int) -> None:
    last = start
    while not done.wait(0.5):
        now = weights_bytes()
        if now != last:
            report(max(0, now - start))
            last = now
