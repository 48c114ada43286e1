"""Decode in a worker process: a hang is killed on a wall clock, a crash stays in the worker.

A `DecoderPool` keeps a few idle worker processes (started with 'spawn': the parent may run torch
threads, which do not survive fork) and reuses them across videos, so the start cost (spawn and
importing PyAV and OpenCV: 0.4-0.9 s measured, see docs/benchmarks.md) is paid once, not per video,
and before any job's clock starts. Clips stream back through a pipe into a small bounded inbox, so
at most a few clips are in memory whatever the video's length. A worker that overran its time,
crashed, or was left mid-video by a consumer that stopped early is cancelled or killed and replaced.

Note: 'spawn' re-imports the parent's main module in the worker (as `__mp_main__`); entry points
must keep their work under `if __name__ == "__main__":`, as every spawn-based program must.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing as mp
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import errors
from engine.video.priority import lower_priority
from engine.video.types import Clip, VideoInfo

log = logging.getLogger(__name__)

#: Clips (each up to max_frames shrunk frames) buffered between the worker and the consumer.
QUEUE_CLIPS = 2
#: No progress from the decoder (opening included) for this long means it hangs.
DEFAULT_STALL_S = 30.0
#: Decode time allowed: a base plus a multiple of the video's duration (slow disks, 8K HEVC on a laptop).
TIMEOUT_BASE_S = 60.0
TIMEOUT_PER_VIDEO_S = 2.0
#: When the header gives no duration (streams, broken files) the decode may take at most this long.
TIMEOUT_UNKNOWN_DURATION_S = 3 * 3600.0
#: A worker told to stop early gets this long to say it stopped before it is killed.
_CANCEL_GRACE_S = 3.0
_POLL_S = 0.2
#: A worker's start-up (spawn, importing PyAV, OpenCV and numpy) may take this long on a loaded machine.
_START_TIMEOUT_S = 120.0
#: Idle workers kept (the indexer runs up to 4 decode threads); each holds OpenCV, about 60 MB.
_MAX_IDLE_WORKERS = 4

_job_ids = itertools.count(1)


@dataclass(frozen=True)
class _Job:
    job_id: int
    kind: str  # "probe" | "clips"
    path: str
    fps: float = 1.0
    max_frames: int = 12


def _error_message(exc: BaseException) -> tuple[str, str]:
    """(error class name, sentence) for sending an exception across the process boundary."""
    if isinstance(exc, errors.VideoError):
        return type(exc).__name__, str(exc)
    return "CorruptVideoError", f"file is truncated or corrupt ({type(exc).__name__}: {exc})"


def _run_job(job: _Job, send: Any, cancel: Any, progress: Any) -> None:
    """Run one job inside the worker, sending ("info"|"clip", ...) messages to the parent."""
    from engine.video.clips import iter_clips_in_process
    from engine.video.probing import probe_in_process

    def should_stop() -> bool:
        progress.value += 1
        return bool(cancel.value)

    if job.kind == "probe":
        send((job.job_id, "info", probe_in_process(job.path)))
        return
    clips = iter_clips_in_process(
        job.path,
        job.fps,
        job.max_frames,
        should_stop=should_stop,
        on_info=lambda info: send((job.job_id, "info", info)),
    )
    for clip in clips:
        progress.value += 1
        if cancel.value:
            return
        send((job.job_id, "clip", clip))  # blocks while the parent is behind: memory stays bounded


def _worker_main(requests: Any, results: Any, cancel: Any, progress: Any) -> None:
    """The worker process: run jobs until told to quit (None), the parent goes away, or it is killed."""
    # FFmpeg's and OpenCV's own chatter goes to stderr, not to logging; the typed errors carry the reasons.
    # Set before the first VideoCapture (cv2 is imported lazily by the job), overridable from outside.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
    lower_priority()  # GLIMPSE_DECODE_NICE (engine.video.priority)
    import av.logging

    import engine.video.clips  # noqa: F401 - imported before "ready": start-up never counts against a job

    av.logging.set_level(None)  # FFmpeg's per-packet complaints: the typed errors and warnings say it
    try:
        results.send((0, "ready", None))
    except (BrokenPipeError, EOFError, OSError):
        return
    while True:
        try:
            job = requests.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            _run_job(job, results.send, cancel, progress)
        except (BrokenPipeError, EOFError):
            return
        except BaseException as exc:  # noqa: B036 - everything must reach the parent as a message
            log.debug("decode job %s failed", job, exc_info=True)
            name, message = _error_message(exc)
            results.send((job.job_id, "error", (name, message)))
        results.send((job.job_id, "done", None))


class DecodeWorker:
    """One decoder process and its pipes; used by one job at a time.

    Only pipes and lock-free shared numbers join the two processes: a worker killed at any moment
    cannot leave a lock held that the parent would then wait on. A reader thread receives the
    worker's messages, so the parent never blocks inside a half-written message of a hung worker.
    """

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        child_requests, self._requests = ctx.Pipe(duplex=False)
        self._results, child_results = ctx.Pipe(duplex=False)
        self._cancel = ctx.Value("b", 0, lock=False)
        self._progress = ctx.Value("q", 0, lock=False)
        self._inbox: queue.Queue[tuple[int, str, Any]] = queue.Queue(maxsize=QUEUE_CLIPS)
        self._closed = threading.Event()
        self._proc = ctx.Process(
            target=_worker_main,
            args=(child_requests, child_results, self._cancel, self._progress),
            name="glimpse-decoder",
            daemon=True,
        )
        self._proc.start()
        child_requests.close()  # the parent keeps only its own ends: the worker's death reads as EOF
        child_results.close()
        self._reader = threading.Thread(target=self._read, name="glimpse-decoder-reader", daemon=True)
        self._reader.start()
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Wait for the worker's start-up (spawn, imports) before any job's clock starts."""
        try:
            _, kind, _ = self._inbox.get(timeout=_START_TIMEOUT_S)
        except queue.Empty:
            kind = "timeout"
        if kind != "ready":
            self.kill()
            raise errors.DecoderCrashedError(f"the decoder did not start ({kind})")

    def _read(self) -> None:
        """Reader thread: move messages from the pipe to the bounded inbox until EOF or close."""
        while not self._closed.is_set():
            try:
                message = self._results.recv()
            except (EOFError, OSError):
                message = (0, "eof", None)
            while not self._closed.is_set():
                try:
                    self._inbox.put(message, timeout=_POLL_S)
                    break
                except queue.Full:
                    continue
            if message[1] == "eof":
                return

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.is_alive()

    def kill(self) -> None:
        """Stop the process now (a hung or crashed decoder) and close its pipes."""
        self._closed.set()
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join(timeout=5)
        for conn in (self._requests, self._results):
            with contextlib.suppress(OSError):
                conn.close()

    def stop(self) -> None:
        """Ask an idle worker to exit; kill it if it does not."""
        with contextlib.suppress(OSError):
            self._requests.send(None)
        self._proc.join(timeout=2)
        self.kill()

    def messages(self, job: _Job, *, timeout_s: float | None, stall_s: float) -> Iterator[tuple[str, Any]]:
        """Submit `job` and yield its (kind, payload) messages until it is done.

        Raises DecodeTimeoutError on a stall or when the decode time exceeds the limit, and
        DecoderCrashedError when the process dies; in both cases the worker is dead afterwards.
        """
        self._cancel.value = 0
        try:
            self._requests.send(job)
        except OSError:
            self.kill()
            raise errors.DecoderCrashedError(
                f"{Path(job.path).name}: the decoder crashed before it started", path=job.path
            ) from None
        waited = 0.0  # time spent waiting for the decoder, not the consumer's time
        limit = timeout_s
        last_progress, quiet_since = self._progress.value, time.monotonic()
        while True:
            t0 = time.monotonic()
            try:
                job_id, kind, payload = self._inbox.get(timeout=_POLL_S)
            except queue.Empty:
                now = time.monotonic()
                waited += now - t0
                if self._progress.value != last_progress:
                    last_progress, quiet_since = self._progress.value, now
                if limit is not None and waited > limit:
                    self.kill()
                    raise errors.DecodeTimeoutError(
                        f"{Path(job.path).name}: timed out after {limit:g} s", path=job.path
                    ) from None
                if now - quiet_since > stall_s:
                    self.kill()
                    raise errors.DecodeTimeoutError(
                        f"{Path(job.path).name}: timed out after {stall_s:g} s without a decoded frame",
                        path=job.path,
                    ) from None
                continue
            waited += time.monotonic() - t0
            quiet_since = time.monotonic()
            if kind == "eof":
                self._proc.join(timeout=5)
                code = self._proc.exitcode
                self.kill()
                raise errors.DecoderCrashedError(
                    f"{Path(job.path).name}: the decoder crashed (exit code {code})", path=job.path
                )
            if job_id != job.job_id:
                continue  # left over from an earlier, cancelled job
            if kind == "done":
                return
            if kind == "info" and timeout_s is None and job.kind == "clips":
                limit = default_timeout(payload)
            yield kind, payload

    def cancel(self, job: _Job) -> bool:
        """Stop `job` early; True when the worker acknowledged and can be reused."""
        self._cancel.value = 1
        deadline = time.monotonic() + _CANCEL_GRACE_S
        while time.monotonic() < deadline:
            try:
                job_id, kind, _ = self._inbox.get(timeout=_POLL_S)
            except queue.Empty:
                continue
            if kind == "eof":
                return False
            if job_id == job.job_id and kind == "done":
                return True
        return False


def default_timeout(info: VideoInfo) -> float:
    """The decode-time limit for a video: a base plus a multiple of its duration."""
    if info.duration <= 0:
        return TIMEOUT_UNKNOWN_DURATION_S
    return TIMEOUT_BASE_S + TIMEOUT_PER_VIDEO_S * info.duration


class DecoderPool:
    """Idle decoder processes kept for reuse; thread-safe. Hold one per indexer, or use `default_pool()`."""

    def __init__(self, max_idle: int = _MAX_IDLE_WORKERS) -> None:
        self._idle: list[DecodeWorker] = []
        self._lock = threading.Lock()
        self._max_idle = max_idle

    def _acquire(self) -> DecodeWorker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
        return DecodeWorker()

    def _release(self, worker: DecodeWorker) -> None:
        with self._lock:
            if worker.alive() and len(self._idle) < self._max_idle:
                self._idle.append(worker)
                return
        worker.stop()

    def close(self) -> None:
        """Stop every idle worker."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()

    def warm(self) -> None:
        """Start a worker now so the first video does not wait for it."""
        self._release(self._acquire())

    def idle_pids(self) -> list[int]:
        """Process ids of the idle workers (for diagnostics and tests)."""
        with self._lock:
            return [w.pid for w in self._idle if w.pid is not None]

    def probe(self, path: str, *, timeout_s: float) -> VideoInfo:
        """Probe `path` in a worker; see engine.video.probing."""
        job = _Job(next(_job_ids), "probe", path)
        worker = self._acquire()
        info: VideoInfo | None = None
        finished = False
        try:
            for kind, payload in self._run(worker, job, timeout_s=timeout_s, stall_s=timeout_s):
                if kind == "info":
                    info = payload
            finished = True
        finally:
            self._settle(worker, job, finished)
        if info is None:  # pragma: no cover - a probe job always answers info or error
            raise errors.CorruptVideoError(path=path)
        return info

    def clips(
        self, path: str, fps: float, max_frames: int, *, timeout_s: float | None, stall_s: float
    ) -> Iterator[Clip]:
        """Stream the clips of `path` from a worker; see engine.video.sample_clips."""
        job = _Job(next(_job_ids), "clips", path, fps, max_frames)
        worker = self._acquire()
        finished = False
        try:
            for kind, payload in self._run(worker, job, timeout_s=timeout_s, stall_s=stall_s):
                if kind == "clip":
                    yield payload
            finished = True
        finally:
            self._settle(worker, job, finished)

    def _settle(self, worker: DecodeWorker, job: _Job, finished: bool) -> None:
        """After a job: keep a healthy worker, stop one left mid-job, kill a dead or stuck one."""
        if finished:
            self._release(worker)
        elif worker.alive() and worker.cancel(job):
            self._release(worker)
        else:
            worker.kill()

    @staticmethod
    def _run(
        worker: DecodeWorker, job: _Job, *, timeout_s: float | None, stall_s: float
    ) -> Iterator[tuple[str, Any]]:
        """Yield a job's messages, turning an "error" message into the typed exception."""
        for kind, payload in worker.messages(job, timeout_s=timeout_s, stall_s=stall_s):
            if kind == "error":
                name, message = payload
                cls = getattr(errors, name, None)
                if not (isinstance(cls, type) and issubclass(cls, errors.VideoError)):
                    cls = errors.CorruptVideoError
                raise cls(message, path=job.path)
            yield kind, payload


_default_pool: DecoderPool | None = None
_default_lock = threading.Lock()


def default_pool() -> DecoderPool:
    """The process-wide pool `probe` and `sample_clips` use unless given another."""
    global _default_pool
    with _default_lock:
        if _default_pool is None:
            _default_pool = DecoderPool()
        return _default_pool
