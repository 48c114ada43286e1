"""`glimpse gui` comes from the app through the `glimpse.commands` entry points, loaded lazily."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import Distribution, distributions
from pathlib import Path
from urllib.parse import unquote, urlparse

import click
import pytest

from engine.cli import COMMAND_ENTRY_POINTS

ROOT = Path(__file__).resolve().parents[2]


def declared_commands() -> dict[str, str]:
    """The commands pyproject.toml registers under the engine's entry-point group."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(project["entry-points"][COMMAND_ENTRY_POINTS])


def _glimpse(tmp_path: Path, commands: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m engine ARGS` with a distribution on sys.path that registers COMMANDS.

    The metadata is real (a dist-info folder that importlib.metadata reads); it stands in for a fresh
    install, whose entry points a stale editable install of another checkout would not show.
    """
    info = tmp_path / "glimpse_commands_check-0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: glimpse-commands-check\nVersion: 0\n")
    lines = "".join(f"{name} = {target}\n" for name, target in commands.items())
    (info / "entry_points.txt").write_text(f"[{COMMAND_ENTRY_POINTS}]\n{lines}")
    path = os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_pyproject_registers_gui_as_a_click_command() -> None:
    commands = declared_commands()
    assert commands == {"gui": "app.cli:gui"}
    module, _, name = commands["gui"].partition(":")
    command = getattr(__import__(module, fromlist=[name]), name)
    assert isinstance(command, click.Command) and command.name == "gui"


def test_engine_cli_does_not_import_qt_even_when_listing_commands() -> None:
    code = (
        "import sys, engine.cli\n"
        "before = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'app'))\n"
        "engine.cli.cli.main(['--help'], standalone_mode=False)\n"
        "print(before, sorted(m for m in sys.modules if m.split('.')[0] == 'PySide6'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[] []"


def test_gui_is_loaded_from_the_entry_points(tmp_path: Path) -> None:
    listing = _glimpse(tmp_path, declared_commands(), "--help")
    assert listing.returncode == 0, listing.stderr
    assert "Open the Glimpse window" in listing.stdout
    help_ = _glimpse(tmp_path, declared_commands(), "gui", "--help")
    assert help_.returncode == 0, help_.stderr
    assert "Usage: glimpse gui" in help_.stdout


def test_a_command_that_cannot_load_says_why_in_one_line(tmp_path: Path) -> None:
    commands = {"nowhere": "no_such_package.cli:command"}
    listing = _glimpse(tmp_path, commands, "--help")
    assert listing.returncode == 0 and "nowhere" in listing.stdout and "search" in listing.stdout
    run = _glimpse(tmp_path, commands, "nowhere", "--some-flag")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        "Error: The `nowhere` command cannot be loaded: No module named 'no_such_package'"
    ]


def _installs_of_this_checkout() -> list[Distribution]:
    """Editable installs of this very source tree (CI's `pip install -e .`), not another checkout's."""
    found = []
    for dist in distributions(name="glimpse"):
        url = urlparse(json.loads(dist.read_text("direct_url.json") or "{}").get("url", ""))
        if url.scheme == "file" and Path(unquote(url.path)).resolve() == ROOT:
            found.append(dist)
    return found


def test_the_installed_distribution_registers_the_same_commands() -> None:
    installs = _installs_of_this_checkout()
    if not installs:
        pytest.skip("this checkout is not pip-installed here (another checkout's metadata is in use)")
    for dist in installs:
        installed = {e.name: e.value for e in dist.entry_points.select(group=COMMAND_ENTRY_POINTS)}
        assert installed == declared_commands()
