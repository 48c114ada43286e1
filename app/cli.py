"""`glimpse gui`: the app's command for the engine's CLI (Qt is imported only when the command runs).

The engine never names the app: pyproject registers this command under the `glimpse.commands` entry-point
group, and `engine.cli` adds whatever that group holds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli import CliContext


@click.command()
@click.pass_context
def gui(ctx: click.Context) -> None:
    """Open the Glimpse window."""
    try:
        from app.application import run
    except ImportError as exc:  # a broken Qt install: one sentence, not a traceback
        raise click.ClickException(f"The desktop app cannot start because Qt failed to load: {exc}") from exc
    obj = ctx.find_object(CliContext)
    db = Path(obj.db) if obj is not None and obj.db else None
    model = obj.model if obj is not None else None
    device = obj.device if obj is not None else None
    sys.exit(run(db=db, model_spec=model, device=device))
