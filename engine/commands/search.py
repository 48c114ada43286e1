"""`glimpse search`: text, image or "more like this" queries, printed as moments or JSON.

A text query over a library whose text tower was exported (engine.query) runs without torch; the model
is loaded only for images, another asked model, or a library not exported yet (then exported after).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.commands.display import echo_json, shown
from engine.commands.library_db import open_for_search
from engine.model.choice import META_MODEL_SPEC, is_other_model, library_model_spec

if TYPE_CHECKING:
    from engine.model import GlimpseModel
    from engine.query import TextQueryEncoder
    from engine.store import LibraryStore


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
    from engine.results import SearchFilters
    from engine.search import ClipQuery, ImageQuery, Query, Searcher, SearchResults

    given = [name for name, v in (("QUERY", query), ("--image", image), ("--like", like)) if v is not None]
    if len(given) > 1:
        raise click.UsageError(f"Give one of QUERY, --image and --like, not {' and '.join(given)}.")
    q: Query
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
    model: GlimpseModel | None = None
    with open_for_search(ctx) as store:
        if store.model_fingerprint() is None and not isinstance(q, ClipQuery):
            # Nothing indexed yet: no model to load (on first use that would download its weights).
            results = SearchResults(
                [], ["The library has no indexed videos yet: run `glimpse index PATH` first."]
            )
        else:
            encoder = None if isinstance(q, ImageQuery) else _text_encoder(ctx, store)
            model = None if encoder is not None else _library_model(ctx, store)
            searcher = Searcher(store, model, text_encoder=encoder)
            results = searcher.search(q, k=k, filters=SearchFilters(hide_offline=hide_offline))
    if as_json:
        echo_json([r.to_json() for r in results])
    else:
        for note in results.warnings:
            click.echo(f"note: {note}", err=True)
        if not results:
            click.echo("No matching moments.")
        for i, r in enumerate(results, 1):
            mark = "  [offline]" if r.offline else ""
            where = f"{shown(r.path)} @ {_ts(r.moment)} ({_ts(r.start)}–{_ts(r.end)})"
            click.echo(f"{i:>3}. {r.score:.3f}  {where}{mark}")
    if model is not None:  # after the answer: the next search needs no torch
        from engine.model.text_export import export_text_tower

        export_text_tower(model)


def _text_encoder(ctx: click.Context, store: LibraryStore) -> TextQueryEncoder | None:
    """The library model's torch-free text encoder (engine.query): when exported and no other model asked."""
    if is_other_model(ctx.obj.model, store.get_meta(META_MODEL_SPEC)):
        return None  # another model: load it, so a mismatch is reported as before
    from engine.query import load_text_encoder

    return load_text_encoder(store.model_fingerprint())


def _library_model(ctx: click.Context, store: LibraryStore) -> GlimpseModel:
    from engine.model import load_model

    return load_model(library_model_spec(store, asked=ctx.obj.model), device=ctx.obj.device)


def _ts(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


def register(group: click.Group) -> None:
    """Add these commands to the `glimpse` group."""
    group.add_command(search_cmd)
