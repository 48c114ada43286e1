"""`glimpse watch` as a process: it indexes, logs, and stops cleanly on SIGTERM and SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.store import LibraryStore, VideoStatus
from tests.engine.indexing.conftest import write_video

REPO = Path(__file__).resolve().parents[3]
VIDEOS = 40
#: How long a step may take before the test calls the build hung: far beyond any load the box sees
#: (the stop time itself is a figure of tests/bench/watch_bench.py, not an assertion here).
LIVENESS_S = 300


def _watch_cmd(db: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "engine",
        "--db",
        str(db),
        "--model",
        "tiny",
        "watch",
        "--settle",
        "0.3",
        *extra,
    ]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO))


def _indexed(db: Path) -> int:
    try:
        with LibraryStore.open(db, readonly=True) as store:
            return store.counts().indexed
    except Exception:  # not created or not migrated yet
        return 0


@pytest.mark.slow
def test_sigterm_during_indexing_leaves_nothing_half_written(tmp_path: Path) -> None:
    root = tmp_path / "videos"
    for i in range(VIDEOS):
        write_video(root / f"v{i:02d}.avi", 200 + i, seconds=4.0)
    db = tmp_path / "lib.db"
    proc = subprocess.Popen(
        _watch_cmd(db, str(root)), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + LIVENESS_S  # a liveness bound, never reached on a working build
        while time.monotonic() < deadline and _indexed(db) < 2 and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=LIVENESS_S)  # a hang guard; the time to stop is not asserted
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM received" in err and "Stopped." in err
    assert "watching " in err  # it logs what it does
    with LibraryStore.open(db) as store:
        assert store.check() == []
        rows = store.videos()
        counts = store.counts()
    indexed = [r for r in rows if r.status == VideoStatus.INDEXED]
    assert 2 <= len(indexed) < VIDEOS or pytest.skip("indexing finished before the signal")
    assert all(r.status in (VideoStatus.INDEXED, VideoStatus.PENDING) for r in rows)
    assert counts.failed == 0
    # Every committed video has all of its clips: a 4 s video at 1 fps is one clip of 4 frames.
    assert counts.clips == len(indexed)


def test_sigint_stops_an_idle_watcher(tmp_path: Path) -> None:
    root = tmp_path / "videos"
    write_video(root / "one.avi", 1)
    db = tmp_path / "lib.db"
    sent: list[float] = []

    def interrupt_once_indexed() -> None:
        deadline = time.monotonic() + LIVENESS_S
        while _indexed(db) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C in a terminal would

    previous = signal.getsignal(signal.SIGINT)
    helper = threading.Thread(target=interrupt_once_indexed, daemon=True)
    helper.start()
    result = CliRunner().invoke(
        cli,
        ["--db", str(db), "--model", "tiny", "watch", "--settle", "0.3", str(root)],
        catch_exceptions=False,
    )
    helper.join(5)
    assert result.exit_code == 0, result.output
    assert sent  # it was interrupted (not finished on its own), and invoke() returned
    assert "Watching" in result.output and "Stopped." in result.output
    assert signal.getsignal(signal.SIGINT) is previous  # the command put the old handler back
    assert _indexed(db) == 1


def test_watch_without_folders_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "lib.db"), "watch"])
    assert result.exit_code == 1
    assert "no folders" in result.output


def test_watch_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "lib.db"), "watch", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "is not a folder" in result.output
    with LibraryStore.open(tmp_path / "lib.db") as store:
        assert store.list_folders() == []


@pytest.mark.slow
def test_watch_with_a_model_that_cannot_load_says_so(tmp_path: Path) -> None:
    root = tmp_path / "videos"
    root.mkdir()
    bogus = tmp_path / "weights.bin"
    bogus.write_bytes(b"not a checkpoint")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine",
            "--db",
            str(tmp_path / "lib.db"),
            "--model",
            str(bogus),
            "watch",
            str(root),
        ],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "Traceback" not in proc.stderr
