"""`python -m app`: open Glimpse."""

from __future__ import annotations

import logging
import sys

from app.application import run
from engine.errors import GlimpseError

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        sys.exit(run())
    except GlimpseError as exc:  # e.g. no display: one sentence, not Qt's abort
        sys.stderr.write(f"{exc}\n")
        sys.exit(1)
