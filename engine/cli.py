"""The `glimpse` command line: a click group whose commands stay thin and call engine functions.

Other packages add commands through the `glimpse.commands` entry-point group (the app adds `gui`); they are
loaded only when named or listed, so `import engine.cli` stays free of them (and of Qt).

Exit codes: 0 success; 1 a clear error (one line on stderr); 2 usage error (click's);
3 the integrity check found problems; 130 interrupted.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points

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
    "engine.commands.folders",
    "engine.commands.index",
    "engine.commands.search",
    "engine.commands.status",
    "engine.commands.watch",
    "engine.commands.training",
    "engine.commands.export",
)

#: The entry-point group through which other packages add commands (each entry: name = "module:command").
COMMAND_ENTRY_POINTS = "glimpse.commands"


def _registered_commands() -> dict[str, EntryPoint]:
    """Commands other installed packages register, by name (the first distribution on sys.path wins)."""
    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=COMMAND_ENTRY_POINTS):
        found.setdefault(entry.name, entry)
    return found


def _unavailable(name: str, reason: str) -> click.Command:
    """A stand-in for a registered command that cannot load: running it says why in one sentence."""

    def fail() -> None:
        raise click.ClickException(f"The `{name}` command cannot be loaded: {reason}")

    settings = {"ignore_unknown_options": True, "allow_extra_args": True}  # whatever was asked: say why
    return click.Command(name, callback=fail, help=f"(unavailable: {reason})", context_settings=settings)


def _load_command(entry: EntryPoint) -> click.Command:
    try:
        command = entry.load()
    except Exception as exc:  # a broken plug-in must not break the other commands
        log.debug("could not load command %s (%s)", entry.name, entry.value, exc_info=True)
        return _unavailable(entry.name, str(exc) or type(exc).__name__)
    if not isinstance(command, click.Command):
        return _unavailable(entry.name, f"{entry.value} is not a click command")
    return command


class GlimpseGroup(click.Group):
    """The engine's own commands plus those registered under COMMAND_ENTRY_POINTS, loaded on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_registered_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        entry = _registered_commands().get(cmd_name)
        if entry is None:
            return None
        command = _load_command(entry)
        self.add_command(command, cmd_name)
        return command


@dataclass
class CliContext:
    """Global options every command sees."""

    db: str | None
    model: str | None
    device: str | None
    verbose: int


@click.group(cls=GlimpseGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
        import_module(name).register(cli)


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
