"""`glimpse gui`: open the desktop app (Qt is imported only when the command runs)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def register(group: click.Group) -> None:
    """Add the `gui` command to the CLI group."""
    group.add_command(gui)


@click.command()
@click.pass_context
def gui(ctx: click.Context) -> None:
    """Open the Glimpse window."""
    try:
        from app.application import run
    except ImportError as exc:  # a broken Qt install: one sentence, not a traceback
        raise click.ClickException(f"The desktop app cannot start because Qt failed to load: {exc}") from exc
    obj = ctx.obj
    db = Path(obj.db) if obj is not None and obj.db else None
    if obj is not None and obj.model:
        import os

        os.environ["GLIMPSE_MODEL"] = obj.model  # the default spec for a new library
    if obj is not None and obj.device:
        import os

        os.environ["GLIMPSE_DEVICE"] = obj.device
    sys.exit(run(db=db))
