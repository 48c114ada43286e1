"""The installed Qt binding keeps its reference counts: PySide6 6.12.0 did not, and aborted CPython 3.11.

That release returned None from void methods and True from Signal.emit() without a reference, so a
painted result page (thousands of such calls) killed the interpreter within minutes ("deallocating
None"). pyproject.toml excludes it; this test fails if such a binding is installed again.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

CALLS = 2_000  # below the few thousand references None has at start: a leak fails, not aborts


class _Emitter(QObject):
    fired = Signal(object)


def test_void_calls_and_emits_keep_none_and_true_references(qapp) -> None:
    label, emitter = QLabel(), _Emitter()
    emitter.fired.connect(lambda _v: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(CALLS):
        label.setText("x")
        emitter.fired.emit(i)
    lost_none = none_before - sys.getrefcount(None)
    lost_true = true_before - sys.getrefcount(True)
    # Unrelated code may take or drop a few references meanwhile; a leaky binding loses one per call.
    assert lost_none < CALLS // 10 and lost_true < CALLS // 10, (lost_none, lost_true)
