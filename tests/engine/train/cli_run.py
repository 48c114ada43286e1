"""Running `glimpse` in-process for the train tests."""

from __future__ import annotations

import pytest

from engine.cli import main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `glimpse ARGV`."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err  # type: ignore[return-value]
