"""`glimpse install-desktop` writes an XDG .desktop entry and the icon under $XDG_DATA_HOME."""

from __future__ import annotations

import configparser

from click.testing import CliRunner

from engine.cli import cli


def test_install_desktop_writes_entry_and_icon(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["install-desktop"])
    assert result.exit_code == 0, result.output
    entry = tmp_path / "applications" / "glimpse.desktop"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "glimpse.svg"
    assert icon.read_text(encoding="utf-8").lstrip().startswith("<")
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.optionxform = str  # keys are case-sensitive in the spec
    parsed.read(entry, encoding="utf-8")
    section = parsed["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "Glimpse" and section["Icon"] == "glimpse"
    assert section["Exec"].endswith(" gui") and "Video" in section["Categories"].split(";")
