"""The search controller: text, image and "more like this" queries off the UI thread, and their results.

Only the newest search's answer is shown (each carries a generation number); scrolling to the end of
the results asks for `results_k` more moments of the same query and keeps the user's place.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from app import operations as ops
from app.i18n.engine_messages import engine_sentence
from app.library_snapshot import LibrarySnapshot
from app.model_holder import ModelHolder
from app.models.results_model import ResultsModel, top_clip_id
from app.settings import AppSettings
from app.tasks import Pool, TaskRunner
from app.views.model_banner import BannerState, ModelBanner
from app.views.results_view import ResultsView

if TYPE_CHECKING:
    from engine.search import Query

log = logging.getLogger(__name__)


def describe_query(query: Query) -> str:
    """A few words for the status line about a query that is not typed text ("like holiday.jpg ")."""
    from engine.search import ClipQuery, ImageQuery

    if isinstance(query, ImageQuery):
        return QCoreApplication.translate("SearchController", "like {name} ").format(
            name=Path(query.path).name
        )
    if isinstance(query, ClipQuery):
        return QCoreApplication.translate("SearchController", "like the chosen moment ")
    return ""


class SearchController(QObject):
    """Runs searches on the search pool and fills the results model with the newest answer."""

    status = Signal(str)  # a line for the status bar
    failed = Signal(object)  # the newest search's error (str() is a sentence for a person)

    def __init__(
        self,
        runner: TaskRunner,
        db: Path,
        settings: AppSettings,
        models: ModelHolder,
        results_model: ResultsModel,
        results_view: ResultsView,
        empty_label: QLabel,
        banner: ModelBanner,
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self._runner = runner
        self._db = db
        self._settings = settings
        self._models = models
        self._results = results_model
        self._view = results_view
        self._empty_label = empty_label
        self._banner = banner
        self._window = window
        self._library_empty = False  # until a read says so, a search is tried
        self._gen = 0
        self._k = settings.results_k  # grows by results_k each time the results are scrolled to the end
        self._keep_place: tuple[int, int] | None = None  # (row, scroll) to restore after loading more
        self._loading = False
        self.last_outcome: ops.SearchOutcome | None = None
        self.last_error: BaseException | None = None  # of the latest search, shown in the banner
        bar = results_view.verticalScrollBar()
        bar.valueChanged.connect(lambda v: self._scrolled_to(v, bar.maximum()))
        results_view.more_like_this_requested.connect(self.more_like_this)

    def set_snapshot(self, snapshot: LibrarySnapshot) -> None:
        """The library was read again: an empty one is not searched."""
        self._library_empty = snapshot.is_empty

    def search(self, query: Query) -> None:
        """Search off the UI thread; a text, an ImageQuery or a ClipQuery."""
        if self._library_empty:
            self.status.emit(self.tr("Add a folder of videos first."))
            return
        self._gen += 1
        gen = self._gen
        self._k, self._keep_place = self._settings.results_k, None
        self.status.emit(self.tr("Searching\u2026"))
        self._models.when_ready(lambda: self._start(gen, query))

    def _start(self, gen: int, query: Query) -> None:
        if gen != self._gen:
            return
        db, model, k, hide = self._db, self._models.model, self._k, self._settings.hide_copies
        self._runner.submit(
            Pool.SEARCH,
            lambda _r: ops.run_search(db, model, query, k, hide_copies=hide),
            name="Searching",
            on_done=lambda out: self._on_results(gen, out),
            on_error=lambda e: self._on_error(gen, e),
        )

    def _on_results(self, gen: int, outcome: ops.SearchOutcome) -> None:
        if gen != self._gen:
            return  # a newer search is on its way
        self._loading = False
        self.last_outcome, self.last_error = outcome, None
        if self._banner.state == BannerState.MESSAGE:
            self._banner.hide_banner()
        self._results.set_items(outcome.items)
        self.status.emit(self._found_text(outcome))
        n = len(outcome.items)
        self._empty_label.setVisible(n == 0)
        if n == 0:
            self._empty_label.setText(
                self.tr("Nothing matched. Try other words, or drop an image on the window.")
            )
        elif self._keep_place is not None:  # more of the same results: stay where the user was
            row, scroll = self._keep_place
            self._view.select_row(row)
            self._view.verticalScrollBar().setValue(scroll)
        else:
            self._view.select_row(0)

    def _found_text(self, outcome: ops.SearchOutcome) -> str:
        n = len(outcome.items)
        note = "".join(f" {engine_sentence(w)}" for w in outcome.warnings)
        found = self.tr("1 moment {what}in {s} s.") if n == 1 else self.tr("{n} moments {what}in {s} s.")
        return found.format(n=n, what=describe_query(outcome.query), s=f"{outcome.elapsed_s:.2f}") + note

    def _scrolled_to(self, value: int, maximum: int) -> None:
        if value > 0 and value == maximum:
            self.load_more()

    def load_more(self) -> None:
        """The results were scrolled to the end: ask for results_k more moments of the same query."""
        outcome = self.last_outcome
        if outcome is None or self._loading or len(outcome.items) < self._k:  # all there is, or on its way
            return
        self._k += self._settings.results_k
        self._gen += 1
        self._loading = True
        self._keep_place = (self._view.currentIndex().row(), self._view.verticalScrollBar().value())
        self._start(self._gen, outcome.query)

    def _on_error(self, gen: int, exc: BaseException) -> None:
        if gen == self._gen:
            self._loading = False
            self.last_error = exc
            self.failed.emit(exc)

    def choose_image(self) -> None:
        """Pick an image file and search by it."""
        path, _ = QFileDialog.getOpenFileName(
            self._window,
            self.tr("Search by image"),
            "",
            self.tr("Images") + " (*.jpg *.jpeg *.png *.bmp *.webp *.gif *.tif *.tiff)",
        )
        if path:
            self.search_image(path)

    def search_image(self, path: str) -> None:
        """Search for moments that look like the image at `path`."""
        from engine.search import ImageQuery

        self.search(ImageQuery(Path(path)))

    def more_like_this(self, row: int) -> None:
        """Search with the clip of a result as the query."""
        from engine.search import ClipQuery

        clip_id = top_clip_id(self._results.item(row).result)
        if clip_id is not None:
            self.search(ClipQuery(clip_id))
