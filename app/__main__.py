"""`python -m app`: open Glimpse."""

from __future__ import annotations

import logging
import sys

from app.application import run

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(run())
