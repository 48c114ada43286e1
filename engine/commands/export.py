"""`glimpse export` (a moment as its own file) and `glimpse install-desktop` (the applications-menu entry)."""

from __future__ import annotations

import click

from engine.desktop import install_desktop_entry


def register(group: click.Group) -> None:
    """Add the export and install-desktop commands to the CLI group."""
    group.add_command(export)
    group.add_command(install_desktop)


class TimeParam(click.ParamType):
    """Seconds ("83.5") or mm:ss / h:mm:ss ("01:23")."""

    name = "time"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        from engine.export import parse_time  # PyAV loads only when a command needs it

        if isinstance(value, float | int):
            return float(value)
        try:
            return parse_time(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command()
@click.argument("video", type=click.Path(dir_okay=False))
@click.option("--start", "start", type=TimeParam(), required=True, help="In point: seconds or mm:ss.")
@click.option("--end", "end", type=TimeParam(), required=True, help="Out point: seconds or mm:ss.")
@click.option(
    "-o", "--output", "output", type=click.Path(dir_okay=False), required=True, help="File to write."
)
@click.option("--reencode", is_flag=True, help="Re-encode even when the packets could be copied.")
def export(video: str, start: float, end: float, output: str, reencode: bool) -> None:
    """Write the part of VIDEO between --start and --end to a file (stream copy when the range allows)."""
    from engine.export import export_clip

    result = export_clip(video, start, end, output, reencode=reencode)
    click.echo(result.describe())


@click.command("install-desktop")
def install_desktop() -> None:
    """Add Glimpse to the applications menu (an XDG .desktop entry and icon under $XDG_DATA_HOME)."""
    entry, icon = install_desktop_entry()
    click.echo(f"Wrote {entry} and {icon}.")
