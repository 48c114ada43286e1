"""Yes/no questions the controllers ask the user, behind a Protocol so tests can answer them."""

from __future__ import annotations

from typing import Protocol


class Asker(Protocol):
    """Asks a yes/no question; the window answers with a message box, tests with a function."""

    def confirm(self, title: str, text: str) -> bool:
        """True when the user says yes."""
        ...
