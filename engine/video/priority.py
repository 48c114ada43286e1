"""The decode workers' CPU priority: below the encoder's and the GUI's, so decoding takes what they leave.

Where decoding and the model share the cores (indexing on a CPU), a decoder at the same priority preempts
one of torch's threads mid-step and its partners wait for it at the next barrier; at a lower priority it
runs in the gaps (docs/benchmarks.md, issue #13). GLIMPSE_DECODE_NICE sets the step (0: none).
"""

from __future__ import annotations

import contextlib
import os

#: Niceness added to a decode worker at its start (POSIX nice: 0 normal, 19 lowest).
DECODE_NICE = 10
NICE_ENV = "GLIMPSE_DECODE_NICE"


def nice_step() -> int:
    """The niceness to add: GLIMPSE_DECODE_NICE when it is a whole number >= 0, else DECODE_NICE."""
    value = os.environ.get(NICE_ENV, "").strip()
    return int(value) if value.isdigit() else DECODE_NICE


def lower_priority() -> None:
    """Lower this process's CPU priority by `nice_step()`, where the OS allows (on Windows: unchanged)."""
    step = nice_step()
    if step > 0 and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(step)
