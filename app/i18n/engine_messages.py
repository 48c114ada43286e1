"""Engine sentences the app shows, translated with the app's Qt catalogue.

The engine must not import Qt and its CLI stays English, so its errors keep carrying English sentences;
the app translates a sentence when it shows it. Each entry below is the engine's sentence as a template
(`{...}` where the engine puts a path, a name or a detail); `engine_sentence` finds the template that
matches the whole sentence, translates the template with Qt (context "EngineMessages", so lupdate
collects these into the same .ts the translators already edit) and puts the captured parts back. One
catalogue and one tool for translators, no second mechanism (gettext .po/.mo) beside Qt's. A sentence
no template matches is shown as it is (English), never dropped. tests/app/test_i18n.py checks that
every template's fixed words still occur in engine/, so a reworded engine sentence is noticed.
"""

from __future__ import annotations

import re
from functools import cache

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CONTEXT = "EngineMessages"

# PySide6's stubs type QT_TRANSLATE_NOOP as returning object; it returns its text (a str).
TEMPLATES: tuple[str, ...] = (  # type: ignore[assignment]
    # search
    QT_TRANSLATE_NOOP("EngineMessages", "The query is empty; type what you are looking for."),
    QT_TRANSLATE_NOOP(
        "EngineMessages", "The query is longer than the model can read; only its beginning was used."
    ),
    QT_TRANSLATE_NOOP("EngineMessages", "The library has no indexed videos yet."),
    QT_TRANSLATE_NOOP(
        "EngineMessages", "Text and image queries need the library's model, and none is loaded."
    ),
    QT_TRANSLATE_NOOP("EngineMessages", "Clip {id} is not in the library (it may have been reindexed)."),
    QT_TRANSLATE_NOOP("EngineMessages", "{path} is a folder, not an image."),
    QT_TRANSLATE_NOOP("EngineMessages", "The image {path} does not exist."),
    QT_TRANSLATE_NOOP("EngineMessages", "{name} is not an image Glimpse can read."),
    QT_TRANSLATE_NOOP(
        "EngineMessages",
        "This library was indexed with {old}, not with {new}; reindex needed before searching with this "
        "model (search never mixes vectors of two models).",
    ),
    # store
    QT_TRANSLATE_NOOP(
        "EngineMessages",
        "The library database {path} is locked by another program; close it or try again shortly.",
    ),
    QT_TRANSLATE_NOOP(
        "EngineMessages",
        "The library database {path} is damaged or not a database; restore a backup or start a new library.",
    ),
    QT_TRANSLATE_NOOP(
        "EngineMessages",
        "The library database {path} cannot be opened (missing folder or no permission).",
    ),
    QT_TRANSLATE_NOOP("EngineMessages", "The library database {path} is read-only here."),
    QT_TRANSLATE_NOOP("EngineMessages", "The disk holding the library database {path} is full."),
    QT_TRANSLATE_NOOP("EngineMessages", "The library database {path} failed: {detail}"),
    # model
    QT_TRANSLATE_NOOP(
        "EngineMessages",
        "The weights for {spec} are not on this computer and cannot be downloaded right now ({why}). "
        "Connect to the internet once so Glimpse can download them, or give a local checkpoint instead "
        "(a TeachCLIP/CLIP4Clip .bin/.pt file or a Glimpse model folder).",
    ),
    QT_TRANSLATE_NOOP("EngineMessages", "The model file {spec} does not exist."),
    # why a file failed (shown without its leading "name: ")
    QT_TRANSLATE_NOOP("EngineMessages", "not a video (the contents are not a known video format)."),
    QT_TRANSLATE_NOOP("EngineMessages", "not a video (the file is empty)."),
    QT_TRANSLATE_NOOP("EngineMessages", "not a video (no such file)."),
    QT_TRANSLATE_NOOP("EngineMessages", "not a video (not a regular file)."),
    QT_TRANSLATE_NOOP("EngineMessages", "not a video (a single {kind} still image)."),
    QT_TRANSLATE_NOOP("EngineMessages", "not a video (only a cover picture)."),
    QT_TRANSLATE_NOOP("EngineMessages", "cannot be read ({detail})."),
    QT_TRANSLATE_NOOP("EngineMessages", "no video stream (the file holds {what})."),
    QT_TRANSLATE_NOOP("EngineMessages", "no video stream (the file has only non-video tracks)."),
    QT_TRANSLATE_NOOP("EngineMessages", "no video stream in this AVI file."),
    QT_TRANSLATE_NOOP("EngineMessages", "file is truncated or corrupt (it ends at byte {size} of {end})."),
    QT_TRANSLATE_NOOP(
        "EngineMessages", "file is truncated or corrupt (a {kind} file that cannot be opened)."
    ),
    QT_TRANSLATE_NOOP(
        "EngineMessages", "file is truncated or corrupt (its index, the 'moov' box, is missing)."
    ),
    QT_TRANSLATE_NOOP("EngineMessages", "file is truncated or corrupt ({detail})."),
    QT_TRANSLATE_NOOP(
        "EngineMessages", "unsupported codec: the {codec} codec is not supported by this build of Glimpse."
    ),
    QT_TRANSLATE_NOOP("EngineMessages", "could not be decoded ({kind})"),
    # export
    QT_TRANSLATE_NOOP("EngineMessages", "{name} cannot be exported: {detail}"),
    QT_TRANSLATE_NOOP(
        "EngineMessages", "There is not enough disk space to write {name}; nothing was written."
    ),
    QT_TRANSLATE_NOOP("EngineMessages", "The end of a clip must come after its start."),
)

#: Short phrases of failed files (VideoError.reason), translated where they lead a reason.
REASONS: tuple[str, ...] = (  # type: ignore[assignment]  # QT_TRANSLATE_NOOP: see TEMPLATES
    QT_TRANSLATE_NOOP("EngineMessages", "not a video"),
    QT_TRANSLATE_NOOP("EngineMessages", "no video stream"),
    QT_TRANSLATE_NOOP("EngineMessages", "file is truncated or corrupt"),
    QT_TRANSLATE_NOOP("EngineMessages", "unsupported codec"),
    QT_TRANSLATE_NOOP("EngineMessages", "timed out"),
    QT_TRANSLATE_NOOP("EngineMessages", "the decoder crashed"),
    QT_TRANSLATE_NOOP("EngineMessages", "no frames could be decoded"),
)

_FIELD = re.compile(r"\{(\w+)\}")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = _FIELD.split(template)  # literal, name, literal, name, ...
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$", re.DOTALL)


def engine_sentence(sentence: str) -> str:
    """`sentence` (an engine error or warning) in the UI language; unchanged when no template matches."""
    text = " ".join(sentence.split()) if "\n" not in sentence else sentence
    for template in TEMPLATES:
        match = _pattern(template).match(text)
        if match:
            return QCoreApplication.translate(CONTEXT, template).format(**match.groupdict())
    name, sep, rest = text.partition(": ")
    if sep and "/" not in name:  # "clip.mp4: <reason>", as the indexer reports a failed file
        translated = engine_sentence(rest)
        if translated != rest:
            return f"{name}: {translated}"
    return failure_reason(text)


def failure_reason(reason: str) -> str:
    """A failed file's reason with its leading phrase translated ("not a video (no such file).")."""
    for phrase in REASONS:
        if reason == phrase or reason.startswith((f"{phrase} ", f"{phrase}.", f"{phrase}:")):
            return QCoreApplication.translate(CONTEXT, phrase) + reason[len(phrase) :]
    return reason
