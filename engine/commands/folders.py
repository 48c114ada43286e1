"""`glimpse folders add|remove|list`: the library's folders."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.commands.display import echo_json, shown
from engine.commands.library_db import open_existing, open_library

if TYPE_CHECKING:
    from engine.store import FolderRow, LibraryStore


@click.group("folders")
def folders() -> None:
    """Manage the library folders."""


@folders.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--exclude", "excludes", multiple=True, help="Glob of files or folders to skip (repeatable).")
@click.pass_context
def folders_add(ctx: click.Context, paths: tuple[Path, ...], excludes: tuple[str, ...]) -> None:
    """Add folders to the library (run `glimpse index` to index them)."""
    with open_library(ctx) as store:
        for row in add_folders(store, paths, excludes):
            click.echo(f"Added {shown(row.path)}")


@folders.command("remove")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def folders_remove(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Remove folders from the library (their videos leave the index; files on disk are untouched)."""
    with open_library(ctx) as store:
        for path in paths:
            folder = store.find_folder(path)
            if folder is None:
                raise click.ClickException(f"{shown(os.path.abspath(path))} is not a library folder.")
            store.remove_folder(folder.path)
            click.echo(f"Removed {shown(folder.path)}")


@folders.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def folders_list(ctx: click.Context, as_json: bool) -> None:
    """List the library folders with their state."""
    from engine.indexing.watch.roots import RootState, stored_state

    with open_existing(ctx) as store:
        rows = store.list_folders()
        counts = {f.id: len(store.videos(folder_id=f.id)) for f in rows}
        offline = store.offline_roots()  # as the disk is now, not as of the last scan
    states = {f.id: stored_state(f, offline) for f in rows}
    data: list[dict[str, Any]] = [
        {
            "path": f.path,
            "excludes": f.excludes,
            "online": states[f.id] != RootState.OFFLINE,
            "polling": f.polling,
            "state": str(states[f.id]),
            "videos": counts[f.id],
        }
        for f in rows
    ]
    if as_json:
        echo_json(data)
        return
    if not data:
        click.echo("No library folders yet. Add one with `glimpse folders add PATH` or `glimpse index PATH`.")
    for d in data:
        state = RootState(d["state"])
        label = state.text.upper() if state == RootState.OFFLINE else state.text  # the one to notice
        extra = f"  exclude: {shown(', '.join(d['excludes']))}" if d["excludes"] else ""
        click.echo(f"{shown(d['path'])}  [{label}, {d['videos']} videos]{extra}")


def add_folders(store: LibraryStore, paths: tuple[Path, ...], excludes: tuple[str, ...]) -> list[FolderRow]:
    """Add each path as a library folder (idempotent); given excludes join those it already has."""
    rows = []
    for path in paths:
        require_dir(path)
        row = store.add_folder(os.path.abspath(path), excludes=list(excludes))
        if excludes and not set(excludes) <= set(row.excludes):
            store.set_folder_excludes(row.id, sorted(set(row.excludes) | set(excludes)))
        rows.append(row)
    return rows


def require_dir(path: Path) -> None:
    """A clear sentence, not a traceback, when a path given as a folder is not one."""
    if not path.is_dir():
        raise click.ClickException(f"{path} is not a folder.")


def register(group: click.Group) -> None:
    """Add these commands to the `glimpse` group."""
    group.add_command(folders)
