"""How the library commands open the library: for writing, for reading only, and for a search."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine import config

if TYPE_CHECKING:
    from engine.store import LibraryStore


def db_path(ctx: click.Context) -> Path:
    """The library database the command works on (--db, GLIMPSE_DB or the default)."""
    return config.db_path(ctx.obj.db if ctx.obj else None)


def open_library(ctx: click.Context) -> LibraryStore:
    """The library for writing (created when missing)."""
    from engine.store import LibraryStore

    return LibraryStore.open(db_path(ctx))


def open_existing(ctx: click.Context) -> LibraryStore:
    """For commands that only read: a missing library is an error, and nothing is created."""
    db = db_path(ctx)
    if not db.exists():
        raise click.ClickException(
            f"There is no library at {db}: check --db, or create one with `glimpse index PATH`."
        )
    return open_library(ctx)


def open_for_search(ctx: click.Context) -> LibraryStore:
    """The library read-only (a search never writes, nor waits on the indexer); a missing one is an error.

    One of an older schema (which a read-only connection cannot upgrade) is opened as before, upgraded first.
    """
    from engine.errors import StoreError
    from engine.store import LibraryStore

    db = db_path(ctx)
    if db.is_file():
        try:
            return LibraryStore.open(db, readonly=True)
        except StoreError as exc:
            if type(exc) is not StoreError:  # corrupt, locked, too new: the same answer either way
                raise
    return open_existing(ctx)
