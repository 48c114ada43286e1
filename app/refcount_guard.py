"""A guard against a PySide6 bug that kills the app on Python 3.11.

PySide6 6.12 returns `None` from void methods (`setText`, `drawImage`, `processEvents`, ...) and
`True` from `Signal.emit()` without taking a reference. From Python 3.12 these singletons are immortal
and nothing happens; on 3.11 every such call drops their reference count by one, and once it reaches
zero the interpreter aborts ("deallocating None"). A painted result page makes thousands of such calls,
so a session would die within minutes. Until PySide6 is fixed, Glimpse gives the three singletons a
reference count no session can use up (what 3.12 does by making them immortal). Measured on this
project's environment (PySide6 6.12.0, CPython 3.11.7): exactly one lost reference per call.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

#: References added to each singleton: 2**40 void calls is centuries of painting.
HEADROOM = 2**40
_SINGLETONS: tuple[object, ...] = (None, True, False)


def needs_guard() -> bool:
    """True on interpreters where None/True/False are reference counted (before Python 3.12)."""
    return sys.version_info < (3, 12) and sys.implementation.name == "cpython"


def protect_singletons() -> bool:
    """Raise the reference counts of None, True and False far out of reach of the leak (once).

    Returns:
        True when the counts were raised now, False when not needed or already done.
    """
    if not needs_guard() or sys.getrefcount(None) > HEADROOM:
        return False
    for obj in _SINGLETONS:
        # ob_refcnt is the first field of every CPython object (a Py_ssize_t at the object's address).
        ctypes.c_ssize_t.from_address(id(obj)).value += HEADROOM
    log.debug("raised the reference counts of None, True and False (PySide6 refcount bug on 3.11)")
    return True
