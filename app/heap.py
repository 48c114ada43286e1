"""Keep Python's garbage collector from stalling the UI thread.

A full (generation 2) collection walks every object alive; with torch, open_clip and Qt loaded that
is hundreds of thousands of objects and 100-300 ms with the GIL held, whichever thread triggers it.
Objects alive once the model is loaded live as long as the app, so they are moved out of the
collector's sight (`gc.freeze`), and young collections run less often.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

#: Allocations between young collections (CPython's default is 700).
GEN0_THRESHOLD = 20_000


def freeze_long_lived() -> int:
    """Exclude every object alive now from future collections; returns how many are frozen."""
    gc.freeze()
    threshold = gc.get_threshold()
    if threshold[0] < GEN0_THRESHOLD:
        gc.set_threshold(GEN0_THRESHOLD, threshold[1], threshold[2])
    count = gc.get_freeze_count()
    log.debug("froze %d long-lived objects", count)
    return count


@contextmanager
def collections_paused() -> Iterator[None]:
    """No collections while loading the model (importing torch allocates ~10^5 objects and would
    trigger full passes over them); what was allocated is then frozen as long-lived."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        freeze_long_lived()
        if was_enabled:
            gc.enable()
