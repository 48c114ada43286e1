"""Walking library folders: the video files under a root, safely (no loops, no escapes, no hidden folders)."""

from __future__ import annotations

import fnmatch
import logging
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.paths import is_within
from engine.video import VIDEO_EXTENSIONS

log = logging.getLogger(__name__)

#: Folders that never hold a user's videos (system, trash, NAS thumbnails, version control).
SKIP_DIR_NAMES = frozenset({"@eaDir", "$RECYCLE.BIN", "System Volume Information", "lost+found", "#recycle"})


@dataclass(frozen=True)
class DiskFile:
    """A video file seen on disk."""

    path: str
    size: int
    mtime: float


def _skip_dir(name: str) -> bool:
    return name.startswith(".") or name.startswith(".Trash-") or name in SKIP_DIR_NAMES


def _excluded(rel_posix: str, name: str, excludes: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(rel_posix, pat) or fnmatch.fnmatch(name, pat) for pat in excludes)


def walk_videos(
    root: Path,
    excludes: Sequence[str] = (),
    *,
    start: str | None = None,
    unlisted: list[str] | None = None,
) -> Iterator[DiskFile]:
    """Yield the video files under root (or under `start`, a folder inside root), recursively.

    Hidden and system folders and the exclude globs (matched against the path relative to the root
    and against the bare name) are skipped. Symlinked folders are never entered, so a walk cannot loop
    or leave the root; a symlinked file counts only when its target lies inside the root. Folders that
    exist but cannot be listed, and entries that cannot be looked at (no permission, I/O error), are
    appended to `unlisted` when given: what the store knows of them must be kept, not dropped.
    """
    root_real = os.path.realpath(root)
    stack = [start or str(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            log.warning("cannot list %s: %s", folder, exc)
            _note_unreadable(folder, exc, unlisted)
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            rel = os.path.relpath(entry.path, root).replace(os.sep, "/")
            if _excluded(rel, entry.name, excludes):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _skip_dir(entry.name):
                        stack.append(entry.path)
                    continue
            except OSError as exc:
                _note_unreadable(entry.path, exc, unlisted)
                continue
            found = _video_file(entry.path, entry.name, root_real, unlisted)
            if found is not None:
                yield found


def _note_unreadable(path: str, exc: OSError, unlisted: list[str] | None) -> None:
    """Remember a path that exists but cannot be read; one that is gone is just gone."""
    if unlisted is not None and not isinstance(exc, FileNotFoundError | NotADirectoryError):
        unlisted.append(path)


def _video_file(path: str, name: str, root_real: str, unlisted: list[str] | None = None) -> DiskFile | None:
    """The file at `path` if it is a (non-hidden) video file whose real location lies inside the root."""
    if os.path.splitext(name)[1].lower() not in VIDEO_EXTENSIONS or name.startswith("."):
        return None
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in a name (an old archive): the store keeps text paths
        log.warning("skipping %r: its name is not valid UTF-8; rename it to index it", path)
        return None
    try:
        if os.path.islink(path) and not is_within(os.path.realpath(path), root_real):
            return None
        st = os.stat(path)
    except OSError as exc:  # vanished or unreadable while we looked: the next scan sees it again
        _note_unreadable(path, exc, unlisted)
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return DiskFile(path=os.path.abspath(path), size=st.st_size, mtime=st.st_mtime)


def walk_scope(
    root: Path, excludes: Sequence[str], paths: Sequence[str], *, unlisted: list[str] | None = None
) -> Iterator[DiskFile]:
    """The video files at or under `paths` (files or folders inside root), by walk_videos' rules."""
    root_s, root_real = str(root), os.path.realpath(root)
    for path in paths:
        rel = os.path.relpath(path, root_s).replace(os.sep, "/")
        parts = [] if rel == "." else rel.split("/")
        if any(_skip_dir(part) for part in parts[:-1]) or any(
            _excluded("/".join(parts[: i + 1]), part, excludes) for i, part in enumerate(parts)
        ):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            if not parts or not _skip_dir(parts[-1]):
                yield from walk_videos(root, excludes, start=path, unlisted=unlisted)
        else:
            found = _video_file(path, os.path.basename(path), root_real, unlisted)
            if found is not None:
                yield found


def unique_files(files: Iterable[DiskFile]) -> list[DiskFile]:
    """One DiskFile per real file: a symlink and its target (or two links to one file) count once.

    The path kept is the file's own (not a link's) when the walk saw it, else the first link seen.
    """
    chosen: dict[str, DiskFile] = {}
    for f in files:
        real = os.path.realpath(f.path)
        kept = chosen.get(real)
        if kept is None or (kept.path != real and f.path == real):
            chosen[real] = f
    return list(chosen.values())
