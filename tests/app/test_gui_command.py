"""`glimpse gui` is registered without the engine importing Qt."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner


def test_engine_cli_does_not_import_qt():
    code = (
        "import sys, engine.cli\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'app')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"


def test_gui_command_is_listed():
    from engine.cli import cli

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "gui" in result.output
    result = CliRunner().invoke(cli, ["gui", "--help"])
    assert result.exit_code == 0 and "Open the Glimpse window" in result.output
