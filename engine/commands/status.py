"""`glimpse status` and `glimpse check`: what the library holds, and whether it is sound."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from engine import config
from engine.commands.display import echo_json, shown
from engine.commands.library_db import open_existing
from engine.model.choice import META_MODEL_SPEC, is_other_model

if TYPE_CHECKING:
    from engine.store import LibraryStore

EXIT_CHECK_FAILED = 3


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show what the library holds: videos by state, clips, failures, model."""
    with open_existing(ctx) as store:
        data, index_sentence = _status_data(store, ctx.obj.model)
    if as_json:
        echo_json(data)
    else:
        _print_status(data, index_sentence, asked=ctx.obj.model)


def _status_data(store: LibraryStore, asked: str | None) -> tuple[dict[str, Any], str]:
    """Everything `status` shows, as its JSON object, and the vector index's state in a sentence."""
    from engine.indexing.watch.roots import RootState, stored_state

    counts = store.counts()
    failures = store.failures()
    model = store.get_meta(META_MODEL_SPEC)
    fingerprint = store.get_meta("model_fingerprint")
    folders = store.list_folders()
    offline = set(store.offline_roots())  # as the disk is now, not as of the last scan
    states = {f.id: stored_state(f, offline) for f in folders}
    index = store.vector_index_status()
    stale = any(v.fingerprint and v.fingerprint != fingerprint for v in store.videos(status="indexed"))
    data = {
        "videos": {
            "indexed": counts.indexed,
            "failed": counts.failed,
            "pending": counts.pending,
            "offline": sum(
                len(store.videos(folder_id=f.id)) for f in folders if states[f.id] == RootState.OFFLINE
            ),
        },
        "clips": counts.clips,
        "failed": [{"path": p, "reason": r} for p, r in failures],
        "model": model,
        "fingerprint": fingerprint,
        "reindex_needed": stale or (model is not None and is_other_model(asked, model)),
        "videos_without_frame_features": store.videos_lacking_features(),
        "db": str(store.path),
        "folders": [
            {
                "path": f.path,
                "online": states[f.id] != RootState.OFFLINE,
                "polling": f.polling,
                "state": str(states[f.id]),
            }
            for f in folders
        ],
        "vector_index": {
            "state": str(index.state),
            "vectors": index.vectors,
            "done": index.done,
            "total": index.total,
        },
    }
    return data, index.sentence()


def _print_status(data: dict[str, Any], index_sentence: str, *, asked: str | None) -> None:
    from engine.indexing.watch.roots import RootState

    model = data["model"]
    click.echo(f"Library: {shown(data['db'])}")
    click.echo(f"Model:   {shown(model or '(none yet)')}")
    if data["reindex_needed"]:
        other = config.canonical_model_spec(asked) if asked else model
        click.echo(f"         reindex needed: indexed with another model than {other}")
    v = data["videos"]
    click.echo(
        f"Videos:  {v['indexed']} indexed, {v['pending']} pending, "
        f"{v['failed']} failed, {v['offline']} offline"
    )
    click.echo(f"Clips:   {data['clips']}")
    lacking = data["videos_without_frame_features"]
    if lacking:
        click.echo(
            f"Frames:  {lacking} videos have no frame features yet (no moments or frame re-rank for them); "
            "`glimpse reindex` fills them"
        )
    click.echo(f"Index:   {index_sentence}")
    for f in data["folders"]:
        click.echo(f"Folder:  {shown(f['path'])} [{RootState(f['state']).text}]")
    for failure in data["failed"]:
        click.echo(f"Failed:  {shown(failure['path'])}: {shown(failure['reason'])}")


@click.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the library's integrity; exit 0 when sound, 3 when problems were found."""
    from engine.errors import DatabaseCorruptError

    try:
        with open_existing(ctx) as store:
            problems = store.check()
    except DatabaseCorruptError as exc:  # the worst finding of all, not a failure to check
        problems = [str(exc)]
    if problems:
        for p in problems:
            click.echo(f"problem: {p}", err=True)
        sys.exit(EXIT_CHECK_FAILED)
    click.echo("The library is sound.")


def register(group: click.Group) -> None:
    """Add these commands to the `glimpse` group."""
    for command in (status, check):
        group.add_command(command)
