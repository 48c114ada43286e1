"""Library scan: walk the folders, then diff the disk against the store.

Decisions per file (rclip's habits): unchanged (size, mtime) is skipped; a touched file whose partial
content hash did not change only gets its new mtime; a file that vanished from one path and appears
at another with the same hash is a move (its vectors are kept); anything else new or changed is indexed.
A root that is missing, or suddenly empty while the store still holds videos for it, is marked offline
and nothing of its index is touched: an unmounted drive must never wipe a library.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.store import FolderRow, LibraryStore, VideoRow, VideoStatus, content_hash
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


@dataclass
class Move:
    video_id: int
    old_path: str
    new: DiskFile
    folder_id: int


@dataclass
class ScanPlan:
    """What it takes to bring the store in step with the disk."""

    to_index: list[tuple[int, DiskFile, str]] = field(default_factory=list)  # (folder_id, file, hash)
    moves: list[Move] = field(default_factory=list)
    touched: list[tuple[VideoRow, DiskFile]] = field(default_factory=list)  # same content, new mtime
    gone: list[VideoRow] = field(default_factory=list)
    skipped: int = 0
    offline_roots: list[str] = field(default_factory=list)


def _skip_dir(name: str) -> bool:
    return name.startswith(".") or name.startswith(".Trash-") or name in SKIP_DIR_NAMES


def _excluded(rel_posix: str, name: str, excludes: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(rel_posix, pat) or fnmatch.fnmatch(name, pat) for pat in excludes)


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives on Windows
        return False


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
        if os.path.islink(path) and not _inside(os.path.realpath(path), root_real):
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


def _root_is_offline(folder: FolderRow, files: list[DiskFile], known: int) -> bool:
    if not os.path.isdir(folder.path):
        return True
    # Suddenly empty while we hold videos for it: most likely an unmounted drive or an empty mount point.
    return not files and known > 0 and not _any_entry(folder.path)


def _covers(scope_path: str, path: str) -> bool:
    return path == scope_path or path.startswith(scope_path.rstrip(os.sep) + os.sep)


def _any_entry(path: str) -> bool:
    try:
        with os.scandir(path) as it:
            return any(True for _ in it)
    except OSError:
        return False


def _needs_index(row: VideoRow, fingerprint: str, force: bool, retry_failed: bool) -> bool:
    if force or row.status == VideoStatus.PENDING:
        return True
    if row.status == VideoStatus.FAILED:
        return retry_failed
    return row.fingerprint != fingerprint


def plan_scan(
    store: LibraryStore,
    folders: Iterable[FolderRow],
    fingerprint: str,
    *,
    force: bool = False,
    retry_failed: bool = False,
    scope: Sequence[str] | None = None,
) -> ScanPlan:
    """Diff the given library folders on disk against the store and say what to do.

    With `scope` (absolute paths of files or folders), only what lies at or under those paths is
    compared: a change reported by the watcher costs a look at that change, not at the whole root.
    """
    plan = ScanPlan()
    new_files: list[tuple[int, DiskFile]] = []
    vanished: dict[int, VideoRow] = {}
    library_roots = [f.path for f in store.list_folders()]
    for folder in folders:
        # What lies in a library folder nested inside this one belongs to that folder alone; and what
        # lies in a subfolder that could not be listed (permissions, I/O error) is kept as it is.
        nested = [p for p in library_roots if p != folder.path and _inside(p, folder.path)]
        unlisted: list[str] = []
        rows = {row.path: row for row in store.videos(folder_id=folder.id)}
        if scope is None:
            files = list(walk_videos(Path(folder.path), folder.excludes, unlisted=unlisted))
        else:
            if any(_covers(p, folder.path) for p in scope):  # a path above it: all of it
                inside = [folder.path]
            else:
                inside = [p for p in scope if _inside(p, folder.path)]
            files = list(walk_scope(Path(folder.path), folder.excludes, inside, unlisted=unlisted))
            known = len(rows)
            rows = {path: row for path, row in rows.items() if any(_covers(p, path) for p in inside)}
            if not os.path.isdir(folder.path) or (known and not _any_entry(folder.path)):
                plan.offline_roots.append(folder.path)
                continue
        if scope is None and _root_is_offline(folder, files, len(rows)):
            plan.offline_roots.append(folder.path)
            continue
        files = [f for f in files if not any(_covers(n, f.path) for n in nested)]
        for path in [p for p in rows if any(_covers(u, p) for u in nested + unlisted)]:
            del rows[path]
        seen: set[str] = set()
        for f in files:
            seen.add(f.path)
            row = rows.get(f.path)
            if row is None:
                new_files.append((folder.id, f))
            elif (row.size, row.mtime) != (f.size, f.mtime):
                digest = _hash_or_none(f.path)
                if digest is None:
                    continue
                if digest == row.content_hash and row.status == VideoStatus.INDEXED and not force:
                    plan.touched.append((row, f))
                    if _needs_index(row, fingerprint, force, retry_failed):
                        plan.to_index.append((folder.id, f, digest))
                else:
                    plan.to_index.append((folder.id, f, digest))
            elif _needs_index(row, fingerprint, force, retry_failed):
                plan.to_index.append((folder.id, f, row.content_hash or _hash_or_none(f.path) or ""))
            else:
                plan.skipped += 1
        for path, row in rows.items():
            if path not in seen:
                vanished[row.id] = row
    _match_moves(store, plan, new_files, vanished, fingerprint, force=force, retry_failed=retry_failed)
    plan.gone.extend(vanished.values())
    return plan


def _match_moves(
    store: LibraryStore,
    plan: ScanPlan,
    new_files: list[tuple[int, DiskFile]],
    vanished: dict[int, VideoRow],
    fingerprint: str,
    *,
    force: bool,
    retry_failed: bool,
) -> None:
    """A new path whose content hash equals a vanished video's is a move: no re-encoding.

    Vanished videos are looked for first among the folders scanned now, then anywhere in the library
    (a move between two roots whose old root has not been rescanned yet).
    """
    by_hash: dict[str, list[VideoRow]] = {}
    for row in vanished.values():
        if row.content_hash:
            by_hash.setdefault(row.content_hash, []).append(row)
    for folder_id, f in new_files:
        digest = _hash_or_none(f.path)
        if digest is None:
            continue
        candidates = by_hash.get(digest) or _vanished_elsewhere(store, digest, plan)
        if candidates and not force:
            row = candidates.pop()
            vanished.pop(row.id, None)
            plan.moves.append(Move(video_id=row.id, old_path=row.path, new=f, folder_id=folder_id))
            if _needs_index(row, fingerprint, force, retry_failed):
                plan.to_index.append((folder_id, f, digest))
        else:
            plan.to_index.append((folder_id, f, digest))


def _vanished_elsewhere(store: LibraryStore, digest: str, plan: ScanPlan) -> list[VideoRow]:
    claimed = {m.video_id for m in plan.moves}
    return [
        row
        for row in store.videos_by_hash(digest)
        if row.id not in claimed and not os.path.exists(row.path)
    ]


def _hash_or_none(path: str) -> str | None:
    try:
        return content_hash(path)
    except OSError as exc:
        log.info("cannot read %s: %s", path, exc)
        return None
