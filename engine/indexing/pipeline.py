"""decode ▶ encode ▶ commit: decode threads feed preprocessed clips through a bounded queue to one
batched encoder; each finished video is committed in one transaction.

Decoding runs in worker processes (engine.video's isolation), each driven by a decode thread here, so
the slower of the two stages sets the pace and memory stays bounded: the queue holds at most
`queue_clips` clips (≤ 12 preprocessed frames each), whatever the library's size.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.errors import VideoError, VideoNotInLibraryError
from engine.store import ClipRecord, FrameRecord, LibraryStore
from engine.video import sample_clips
from engine.video.types import Clip

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoJob:
    """One video to (re)index."""

    video_id: int
    path: str
    size: int
    mtime: float
    content_hash: str


@dataclass
class _ClipItem:
    job: VideoJob
    clip: Clip  # frames keep their thumbnails; pixels were moved to `pixels`
    pixels: Any  # preprocessed tensor [m, 3, S, S] (torch stays in engine.model)


@dataclass
class _VideoEnd:
    job: VideoJob
    clips: int
    warnings: list[str]


@dataclass
class _VideoFailed:
    job: VideoJob
    reason: str


@dataclass
class _InFlight:
    job: VideoJob
    records: list[ClipRecord] = field(default_factory=list)
    expected: int | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class PipelineStats:
    """Counters the indexer turns into progress events."""

    videos_done: int = 0
    videos_failed: int = 0
    frames: int = 0
    video_seconds: float = 0.0
    current_file: str = ""
    last_message: str = ""


class Control:
    """Pause, resume and cancel, shared by every stage; all methods are thread-safe."""

    def __init__(self) -> None:
        self._running = threading.Event()
        self._running.set()
        self._cancelled = threading.Event()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancelled.set()
        self._running.set()  # wake anyone waiting in pause

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def wait_if_paused(self) -> bool:
        """Block while paused; return False once cancelled."""
        while not self._running.wait(0.2):
            pass
        return not self.cancelled


_DONE = object()


class Pipeline:
    """Index a list of videos with a loaded model into an open store."""

    def __init__(
        self,
        store: LibraryStore,
        model,
        *,
        fps: float = 1.0,
        max_frames: int = 12,
        decode_workers: int = 1,
        batch_frames: int = 96,
        queue_clips: int = 16,
        control: Control | None = None,
        on_video: Callable[[PipelineStats], None] | None = None,
        timeout_s: float | None = None,
        model_spec: str | None = None,
    ) -> None:
        self.store = store
        self.model = model
        self.model_spec = model_spec
        self.fps = fps
        self.max_frames = max_frames
        self.decode_workers = max(1, decode_workers)
        self.batch_frames = batch_frames
        self.control = control or Control()
        self.on_video = on_video
        self.timeout_s = timeout_s
        self.stats = PipelineStats()
        self.encoded_videos = 0
        self.failures: list[tuple[str, str]] = []  # (path, reason)
        self.vanished: list[str] = []  # paths gone from disk before they could be read
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_clips)

    # --- decode side -------------------------------------------------------------------------
    def _put(self, item: object) -> bool:
        while not self.control.cancelled:
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _decode_one(self, job: VideoJob) -> None:
        count = 0
        warnings: list[str] = []
        clips = sample_clips(job.path, fps=self.fps, max_frames=self.max_frames, timeout_s=self.timeout_s)
        try:
            for clip in clips:
                if not self.control.wait_if_paused():
                    return
                pixels = self.model.preprocess([f.rgb for f in clip.frames])
                for frame in clip.frames:  # the pixels live on in `pixels`; drop the copies early
                    frame.rgb = frame.rgb[:0]
                warnings.extend(clip.warnings)
                if not self._put(_ClipItem(job=job, clip=clip, pixels=pixels)):
                    return
                count += 1
        except VideoError as exc:
            self._put(_VideoFailed(job=job, reason=str(exc)))
            return
        finally:
            if isinstance(clips, Generator):  # sample_clips streams from a generator
                clips.close()  # stops the worker process if we left early
        if count == 0:
            self._put(_VideoFailed(job=job, reason="no frames could be decoded"))
        else:
            self._put(_VideoEnd(job=job, clips=count, warnings=warnings))

    def _decode_loop(self, jobs: queue.Queue[VideoJob]) -> None:
        while not self.control.cancelled:
            try:
                job = jobs.get_nowait()
            except queue.Empty:
                break
            if not self.control.wait_if_paused():
                break
            try:
                self._decode_one(job)
            except Exception as exc:  # a bug or OS error on one file must not stop the others
                log.exception("decoding %s failed", job.path)
                self._put(_VideoFailed(job=job, reason=f"could not be decoded ({type(exc).__name__})"))
        self._put(_DONE)

    # --- encode side -------------------------------------------------------------------------
    def run(self, jobs: Sequence[VideoJob]) -> PipelineStats:
        """Index `jobs`; return when all are committed or failed, or when cancelled."""
        if not jobs:
            return self.stats
        job_queue: queue.Queue[VideoJob] = queue.Queue()
        for job in jobs:
            job_queue.put(job)
        threads = [
            threading.Thread(
                target=self._decode_loop, args=(job_queue,), name=f"glimpse-decode-{i}", daemon=True
            )
            for i in range(min(self.decode_workers, len(jobs)))
        ]
        for t in threads:
            t.start()
        try:
            self._encode_loop(len(threads))
        except BaseException:
            self.control.cancel()  # unblock the decode threads before leaving
            raise
        finally:
            for t in threads:
                t.join(timeout=30)
        return self.stats

    def _encode_loop(self, producers: int) -> None:
        in_flight: dict[int, _InFlight] = {}
        finished = 0
        while finished < producers:
            batch: list[_ClipItem] = []
            frames = 0
            item = self._next(timeout=None)
            while item is not None:
                if item is _DONE:
                    finished += 1
                elif isinstance(item, _ClipItem):
                    batch.append(item)
                    frames += len(item.clip.frames)
                else:
                    self._encode(batch, in_flight)
                    batch, frames = [], 0
                    self._finish(item, in_flight)
                if frames >= self.batch_frames or finished >= producers:
                    break
                item = self._next(timeout=0.05 if batch else 0.5)
            if self.control.cancelled:  # what is in flight is dropped: committed whole or not at all
                self._drain()
                return
            self.control.wait_if_paused()
            self._encode(batch, in_flight)

    def _next(self, timeout: float | None) -> object | None:
        """The next queued item; None after `timeout` s, or (timeout None) only once cancelled."""
        while True:
            try:
                return self._queue.get(timeout=0.2 if timeout is None else timeout)
            except queue.Empty:
                if timeout is not None or self.control.cancelled:
                    return None

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _encode(self, batch: list[_ClipItem], in_flight: dict[int, _InFlight]) -> None:
        if not batch:
            return
        # Imported here: a run with nothing to encode imports no torch (engine.indexing imports without it).
        from engine.model.batch import encode_clip_batch

        outputs = encode_clip_batch(self.model, [item.pixels for item in batch])
        for item, encoded in zip(batch, outputs, strict=True):
            state = in_flight.setdefault(item.job.video_id, _InFlight(job=item.job))
            frames = [
                FrameRecord(t=f.t, weight=float(w), thumb=f.thumb, feature=feature)
                for f, w, feature in zip(item.clip.frames, encoded.weights, encoded.features, strict=True)
            ]
            state.records.append(
                ClipRecord(start=item.clip.start, end=item.clip.end, vector=encoded.vector, frames=frames)
            )
            self.stats.frames += len(frames)
            self.stats.current_file = item.job.path
            item.pixels = None
            if state.expected is not None and len(state.records) == state.expected:
                self._commit(in_flight.pop(item.job.video_id))

    def _finish(self, item: object, in_flight: dict[int, _InFlight]) -> None:
        if isinstance(item, _VideoFailed):
            in_flight.pop(item.job.video_id, None)
            if os.path.exists(item.job.path):
                self._fail(item.job, item.reason)
            else:
                self._vanish(item.job)
            return
        assert isinstance(item, _VideoEnd)
        state = in_flight.setdefault(item.job.video_id, _InFlight(job=item.job))
        state.expected = item.clips
        state.warnings = item.warnings
        if len(state.records) == state.expected:
            self._commit(in_flight.pop(item.job.video_id))

    def _commit(self, state: _InFlight) -> None:
        job = state.job
        records = sorted(state.records, key=lambda r: r.start)
        duration = max(r.end for r in records)
        try:
            self.store.save_video(
                job.video_id,
                duration=duration,
                fingerprint=self.model.fingerprint,
                clips=records,
                size=job.size,
                mtime=job.mtime,
                content_hash=job.content_hash,
                model_spec=self.model_spec,
                backbone=self.model.backbone_fingerprint,
            )
        except VideoNotInLibraryError:
            # Its folder was removed from the library during the run: nothing is lost, nothing to save.
            log.info("not saved: %s left the library during the run", job.path)
            self.stats.videos_done += 1
            self._notify()
            return
        self.encoded_videos += 1
        self.stats.videos_done += 1
        self.stats.video_seconds += duration
        note = f" ({'; '.join(dict.fromkeys(state.warnings))})" if state.warnings else ""
        self.stats.last_message = f"indexed {job.path}{note}"
        if state.warnings:
            log.warning("indexed %s with warnings: %s", job.path, "; ".join(dict.fromkeys(state.warnings)))
        self._notify()

    def _fail(self, job: VideoJob, reason: str) -> None:
        self.store.mark_failed(
            job.video_id, reason, size=job.size, mtime=job.mtime, content_hash=job.content_hash
        )
        self.failures.append((job.path, reason))
        self.stats.videos_failed += 1
        self.stats.videos_done += 1
        self.stats.last_message = f"failed: {job.path}: {reason}"
        log.info("failed: %s: %s", job.path, reason)  # the CLI, GUI and watch log report it once
        self._notify()

    def _vanish(self, job: VideoJob) -> None:
        """The file went away during the run (deleted, moved, its drive unmounted): not a failure.

        Its row stays pending, so the next scan decides: gone, moved, or offline and kept until back.
        """
        self.vanished.append(job.path)
        self.stats.videos_done += 1
        self.stats.last_message = f"gone before it could be read: {job.path}"
        log.info("gone before it could be read: %s", job.path)
        self._notify()

    def _notify(self) -> None:
        if self.on_video is not None:
            self.on_video(self.stats)
