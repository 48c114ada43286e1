"""Suite-wide fixtures: an isolated GLIMPSE_HOME, offscreen Qt, no network."""

from __future__ import annotations

import os

# Before any Qt import anywhere in the suite.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never reach a model hub from a test.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def glimpse_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own data folder; nothing touches the real user's library."""
    home = tmp_path_factory.mktemp("glimpse_home")
    monkeypatch.setenv("GLIMPSE_HOME", str(home))
    monkeypatch.delenv("GLIMPSE_DB", raising=False)
    monkeypatch.delenv("GLIMPSE_MODEL", raising=False)
    monkeypatch.delenv("GLIMPSE_DEVICE", raising=False)
    return home
