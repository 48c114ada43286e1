"""The decode workers' CPU priority: GLIMPSE_DECODE_NICE lowers it (default: the parent's priority).

Measured with ViT-B/32 on a shared 2-core CPU (docs/benchmarks.md, issue #13, second pass): at nice +10
the decoder takes the gaps other programs leave in torch's threads, and indexing ran at a median 1.04 x
the encoder alone (10 rounds at load 2-7); in the one quiet round the same setting starved the decoder
until the encoder ran dry (0.60 x), so it is not the default.
"""

from __future__ import annotations

import contextlib
import os

#: Niceness added to a decode worker at its start (POSIX nice: 0 normal, 19 lowest).
DECODE_NICE = 0
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
