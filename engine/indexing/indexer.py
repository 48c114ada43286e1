"""The Indexer: scan the library folders, then run the pipeline, with progress, pause and cancel."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine import config
from engine.errors import IndexingError
from engine.indexing.pipeline import Control, Pipeline, PipelineStats, VideoJob
from engine.indexing.progress import IndexProgress, Phase
from engine.indexing.scan import DiskFile, ScanPlan, plan_scan
from engine.indexing.watch.roots import RootState, record_state
from engine.model.choice import META_MODEL_SPEC, is_other_model, library_model_spec, record_model_spec
from engine.paths import is_within
from engine.store import FolderRow, LibraryStore
from engine.video import default_pool

if TYPE_CHECKING:
    from engine.model import GlimpseModel

log = logging.getLogger(__name__)


@dataclass
class IndexSummary:
    """What one run did."""

    indexed: int = 0
    moved: int = 0
    removed: int = 0
    failed: int = 0
    skipped: int = 0
    vanished: int = 0  # gone from disk during the run; the next scan sees where they went
    offline_roots: list[str] = field(default_factory=list)
    cancelled: bool = False
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, reason) of this run
    from_features: int = 0  # videos re-encoded for a new head from stored frame features (no decoding)


def default_decode_workers(*, encoder_on_gpu: bool = False) -> int:
    """Decode workers when none are asked for.

    With the encoder on the CPU: one per two cores, between 1 and 4 (the encoder needs cores too). With
    the encoder on a GPU the cores are free for decoding, which is then what limits the rate (136 s of
    video a second on an H100 with 4 workers, the encoder idle most of the time): all cores but one,
    at most 16.
    """
    cores = os.cpu_count() or 2
    if encoder_on_gpu:
        return max(1, min(16, cores - 1))
    return max(1, min(4, cores // 2))


class Indexer:
    """Brings a library's index in step with its folders. One Indexer is the library's one writer."""

    def __init__(
        self,
        store_path: Path | str | None = None,
        *,
        model_spec: str | None = None,
        device: str | None = None,
        on_progress: Callable[[IndexProgress], None] | None = None,
        model: GlimpseModel | None = None,
        fps: float = config.DEFAULT_SAMPLE_FPS,
        max_frames: int = config.DEFAULT_MAX_FRAMES,
        decode_workers: int | None = None,
    ) -> None:
        self.store_path = config.db_path(store_path)
        self.model_spec = model_spec
        self.device = device
        self.on_progress = on_progress
        self._model = model
        self.fps = fps
        self.max_frames = max_frames
        self.decode_workers = decode_workers  # None: chosen for the model's device
        self._control = Control()
        self._lock = threading.Lock()  # one run at a time per Indexer

    # --- control ---------------------------------------------------------------------------------
    def pause(self) -> None:
        self._control.pause()
        self._emit(IndexProgress(phase=Phase.PAUSED, message="paused"))

    def resume(self) -> None:
        self._control.resume()

    def cancel(self) -> None:
        self._control.cancel()

    @property
    def paused(self) -> bool:
        return self._control.paused

    # --- model -----------------------------------------------------------------------------------
    def model_for(self, store: LibraryStore) -> GlimpseModel:
        """The model this indexer encodes with: the one given, else loaded as engine.model.choice decides."""
        if self._model is not None:
            return self._model
        from engine.model import load_model

        self._model = load_model(library_model_spec(store, asked=self.model_spec), device=self.device)
        return self._model

    def _known_fingerprint(self, store: LibraryStore) -> str | None:
        """The fingerprint of the model this run will use, when known without loading it.

        That is the given model's, or the library's own when no other spec is asked: a run with
        nothing to encode (the usual `glimpse index`) then never imports torch or loads weights.
        """
        if self._model is not None:
            return self._model.fingerprint
        stored = store.model_fingerprint()
        if stored is None or is_other_model(self.model_spec, store.get_meta(META_MODEL_SPEC)):
            return None
        return stored

    @property
    def loaded_model(self) -> GlimpseModel | None:
        """The model given or loaded by a run so far, or None (a run with nothing to do may load none)."""
        return self._model

    def _spec_of(self, model: GlimpseModel) -> str | None:
        # The loaded model's spec is canonical (a relative path made absolute); the given one may not be.
        return model.spec or self.model_spec

    def _adopt_model(self, store: LibraryStore, model: GlimpseModel) -> None:
        """Record the model's spec with the library, unless its vectors are still another model's.

        A switch to another model is recorded by the first video saved with it (in that transaction):
        a run stopped before then must leave the spec naming the model of the stored vectors.
        """
        if store.model_fingerprint() not in (None, model.fingerprint):
            return
        record_model_spec(store, self._spec_of(model))

    def _swap_head(self, store: LibraryStore, model: GlimpseModel) -> int:
        """A new head over the library's backbone: re-encode from stored frame features (head_swap)."""
        from engine.indexing.head_swap import can_swap_head, swap_head

        if self._control.cancelled or not can_swap_head(store, model):
            return 0
        note = "new head over the same backbone: re-encoding from stored frame features (no decoding)"
        self._emit(IndexProgress(phase=Phase.INDEXING, message=note))

        def progress(done: int, total: int) -> None:
            self._emit(
                IndexProgress(phase=Phase.INDEXING, videos_done=done, videos_total=total, message=note)
            )

        swap = swap_head(
            store,
            model,
            model_spec=self._spec_of(model),
            on_video=progress,
            cancelled=lambda: self._control.cancelled,
        )
        if swap is None:
            return 0
        done = f"re-encoded {swap.videos} videos from stored frame features (no decoding)"
        if swap.requeued:
            done += f"; {swap.requeued} indexed before frame features were kept are decoded again"
        total = swap.videos
        self._emit(IndexProgress(phase=Phase.INDEXING, videos_done=total, videos_total=total, message=done))
        return swap.videos

    # --- runs ------------------------------------------------------------------------------------
    def run(
        self, roots: Sequence[Path | str] | None = None, *, force: bool = False, retry_failed: bool = False
    ) -> IndexSummary:
        """Scan the library folders (or just `roots`, library folders all) and index what changed."""
        with self._lock, LibraryStore.open(self.store_path) as store:
            folders = self._folders(store, roots)
            return self._run(store, folders, force=force, retry_failed=retry_failed)

    def sync_paths(self, paths: Sequence[Path | str]) -> IndexSummary:
        """Reconcile just `paths` (files or folders that changed on disk, both ends of a move included).

        Only what lies at or under the paths is compared, so a half-copied file elsewhere in the same
        library folder is left alone until its own change is reported.
        """
        with self._lock, LibraryStore.open(self.store_path) as store:
            scope = sorted({os.path.abspath(p) for p in paths})
            # The folders holding a path, and library folders nested inside a path (they own their files).
            folders = [
                f
                for f in store.list_folders()
                if any(is_within(p, f.path) or is_within(f.path, p) for p in scope)
            ]
            if not folders:
                return IndexSummary()
            return self._run(store, folders, force=False, retry_failed=False, scope=scope)

    def _folders(self, store: LibraryStore, roots: Sequence[Path | str] | None) -> list[FolderRow]:
        folders = store.list_folders()
        if roots is None:
            return folders
        chosen: list[FolderRow] = []
        for root in roots:
            folder = store.find_folder(root)
            if folder is None:
                raise IndexingError(
                    f"{root} is not a library folder; add it first with `glimpse folders add`."
                )
            if folder not in chosen:
                chosen.append(folder)
        # Library folders nested inside a chosen one own their files: they are part of its scan.
        nested = [f for f in folders if any(is_within(f.path, c.path, strict=True) for c in chosen)]
        chosen += [f for f in nested if f not in chosen]
        return chosen

    def _run(
        self,
        store: LibraryStore,
        folders: list[FolderRow],
        *,
        force: bool,
        retry_failed: bool,
        scope: Sequence[str] | None = None,
    ) -> IndexSummary:
        try:
            return self._run_once(store, folders, force=force, retry_failed=retry_failed, scope=scope)
        finally:
            # A cancel ends the run it lands in (or, when idle, the next one); after that, start afresh.
            if self._control.cancelled:
                self._control = Control()

    def _run_once(
        self,
        store: LibraryStore,
        folders: list[FolderRow],
        *,
        force: bool,
        retry_failed: bool,
        scope: Sequence[str] | None,
    ) -> IndexSummary:
        summary = IndexSummary()
        self._emit(IndexProgress(phase=Phase.SCANNING, message="scanning library folders"))

        def plan_for(fp: str) -> ScanPlan:
            return plan_scan(store, folders, fp, force=force, retry_failed=retry_failed, scope=scope)

        model = None
        fingerprint = self._known_fingerprint(store)
        if fingerprint is None or fingerprint != store.model_fingerprint():
            # Another model than the library's (or none recorded): load it now; a new head over the same
            # backbone re-encodes from the stored frame features instead of decoding.
            model = self.model_for(store)
            summary.from_features = 0 if force else self._swap_head(store, model)
            fingerprint = model.fingerprint
        plan = plan_for(fingerprint)
        if model is None and plan.to_index:
            default_pool().warm()  # the decoder starts (another process) while the model loads
            model = self.model_for(store)
            if model.fingerprint != fingerprint:  # the library's spec now names other weights
                summary.from_features = 0 if force else self._swap_head(store, model)
                plan = plan_for(model.fingerprint)
        if model is not None:
            self._adopt_model(store, model)
        self._apply_plan(store, folders, plan, summary)
        jobs = [
            VideoJob(vid, f.path, f.size, f.mtime, digest) for vid, f, digest in self._pending(store, plan)
        ]
        started = time.monotonic()
        if model is None:  # nothing to encode: the model was never needed
            phase = Phase.CANCELLED if self._control.cancelled else Phase.DONE
            summary.cancelled = self._control.cancelled
            self._emit(self._progress(PipelineStats(), 0, started, phase=phase))
            return summary
        pipeline = Pipeline(
            store,
            model,
            fps=self.fps,
            max_frames=self.max_frames,
            decode_workers=self.decode_workers or default_decode_workers(encoder_on_gpu=_on_gpu(model)),
            control=self._control,
            model_spec=self._spec_of(model),
            on_video=lambda stats: self._emit(self._progress(stats, len(jobs), started)),
        )
        self._emit(self._progress(pipeline.stats, len(jobs), started))
        stats = pipeline.run(jobs)
        summary.indexed = pipeline.encoded_videos
        summary.failed = stats.videos_failed
        summary.cancelled = self._control.cancelled
        summary.failures = list(pipeline.failures)
        summary.vanished = len(pipeline.vanished)
        phase = Phase.CANCELLED if summary.cancelled else Phase.DONE
        self._emit(self._progress(stats, len(jobs), started, phase=phase))
        return summary

    def _apply_plan(
        self, store: LibraryStore, folders: list[FolderRow], plan: ScanPlan, summary: IndexSummary
    ) -> None:
        offline = set(plan.offline_roots)
        for folder in folders:
            if folder.online == (folder.path in offline):
                state = RootState.OFFLINE if folder.path in offline else RootState.ONLINE
                record_state(store, folder.id, state)
        for folder_id, device in plan.devices.items():
            store.set_folder_device(folder_id, device)
        if self._control.cancelled:
            return
        for row, owner in plan.adopted:
            store.move_video(row.id, new_path=row.path, folder_id=owner, size=row.size, mtime=row.mtime)
            log.info("%s now belongs to the library folder %d", row.path, owner)
        for move in plan.moves:
            store.move_video(
                move.video_id,
                new_path=move.new.path,
                folder_id=move.folder_id,
                size=move.new.size,
                mtime=move.new.mtime,
            )
            log.info("moved %s -> %s", move.old_path, move.new.path)
        for row, f in plan.touched:
            store.move_video(row.id, new_path=f.path, folder_id=row.folder_id, size=f.size, mtime=f.mtime)
        for row in plan.gone:
            store.delete_video(row.id)
            log.info("removed %s", row.path)
        summary.moved = len(plan.moves)
        summary.removed = len(plan.gone)
        summary.skipped = plan.skipped
        summary.offline_roots = list(plan.offline_roots)
        for root in plan.offline_roots:
            log.warning("library folder %s is offline; its index is kept", root)

    def _pending(self, store: LibraryStore, plan: ScanPlan) -> list[tuple[int, DiskFile, str]]:
        out = []
        for folder_id, f, digest in plan.to_index:
            video_id = store.add_pending(folder_id, f.path, f.size, f.mtime, digest)
            out.append((video_id, f, digest))
        return out

    # --- progress --------------------------------------------------------------------------------
    def _progress(
        self, stats: PipelineStats, total: int, started: float, phase: Phase = Phase.INDEXING
    ) -> IndexProgress:
        elapsed = max(time.monotonic() - started, 1e-6)
        done = stats.videos_done
        eta = (elapsed / done) * (total - done) if done and total > done else (0.0 if done >= total else None)
        if phase == Phase.INDEXING and self._control.paused:
            phase = Phase.PAUSED
        return IndexProgress(
            phase=phase,
            videos_done=done,
            videos_total=total,
            videos_failed=stats.videos_failed,
            current_file=stats.current_file,
            frames_per_s=stats.frames / elapsed,
            video_s_per_s=stats.video_seconds / elapsed,
            eta_s=eta,
            message=stats.last_message,
        )

    def _emit(self, progress: IndexProgress) -> None:
        if self.on_progress is None:
            return
        try:
            self.on_progress(progress)
        except Exception:  # a broken listener must not stop indexing
            log.exception("progress listener failed")


def _on_gpu(model: GlimpseModel) -> bool:
    """Whether the model encodes on a GPU (CUDA or Apple's MPS), not the CPU."""
    return model.device.type in ("cuda", "mps")
