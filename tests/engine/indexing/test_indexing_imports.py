"""Importing the indexing side (what the app's window does at start-up) does not load torch."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["engine.indexing", "engine.indexing.watch", "engine.indexing.progress"])
def test_importing_indexing_leaves_torch_out(module: str) -> None:
    code = f"import sys, {module}; print(sorted(m for m in ('torch', 'open_clip') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_watch_package_exports_what_the_commands_use() -> None:
    from engine.indexing.watch import LibraryWatcher, RootState, WatchStats
    from engine.indexing.watch.types import Change, ChangeKind

    assert {s.value for s in RootState} == {"watching", "polling", "offline", "online"}
    assert Change(ChangeKind.CREATED, "/x").dest == ""
    assert callable(LibraryWatcher) and WatchStats().events == 0
