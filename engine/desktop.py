"""Linux desktop integration: an XDG .desktop entry and the icon, so Glimpse is in the applications menu."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "glimpse.svg"
DESKTOP_ID = "glimpse"  # matches QGuiApplication.setDesktopFileName, so the window groups under it


def xdg_data_home() -> Path:
    """$XDG_DATA_HOME, else ~/.local/share (the XDG Base Directory default)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def desktop_entry(exec_command: str) -> str:
    """The .desktop file's text (Desktop Entry Specification 1.5)."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.5\n"
        "Name=Glimpse\n"
        "GenericName=Video search\n"
        "GenericName[zh_CN]=视频搜索\n"
        "Comment=Search your own videos in plain language\n"
        "Comment[zh_CN]=用日常语言搜索您自己的视频\n"
        f"Exec={exec_command}\n"
        f"Icon={DESKTOP_ID}\n"
        "Terminal=false\n"
        "Categories=AudioVideo;Video;Player;\n"
        "Keywords=video;search;library;clip;\n"
        "StartupWMClass=glimpse\n"
    )


def install_desktop_entry(data_home: Path | None = None) -> tuple[Path, Path]:
    """Write applications/glimpse.desktop and icons/hicolor/scalable/apps/glimpse.svg; returns both paths."""
    base = data_home or xdg_data_home()
    apps = base / "applications"
    icons = base / "icons" / "hicolor" / "scalable" / "apps"
    apps.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    icon = icons / f"{DESKTOP_ID}.svg"
    shutil.copyfile(ICON, icon)
    launcher = shutil.which("glimpse")
    # Quoted per the spec; the interpreter of this install when `glimpse` is not on PATH.
    command = f'"{launcher}" gui' if launcher else f'"{sys.executable}" -m engine gui'
    entry = apps / f"{DESKTOP_ID}.desktop"
    tmp = entry.with_suffix(".tmp")
    tmp.write_text(desktop_entry(command), encoding="utf-8")
    tmp.replace(entry)
    return entry, icon
