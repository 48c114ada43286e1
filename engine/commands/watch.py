"""`glimpse watch`: keep the library indexed while folders change, headless, until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from engine import config

log = logging.getLogger(__name__)


def _install_stop_signals(stop: threading.Event) -> dict[int, object]:
    """Make SIGINT and SIGTERM set `stop`; returns the previous handlers."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # a second signal: the user means it
            raise KeyboardInterrupt
        log.warning("%s received: stopping after the video in progress", signal.Signals(signum).name)
        stop.set()

    previous: dict[int, object] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handle)
    return previous


@click.command("watch")
@click.argument("folders", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--settle",
    "settle_s",
    type=click.FloatRange(min=0),
    default=3.0,
    show_default=True,
    help="Seconds a file must stay unchanged before it is indexed.",
)
@click.option(
    "--rescan-interval",
    "rescan_s",
    type=click.FloatRange(min=0),
    default=3600.0,
    show_default=True,
    help="Seconds between full rescans of every folder (0: only at start-up).",
)
@click.option(
    "--poll-interval",
    "poll_s",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between snapshots of folders watched by polling.",
)
@click.option(
    "--poll",
    "poll",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Watch this library folder by polling even where events work (repeatable).",
)
@click.pass_context
def watch(
    ctx: click.Context,
    folders: tuple[Path, ...],
    settle_s: float,
    rescan_s: float,
    poll_s: float,
    poll: tuple[Path, ...],
) -> None:
    """Watch the library folders and index what changes, until Ctrl-C or SIGTERM.

    FOLDERS, if given, are added to the library first.
    """  # fmt: skip
    from engine.indexing.watch import LibraryWatcher
    from engine.store import LibraryStore

    obj = ctx.obj
    if obj is None or obj.verbose == 0:
        logging.getLogger("engine").setLevel(logging.INFO)  # a daemon says what it does
    db = config.db_path(obj.db if obj else None)
    with LibraryStore.open(db) as store:
        for folder in folders:
            if not folder.is_dir():
                raise click.ClickException(f"{folder} is not a folder.")
            store.add_folder(os.path.abspath(folder))
        if not store.list_folders():
            raise click.ClickException("The library has no folders yet; add one with `glimpse watch FOLDER`.")
    stop = threading.Event()
    previous = _install_stop_signals(stop)
    watcher = LibraryWatcher(
        db,
        model_spec=obj.model if obj else None,
        device=obj.device if obj else None,
        settle_s=settle_s,
        rescan_interval_s=rescan_s,
        poll_interval_s=poll_s,
        force_polling=[os.path.abspath(p) for p in poll],
    )
    try:
        watcher.start()
        for path, state in watcher.status().items():
            click.echo(f"{state['state']:>8}  {path}", err=True)
        click.echo("Watching; press Ctrl-C to stop.", err=True)
        while not stop.wait(0.5):
            if not watcher.is_running:
                raise click.ClickException("The watcher stopped unexpectedly; see the log above.")
    finally:
        watcher.stop(timeout=10.0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
    click.echo("Stopped.", err=True)


def register(group: click.Group) -> None:
    """Add `watch` to the CLI group."""
    group.add_command(watch)
