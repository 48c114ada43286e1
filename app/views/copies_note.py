"""The other files holding a result's moment (engine.copies): the card's note and the menu's entries."""

from __future__ import annotations

from pathlib import PurePath

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMenu

from app.icons import icon
from app.system_player import open_in_system_player
from engine.results import SearchResult


def copies_note(result: object) -> str:
    """ " · also in 2 other files" for a result with copies, else ""."""
    copies = result.copies if isinstance(result, SearchResult) else []
    if not copies:
        return ""
    if len(copies) == 1:
        return QCoreApplication.translate("CopiesNote", " \u00b7 also in 1 other file")
    return QCoreApplication.translate("CopiesNote", " \u00b7 also in {n} other files").format(n=len(copies))


def add_copy_actions(menu: QMenu, result: object) -> None:
    """One "Open the copy …" entry per other file, each playing it from the moment's start."""
    if not isinstance(result, SearchResult) or not result.copies:
        return
    menu.addSeparator()
    for copy in result.copies:
        text = QCoreApplication.translate("CopiesNote", "Open the copy {name}").format(
            name=PurePath(copy.path).name
        )
        action = menu.addAction(icon("open-external"), text)
        action.triggered.connect(lambda _checked=False, c=copy: open_in_system_player(c.path, c.start))
        action.setToolTip(copy.path)
