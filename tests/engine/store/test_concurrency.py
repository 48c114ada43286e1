"""Crash safety and readers beside a writer, with real processes and threads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from engine.store import LibraryStore

from .conftest import add_video, unit

REPO = Path(__file__).resolve().parents[3]

# A writer that re-saves video 1 with new clips and stalls (inside the transaction) while the
# second clip's frames are written: the old clips are already deleted, the first new clip inserted.
WRITER = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from engine.store import ClipRecord, FrameRecord, LibraryStore

    class StallingFrames(list):
        def __iter__(self):
            sys.stdout.write("IN_TRANSACTION\\n")
            sys.stdout.flush()
            time.sleep(120)
            return super().__iter__()

    store = LibraryStore.open(sys.argv[1])
    v = np.zeros(16, np.float32)
    v[5] = 1.0
    clips = [ClipRecord(0, 1, v, [FrameRecord(0.5, 1.0, b"new")]),
             ClipRecord(1, 2, v, StallingFrames([FrameRecord(1.5, 1.0, b"new")]))]
    store.save_video(1, duration=2, fingerprint="fp-test", clips=clips, size=1, mtime=1.0, content_hash="h")
    sys.stdout.write("COMMITTED\\n")
    """
)


def _start_stalled_writer(db: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "IN_TRANSACTION", f"writer did not reach the transaction: {line!r}"
    return proc


@pytest.fixture
def library(tmp_path: Path) -> Path:
    db = tmp_path / "lib.db"
    with LibraryStore.open(db) as store:
        vid = add_video(store, tmp_path / "v", "a.mp4", [unit(1, 0), unit(0, 1), unit(1, 1)])
        assert vid == 1
    return db


def _snapshot(store: LibraryStore) -> tuple[int, list[int], list[str]]:
    hits = store.knn(unit(1, 0), 10)
    return store.counts().clips, sorted(c for c, _ in hits), store.check()


def test_sigkill_mid_transaction_leaves_the_old_state(library: Path) -> None:
    with LibraryStore.open(library) as store:
        before = _snapshot(store)
    assert before[0] == 3 and before[2] == []
    proc = _start_stalled_writer(library)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    with LibraryStore.open(library) as store:
        after = _snapshot(store)
        frames = [f.thumb for d in store.clip_details(after[1]).values() for f in d.frames]
    assert after == before
    assert b"new" not in frames


def test_readers_are_not_blocked_by_an_open_write_transaction(library: Path) -> None:
    proc = _start_stalled_writer(library)
    try:
        # No busy timeout: a read that had to wait for the writer's lock would fail at once.
        with LibraryStore.open(library, busy_timeout_s=0.0) as store:
            clips, hits, _ = _snapshot(store)
        # The reader sees the last committed state, at once (WAL snapshot, no lock wait).
        assert clips == 3 and len(hits) == 3
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_reader_thread_while_a_writer_thread_commits(tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    store = LibraryStore.open(db)
    add_video(store, tmp_path / "v", "seed.mp4", [unit(1, 0)])
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            # The same LibraryStore object: the writer thread gets its own connection.
            for i in range(40):
                add_video(store, tmp_path / "v", f"w{i}.mp4", [unit(1, i % 7, i) for _ in range(20)])
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            errors.append(err)
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    seen: list[int] = []
    with LibraryStore.open(db, busy_timeout_s=0.0) as reader:  # any wait on the writer's lock raises
        while not done.is_set():
            seen.append(reader.counts().clips)
            reader.knn(unit(1, 0), 10)
    writer.join(timeout=60)
    store.close()
    assert not errors, errors
    assert seen == sorted(seen), "a reader must never see clips disappear while videos are only added"
    with LibraryStore.open(db) as final:
        assert final.counts().clips == 1 + 40 * 20
        assert final.check() == []
