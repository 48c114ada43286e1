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
    model = obj.model if obj is not None else None
    device = obj.device if obj is not None else None
    sys.exit(run(db=db, model_spec=model, device=device))
