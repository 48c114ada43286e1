"""Library commands: folders, index, reindex, search, status, check."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from engine import config
from engine.commands.display import shown

EXIT_CHECK_FAILED = 3


def _db(ctx: click.Context) -> Path:
    return config.db_path(ctx.obj.db if ctx.obj else None)


def _open(ctx: click.Context):
    from engine.store import LibraryStore

    return LibraryStore.open(_db(ctx))


def _open_existing(ctx: click.Context):
    """For commands that only read: a missing library is an error, and nothing is created."""
    db = _db(ctx)
    if not db.exists():
        raise click.ClickException(
            f"There is no library at {db}: check --db, or create one with `glimpse index PATH`."
        )
    return _open(ctx)


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, indent=None, ensure_ascii=False))


# --- folders ---------------------------------------------------------------------------------------
@click.group("folders")
def folders() -> None:
    """Manage the library folders."""


@folders.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--exclude", "excludes", multiple=True, help="Glob of files or folders to skip (repeatable).")
@click.pass_context
def folders_add(ctx: click.Context, paths: tuple[Path, ...], excludes: tuple[str, ...]) -> None:
    """Add folders to the library (run `glimpse index` to index them)."""
    with _open(ctx) as store:
        for row in _add_folders(store, paths, excludes):
            click.echo(f"Added {shown(row.path)}")


@folders.command("remove")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def folders_remove(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Remove folders from the library (their videos leave the index; files on disk are untouched)."""
    with _open(ctx) as store:
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
    with _open_existing(ctx) as store:
        rows = store.list_folders()
        counts = {f.id: len(store.videos(folder_id=f.id)) for f in rows}
        offline = store.offline_roots()  # as the disk is now, not as of the last scan
    data = [
        {
            "path": f.path,
            "excludes": f.excludes,
            "online": f.path not in offline,
            "polling": f.polling,
            "videos": counts[f.id],
        }
        for f in rows
    ]
    if as_json:
        _echo_json(data)
        return
    if not data:
        click.echo("No library folders yet. Add one with `glimpse folders add PATH` or `glimpse index PATH`.")
    for d in data:
        state = "online" if d["online"] else "OFFLINE"
        extra = f"  exclude: {shown(', '.join(d['excludes']))}" if d["excludes"] else ""
        click.echo(f"{shown(d['path'])}  [{state}, {d['videos']} videos]{extra}")


def _add_folders(store, paths: tuple[Path, ...], excludes: tuple[str, ...]) -> list:
    """Add each path as a library folder (idempotent); given excludes join those it already has."""
    rows = []
    for path in paths:
        _require_dir(path)
        row = store.add_folder(os.path.abspath(path), excludes=list(excludes))
        if excludes and not set(excludes) <= set(row.excludes):
            store.set_folder_excludes(row.id, sorted(set(row.excludes) | set(excludes)))
        rows.append(row)
    return rows


def _require_dir(path: Path) -> None:
    if not path.is_dir():
        raise click.ClickException(f"{path} is not a folder.")


# --- index / reindex -------------------------------------------------------------------------------
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
    indexer = Indexer(_db(ctx), model_spec=ctx.obj.model, device=ctx.obj.device, on_progress=bar.update)
    try:
        summary = indexer.run(roots, force=force, retry_failed=retry_failed)
    except KeyboardInterrupt:
        indexer.cancel()
        bar.close()
        raise
    finally:
        bar.close()
    model = indexer.loaded_model
    with _open(ctx) as store:
        library_fp = store.model_fingerprint()
    if model is not None and model.fingerprint == library_fp:
        _export_text_tower(model)  # so that the first search, too, needs no torch
    if as_json:
        _echo_json(
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
        with _open(ctx) as store:
            roots = [row.path for row in _add_folders(store, paths, excludes)]
    else:
        with _open(ctx) as store:
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
    with _open(ctx) as store:
        if not store.list_folders():
            raise click.ClickException("The library has no folders yet: run `glimpse index PATH`.")
    _run_index(ctx, None, force=force, retry_failed=retry_failed, as_json=as_json, quiet=quiet)


# --- search ----------------------------------------------------------------------------------------
@click.command("search")
@click.argument("query", required=False)
@click.option(
    "-k", "k", default=20, show_default=True, type=click.IntRange(1, 4096), help="How many moments."
)
@click.option(
    "--image", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="Search by an image."
)
@click.option("--like", "like", type=int, help="More like this clip id.")
@click.option("--hide-offline", is_flag=True, help="Leave out videos whose folder is offline.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def search_cmd(
    ctx: click.Context,
    query: str | None,
    k: int,
    image: Path | None,
    like: int | None,
    hide_offline: bool,
    as_json: bool,
) -> None:
    """Search the library: QUERY in plain language, or --image FILE, or --like CLIP_ID (one of them)."""
    from engine.results import SearchFilters, SearchResult
    from engine.search import ClipQuery, ImageQuery, Searcher

    given = [name for name, v in (("QUERY", query), ("--image", image), ("--like", like)) if v is not None]
    if len(given) > 1:
        raise click.UsageError(f"Give one of QUERY, --image and --like, not {' and '.join(given)}.")
    q: object
    if image is not None:
        q = ImageQuery(image)
    elif like is not None:
        q = ClipQuery(like)
    elif query is not None:
        if not query.strip():  # before loading a model: say what is wrong at once
            raise click.ClickException("The query is empty: type what you are looking for.")
        q = query
    else:
        raise click.ClickException('Give a query, e.g. glimpse search "a dog on the beach".')
    model = None
    with _open_for_search(ctx) as store:
        if store.model_fingerprint() is None and not isinstance(q, ClipQuery):
            # Nothing indexed yet: no model to load (on first use that would download its weights).
            results: list[SearchResult] = []
            notes = ["The library has no indexed videos yet: run `glimpse index PATH` first."]
        else:
            encoder = None if isinstance(q, ImageQuery) else _text_encoder(ctx, store)
            model = None if encoder is not None else _library_model(ctx, store)
            searcher = Searcher(store, model, text_encoder=encoder)
            results = searcher.search(q, k=k, filters=SearchFilters(hide_offline=hide_offline))
            notes = list(getattr(searcher, "warnings", []) or [])
    if as_json:
        _echo_json([r.to_json() for r in results])
    else:
        for note in notes:
            click.echo(f"note: {note}", err=True)
        if not results:
            click.echo("No matching moments.")
        for i, r in enumerate(results, 1):
            mark = "  [offline]" if r.offline else ""
            where = f"{shown(r.path)} @ {_ts(r.moment)} ({_ts(r.start)}–{_ts(r.end)})"
            click.echo(f"{i:>3}. {r.score:.3f}  {where}{mark}")
    if model is not None:  # after the answer: the next search needs no torch
        _export_text_tower(model)


def _open_for_search(ctx: click.Context):
    """The library read-only (a search never writes, nor waits on the indexer); a missing one is an error.

    One of an older schema (which a read-only connection cannot upgrade) is opened as before, upgraded first.
    """
    from engine.errors import StoreError
    from engine.store import LibraryStore

    db = _db(ctx)
    if db.is_file():
        try:
            return LibraryStore.open(db, readonly=True)
        except StoreError as exc:
            if type(exc) is not StoreError:  # corrupt, locked, too new: the same answer either way
                raise
    return _open_existing(ctx)


def _text_encoder(ctx: click.Context, store):
    """The library model's torch-free text encoder (engine.query): when exported and no other model asked."""
    asked = config.canonical_model_spec(ctx.obj.model) if ctx.obj.model else None
    if asked and asked != store.get_meta("model_spec"):
        return None  # another model: load it, so a mismatch is reported as before
    from engine.query import load_text_encoder

    return load_text_encoder(store.model_fingerprint())


def _export_text_tower(model) -> None:
    from engine.model.text_export import export_text_tower

    export_text_tower(model)


def _library_model(ctx: click.Context, store):
    from engine.model import load_model

    spec = ctx.obj.model or store.get_meta("model_spec") or config.default_model_spec()
    return load_model(spec, device=ctx.obj.device)


def _ts(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


# --- status / check --------------------------------------------------------------------------------
@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show what the library holds: videos by state, clips, failures, model."""
    with _open_existing(ctx) as store:
        counts = store.counts()
        failures = store.failures()
        model = store.get_meta("model_spec")
        fingerprint = store.get_meta("model_fingerprint")
        folders_ = store.list_folders()
        offline = store.offline_roots()  # as the disk is now, not as of the last scan
        store_videos = {f.id: store.videos(folder_id=f.id) for f in folders_ if f.path in offline}
        db = str(store.path)
        index = store.vector_index_status()
        stale = any(v.fingerprint and v.fingerprint != fingerprint for v in store.videos(status="indexed"))
        lacking = store.videos_lacking_features()
    asked = config.canonical_model_spec(ctx.obj.model) if ctx.obj.model else None
    reindex_needed = stale or bool(asked and model and asked != model)
    data = {
        "videos": {
            "indexed": counts.indexed,
            "failed": counts.failed,
            "pending": counts.pending,
            "offline": sum(len(store_videos[f.id]) for f in folders_ if f.path in offline),
        },
        "clips": counts.clips,
        "failed": [{"path": p, "reason": r} for p, r in failures],
        "model": model,
        "fingerprint": fingerprint,
        "reindex_needed": reindex_needed,
        "videos_without_frame_features": lacking,
        "db": db,
        "folders": [
            {"path": f.path, "online": f.path not in offline, "polling": f.polling} for f in folders_
        ],
        "vector_index": {
            "state": str(index.state),
            "vectors": index.vectors,
            "done": index.done,
            "total": index.total,
        },
    }
    if as_json:
        _echo_json(data)
        return
    click.echo(f"Library: {shown(db)}")
    click.echo(f"Model:   {shown(model or '(none yet)')}")
    if reindex_needed:
        click.echo(f"         reindex needed: indexed with another model than {asked or model}")
    v = data["videos"]
    click.echo(
        f"Videos:  {v['indexed']} indexed, {v['pending']} pending, "
        f"{v['failed']} failed, {v['offline']} offline"
    )
    click.echo(f"Clips:   {counts.clips}")
    if lacking:
        click.echo(
            f"Frames:  {lacking} videos have no frame features yet (no moments or frame re-rank for them); "
            "`glimpse reindex` fills them"
        )
    click.echo(f"Index:   {index.sentence()}")
    for f in folders_:
        state = "offline" if f.path in offline else "polling (no file events)" if f.polling else "online"
        click.echo(f"Folder:  {shown(f.path)} [{state}]")
    for p, r in failures:
        click.echo(f"Failed:  {shown(p)}: {shown(r)}")


@click.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the library's integrity; exit 0 when sound, 3 when problems were found."""
    from engine.errors import DatabaseCorruptError

    try:
        with _open_existing(ctx) as store:
            problems = store.check()
    except DatabaseCorruptError as exc:  # the worst finding of all, not a failure to check
        problems = [str(exc)]
    if problems:
        for p in problems:
            click.echo(f"problem: {p}", err=True)
        sys.exit(EXIT_CHECK_FAILED)
    click.echo("The library is sound.")


def register(group: click.Group) -> None:
    """Add the library commands to the `glimpse` group."""
    for command in (folders, index, reindex, search_cmd, status, check):
        group.add_command(command)
