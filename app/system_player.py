"""Opening a video in the system's player, at a time where the player takes one."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

log = logging.getLogger(__name__)

#: Players that accept a start time on the command line, in order of preference.
_PLAYERS: tuple[tuple[str, str], ...] = (
    ("mpv", "--start={t:.3f}"),
    ("vlc", "--start-time={t:.3f}"),
    ("celluloid", "--mpv-start={t:.3f}"),
)


def player_command(path: str, start: float, which=shutil.which) -> list[str] | None:
    """The command line of an installed player that can start at `start` seconds, or None."""
    for name, flag in _PLAYERS:
        exe = which(name)
        if exe:
            return [exe, flag.format(t=max(0.0, start)), path]
    return None


def open_in_system_player(path: str, start: float) -> bool:
    """Play `path` from `start` in mpv/VLC when installed, else the desktop's default app (from the start).

    Returns:
        True when a player was asked to open the file.
    """
    cmd = player_command(path, start)
    if cmd is not None:
        try:
            subprocess.Popen(
                cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            return True
        except OSError as exc:
            log.warning("could not start %s: %s", cmd[0], exc)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def open_containing_folder(path: str) -> bool:
    """Show the folder holding `path` in the file manager (selecting the file where the platform can)."""
    if sys.platform == "darwin":
        try:
            subprocess.Popen(["open", "-R", path])
            return True
        except OSError:
            pass
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))
