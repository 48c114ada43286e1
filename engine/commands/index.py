"""`glimpse index` and `glimpse reindex`: bring the index up to date, with a progress bar or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.commands.display import echo_json, shown
from engine.commands.folders import add_folders
from engine.commands.library_db import db_path, open_library

if TYPE_CHECKING:
    from engine.indexing import IndexSummary


def _run_index(
    ctx: click.Context,
    roots: list[str] | None,
    *,
    force: bool,
    retry_failed: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    from engine.commands.progress_bar import ProgressBar
    from engine.indexing import Indexer

    show = not quiet and not as_json
    bar = ProgressBar(enabled=show)
    indexer = Indexer(db_path(ctx), model_spec=ctx.obj.model, device=ctx.obj.device, on_progress=bar.update)
    try:
        summary = indexer.run(roots, force=force, retry_failed=retry_failed)
    except KeyboardInterrupt:
        indexer.cancel()
        bar.close()
        raise
    finally:
        bar.close()
    model = indexer.loaded_model
    with open_library(ctx) as store:
        library_fp = store.model_fingerprint()
    if model is not None and model.fingerprint == library_fp:
        from engine.model.text_export import export_text_tower

        export_text_tower(model)  # so that the first search, too, needs no torch
    _report(summary, as_json=as_json)


def _report(summary: IndexSummary, *, as_json: bool) -> None:
    """What the run did: one JSON object, or a line plus a line per failure, vanished or offline folder."""
    if as_json:
        echo_json(
            {
                "indexed": summary.indexed,
                "moved": summary.moved,
                "removed": summary.removed,
                "failed": [{"path": p, "reason": r} for p, r in summary.failures],
                "skipped": summary.skipped,
                "vanished": summary.vanished,
                "offline": summary.offline_roots,
                "cancelled": summary.cancelled,
                "from_frame_features": summary.from_features,
            }
        )
        return
    click.echo(
        f"Indexed {summary.indexed}, moved {summary.moved}, removed {summary.removed}, "
        f"unchanged {summary.skipped}, failed {summary.failed}."
    )
    if summary.from_features:
        click.echo(
            f"  {summary.from_features} videos re-encoded from stored frame features for the new head "
            "(same backbone: no decoding)"
        )
    for path, reason in summary.failures:
        click.echo(f"  failed: {shown(path)}: {shown(reason)}", err=True)
    if summary.vanished:
        click.echo(f"  gone during the run: {summary.vanished} (the next run looks for them again)", err=True)
    for root in summary.offline_roots:
        click.echo(f"  offline: {shown(root)} (its index is kept until it comes back)", err=True)


@click.command("index")
@click.argument("paths", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option("--exclude", "excludes", multiple=True, help="Glob to skip in the added folders (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of a progress bar.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def index(
    ctx: click.Context, paths: tuple[Path, ...], excludes: tuple[str, ...], as_json: bool, quiet: bool
) -> None:
    """Add PATHS as library folders (if given) and bring the index up to date."""
    roots = None
    if paths:
        with open_library(ctx) as store:
            roots = [row.path for row in add_folders(store, paths, excludes)]
    else:
        with open_library(ctx) as store:
            if not store.list_folders():
                raise click.ClickException("The library has no folders yet: run `glimpse index PATH`.")
    _run_index(ctx, roots, force=False, retry_failed=False, as_json=as_json, quiet=quiet)


@click.command("reindex")
@click.option("--force", is_flag=True, help="Re-encode every video, changed or not.")
@click.option("--retry-failed", is_flag=True, help="Try the files that failed before again.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def reindex(ctx: click.Context, force: bool, retry_failed: bool, as_json: bool, quiet: bool) -> None:
    """Bring every library folder up to date (optionally re-encoding all, or retrying failures)."""
    with open_library(ctx) as store:
        if not store.list_folders():
            raise click.ClickException("The library has no folders yet: run `glimpse index PATH`.")
    _run_index(ctx, None, force=force, retry_failed=retry_failed, as_json=as_json, quiet=quiet)


def register(group: click.Group) -> None:
    """Add these commands to the `glimpse` group."""
    for command in (index, reindex):
        group.add_command(command)
