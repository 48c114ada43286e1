"""Importing the indexing side (what the app's window does at start-up) does not load torch."""

from __future__ import annotations

import pytest

from tests.heavy_imports import heavy_modules_after


@pytest.mark.parametrize("module", ["engine.indexing", "engine.indexing.watch", "engine.indexing.progress"])
def test_importing_indexing_leaves_torch_out(module: str) -> None:
    assert heavy_modules_after(f"import {module}") == []


def test_the_watch_package_exports_what_the_commands_use() -> None:
    from engine.indexing.watch import LibraryWatcher, RootState, WatchStats
    from engine.indexing.watch.types import Change, ChangeKind

    assert {s.value for s in RootState} == {"watching", "polling", "offline", "online"}
    assert Change(ChangeKind.CREATED, "/x").dest == ""
    assert callable(LibraryWatcher) and WatchStats().events == 0
