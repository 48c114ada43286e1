"""Which model a library uses, decided in one place (and recorded by one writer).

The rule: a model asked for explicitly (the CLI's --model, a new choice in the app) wins; else the
library's own (store meta "model_spec", the model its vectors were made with); else the preferred one
for a new library (the app's settings); else GLIMPSE_MODEL or the default CLIP. Specs are compared
and recorded in their canonical form (a relative path made absolute), so `./m.pt` and `/abs/m.pt` agree.
This module imports no torch: the CLI's cold commands use it.
"""

from __future__ import annotations

from typing import Protocol

from engine import config

#: The library setting that names its model.
META_MODEL_SPEC = "model_spec"


class LibraryMeta(Protocol):
    """The part of a LibraryStore this module reads and writes."""

    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...


def choose_model_spec(
    library_spec: str | None, *, asked: str | None = None, preferred: str | None = None
) -> str:
    """The spec to load: `asked`, else the library's, else `preferred`, else the default (canonical).

    Args:
        library_spec: the library's recorded spec (store meta "model_spec"), None for a new library.
        asked: a model asked for explicitly; it replaces the library's (a reindex follows).
        preferred: what a library with no model yet starts with (e.g. the app's settings); "" is none.
    """
    spec = asked or library_spec or preferred or config.default_model_spec()
    return config.canonical_model_spec(spec)


def library_model_spec(store: LibraryMeta, asked: str | None = None) -> str:
    """choose_model_spec for an open library: the model to load for it."""
    return choose_model_spec(store.get_meta(META_MODEL_SPEC), asked=asked)


def is_other_model(asked: str | None, library_spec: str | None) -> bool:
    """True when `asked` is given and is not the library's model (a library with none counts as other)."""
    return bool(asked) and config.canonical_model_spec(asked or "") != library_spec


def record_model_spec(store: LibraryMeta, spec: str | None) -> None:
    """Record `spec` as the library's model (canonical), unless it already is; None or "" records nothing.

    Callers write it in the transaction that stores the model's fingerprint or first vectors, so the
    spec always names the model of the stored vectors.
    """
    if not spec:
        return
    spec = config.canonical_model_spec(spec)
    if store.get_meta(META_MODEL_SPEC) != spec:
        store.set_meta(META_MODEL_SPEC, spec)
