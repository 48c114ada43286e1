"""The `glimpse` command line: a click group whose commands stay thin and call engine functions.

Exit codes: 0 success; 1 a clear error (one line on stderr); 2 usage error (click's);
3 the integrity check found problems; 130 interrupted.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from importlib import import_module

import click

from engine import __version__
from engine.errors import GlimpseError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHECK_FAILED = 3
EXIT_INTERRUPTED = 130

#: Modules that add their commands to the group (each defines `register(group)`).
COMMAND_MODULES = (
    "engine.commands.library",
    "engine.commands.watch",
    "engine.commands.training",
    "engine.commands.gui",
    "engine.commands.export",
)


@dataclass
class CliContext:
    """Global options every command sees."""

    db: str | None
    model: str | None
    device: str | None
    verbose: int


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="glimpse")
@click.option(
    "--db", "db", type=click.Path(dir_okay=False), help="Library database file (default: GLIMPSE_HOME)."
)
@click.option(
    "--model", "model", help='Model spec: "tiny", "ViT-B-32-quickgelu:openai", a checkpoint file or folder.'
)
@click.option(
    "--device", "device", help='Torch device: "cuda", "mps" or "cpu" (default: the best available).'
)
@click.option("-v", "--verbose", count=True, help="More log detail (repeat for debug).")
@click.pass_context
def cli(ctx: click.Context, db: str | None, model: str | None, device: str | None, verbose: int) -> None:
    """Glimpse: search your own videos in plain language."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = CliContext(db=db, model=model, device=device, verbose=verbose)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency inside the module: surface it
                raise
            continue
        module.register(cli)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point: runs the group, turning engine errors into one clear line."""
    try:
        cli.main(args=argv, prog_name="glimpse", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GlimpseError as exc:
        log.debug("engine error", exc_info=True)
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_OK)
