"""Building, checking and catching up the saved ANN index, and the background build with its progress.

An index file is trusted only when its state names this library (meta "library_id"), the vector
table's epoch and dimension, a log position the database has reached, and, after replaying the log,
as many vectors as the library has clips. Anything else (a crash between a commit and a save, a
library copied without its index or with another's, a log trimmed past it, a model change) rebuilds.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from engine.store import vec_table
from engine.store.ann import TRAIN_PER_LIST, AnnIndex, AnnState, list_count, paths_for
from engine.store.db import Connection, connect, read_transaction, rows

log = logging.getLogger(__name__)

#: Replaying more logged changes than this costs more than a rebuild.
REPLAY_MAX = 100_000
#: Training vectors: enough for the inverted lists and for 8-bit codes, never the whole library.
TRAIN_MIN = 10_000
TRAIN_MAX = 200_000


class IndexState(StrEnum):
    """Where a library's ANN index stands."""

    NONE = "none"  # not needed (a small library) or not made yet
    BUILDING = "building"
    READY = "ready"


@dataclass(frozen=True)
class IndexStatus:
    """The ANN index's state, with build progress in vectors."""

    state: IndexState
    vectors: int = 0
    done: int = 0
    total: int = 0

    def sentence(self) -> str:
        """One line for `glimpse status` and the app."""
        if self.state is IndexState.READY:
            return f"ready ({self.vectors:,} vectors)"
        if self.state is IndexState.BUILDING:
            pct = 100.0 * self.done / self.total if self.total else 0.0
            return f"building in the background ({self.done:,} of {self.total:,} vectors, {pct:.0f}%)"
        return "none (exact search)"


def library_id(c: Connection) -> str:
    return vec_table.get_meta(c, "library_id") or ""


def same_table(ann: AnnIndex, c: Connection, dim: int) -> bool:
    """True when the index was made from this library's current vector table."""
    s = ann.state
    return s.library_id == library_id(c) and s.epoch == vec_table.epoch(c) and s.dim == dim


def catch_up(ann: AnnIndex, c: Connection) -> int | None:
    """Replay logged changes after the index's seq; how many, or None when it must be rebuilt.

    Replay is idempotent: every logged clip is removed, then added back when its last entry is an
    insert whose vector this snapshot holds, so replaying from an older seq than needed is harmless.
    """
    behind = vec_table.pending_changes(c, ann.state.last_seq)
    if behind == 0:
        return 0
    if behind > max(REPLAY_MAX, ann.size // 4):
        return None
    oldest, changes = vec_table.log_since(c, ann.state.last_seq)
    if oldest is None or oldest > ann.state.last_seq + 1:
        return None  # the log was trimmed past us
    final: dict[int, bool] = {}
    for cid, added in changes:
        final[cid] = added
    touched = np.fromiter(final, np.int64, len(final))
    ann.remove(touched)
    ids, vectors = vec_table.fetch_matrix(c, [cid for cid, added in final.items() if added], ann.state.dim)
    ann.add(ids, vectors)
    ann.state.last_seq = vec_table.log_position(c)
    return len(changes)


def load_checked(db: Path, c: Connection, dim: int) -> AnnIndex | None:
    """The saved index when it belongs to this library and catches up with `c`; else None."""
    ann = AnnIndex.load(db)
    if ann is None:
        return None
    if not same_table(ann, c, dim) or ann.state.last_seq > vec_table.log_position(c):
        log.info("the saved vector index %s is not this library's current one", paths_for(db)[0])
        return None
    if catch_up(ann, c) is None or ann.size != vec_table.clip_count(c):
        log.info("the saved vector index %s is out of step with the library", paths_for(db)[0])
        return None
    return ann


def build(
    c: Connection,
    dim: int,
    *,
    progress: Callable[[int, int], None],
    cancelled: Callable[[], bool],
    db: Path | None = None,
) -> AnnIndex | None:
    """Build the index of every vector in the snapshot `c` reads (None when cancelled)."""
    total = vec_table.clip_count(c)
    want = min(total, max(TRAIN_MIN, min(TRAIN_MAX, TRAIN_PER_LIST * list_count(total))))
    picked = [int(r[0]) for r in rows(c, "SELECT id FROM clips ORDER BY random() LIMIT ?", (want,))]
    _, sample = vec_table.fetch_matrix(c, picked, dim)
    state = AnnState(library_id(c), vec_table.epoch(c), dim, vec_table.log_position(c), total)
    progress(0, total)
    return AnnIndex.build(
        sample,
        vec_table.iter_all(c, dim, batch=32768),
        state,
        progress=lambda done: progress(done, total),
        cancelled=cancelled,
        rows_beside=db,
    )


class Builder:
    """One background build at a time, with progress (also written beside the library for `status`)."""

    def __init__(self, db: Path) -> None:
        self._db = db
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._done = 0
        self._total = 0
        self._last_write = 0.0

    def status(self) -> IndexStatus:
        if self._thread is not None and self._thread.is_alive() and self._total:
            return IndexStatus(IndexState.BUILDING, 0, self._done, self._total)
        return IndexStatus(IndexState.NONE)

    def start(self, delay: float, install: Callable[[AnnIndex], None]) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(
            target=self._run, args=(delay, install), name="glimpse-vector-index", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=15)  # training cannot be interrupted; the thread is a daemon

    def reset(self) -> None:
        self._stop.clear()

    def stopping(self) -> bool:
        """True while stop() is in effect (other background work on the index checks it too)."""
        return self._stop.is_set()

    def run_now(self, install: Callable[[AnnIndex], None]) -> None:
        """Build on this thread from a fresh snapshot."""
        conn = connect(self._db, readonly=True)
        try:
            with read_transaction(conn, self._db):
                self.run_with(conn, install)
        finally:
            conn.close()

    def run_with(self, c: Connection, install: Callable[[AnnIndex], None]) -> None:
        """Build from the snapshot `c` reads, save it beside the library, and install it."""
        dim = vec_table.vector_dim(c)
        if dim is None:
            return
        t0 = time.perf_counter()
        ann = build(c, dim, progress=self._progress, cancelled=self._stop.is_set, db=self._db)
        self._clear_progress()
        if ann is None:
            return
        try:
            ann.save(self._db)
        except OSError as err:  # a read-only folder: the index lives in memory for this process
            log.warning("could not save the vector index beside %s: %s", self._db, err)
        log.info(
            "vector index built: %d vectors, %.0f MB, %.1f s",
            ann.size,
            ann.nbytes / 1e6,
            time.perf_counter() - t0,
        )
        install(ann)

    def _run(self, delay: float, install: Callable[[AnnIndex], None]) -> None:
        if self._stop.wait(delay):
            return
        try:
            self.run_now(install)
        except Exception:  # noqa: BLE001 - exact search keeps answering; the log keeps the cause
            log.exception("building the vector index failed")

    def _progress(self, done: int, total: int) -> None:
        self._done, self._total = done, total
        now = time.monotonic()
        if now - self._last_write >= 1.0 or done == total:
            self._last_write = now
            try:
                progress_path(self._db).write_text(
                    json.dumps({"pid": os.getpid(), "done": done, "total": total, "at": time.time()})
                )
            except OSError:
                pass  # progress shown in other processes is a courtesy

    def _clear_progress(self) -> None:
        self._total = 0
        try:
            progress_path(self._db).unlink(missing_ok=True)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    """True when a process of this id runs (a builder that died leaves its progress file behind)."""
    if os.name == "nt":
        return True  # signal 0 means CTRL_C_EVENT there; the file's age decides alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but is not ours to signal
    return True


def progress_path(db: Path) -> Path:
    return db.with_name(db.name + ".ann.progress")


def saved_status(db: Path, clips: int, ann_min: int) -> IndexStatus:
    """The ANN index's state as seen from another process: a build in progress, a saved file, or none."""
    try:
        info = json.loads(progress_path(db).read_text())
        if _alive(int(info["pid"])) and time.time() - float(info["at"]) < 3600:
            return IndexStatus(IndexState.BUILDING, 0, int(info["done"]), int(info["total"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    index_path, state_path = paths_for(db)
    if index_path.exists() and state_path.exists():
        try:
            size = int(json.loads(state_path.read_text())["size"])
            return IndexStatus(IndexState.READY, size, size, size)
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return IndexStatus(IndexState.NONE, 0, 0, clips if clips >= ann_min else 0)
