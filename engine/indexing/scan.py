"""Library scan: diff the disk against the store, in steps a reader can follow.

1. For each library folder, gather the files on disk and the rows it owns (`_gather`): a row belongs
   to the deepest library folder holding its path, so ownership moves between nested folders without
   re-encoding anything; what a subfolder that could not be listed held is kept as it is.
2. A root that is offline (`engine.paths.root_is_offline`) is left untouched: an unmounted drive must
   never wipe a library.
3. Each file gets a pure decision (`decide`, rclip's habits): unchanged (size, mtime) is skipped; a
   touched file whose partial content hash did not change only gets its new mtime; anything else new
   or changed is indexed.
4. New paths are matched against vanished rows by content hash (`_match_moves`): a move keeps its
   vectors. A row whose root is offline has not vanished, so a copy of it is a new video.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from engine.indexing.walk import DiskFile, unique_files, walk_scope, walk_videos
from engine.paths import deepest_root, folder_device, is_within, root_is_offline
from engine.store import FolderRow, LibraryStore, VideoRow, VideoStatus, content_hash

__all__ = ["DiskFile", "FileDecision", "Move", "ScanPlan", "decide", "plan_scan", "walk_videos"]

log = logging.getLogger(__name__)


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
    adopted: list[tuple[VideoRow, int]] = field(default_factory=list)  # (row, new owner folder id)
    gone: list[VideoRow] = field(default_factory=list)
    skipped: int = 0
    offline_roots: list[str] = field(default_factory=list)
    devices: dict[int, int] = field(default_factory=dict)  # folder id -> st_dev of a present root


class FileDecision(StrEnum):
    """What to do with one file the store already knows (or does not)."""

    NEW = "new"  # not in the store: index it, unless it is a moved file
    UNCHANGED = "unchanged"  # same size and mtime, encoded by this model
    STALE = "stale"  # same file, but encoded by another model, failed-and-retried, or forced
    TOUCHED = "touched"  # new mtime, same content: record the mtime, keep the vectors
    TOUCHED_STALE = "touched-stale"  # as TOUCHED, and also to be encoded again (another model)
    CHANGED = "changed"  # new content: encode again
    UNREADABLE = "unreadable"  # its content cannot be read now: leave it for the next scan


@dataclass(frozen=True)
class ScanOptions:
    fingerprint: str
    force: bool = False
    retry_failed: bool = False


def needs_index(row: VideoRow, options: ScanOptions) -> bool:
    """True when a known, unchanged file must be encoded (again)."""
    if options.force or row.status == VideoStatus.PENDING:
        return True
    if row.status == VideoStatus.FAILED:
        return options.retry_failed
    return row.fingerprint != options.fingerprint


def decide(row: VideoRow | None, f: DiskFile, digest: str | None, options: ScanOptions) -> FileDecision:
    """The decision for one file (pure): `digest` is its content hash, read only when its stat changed."""
    if row is None:
        return FileDecision.NEW
    if (row.size, row.mtime) == (f.size, f.mtime):
        return FileDecision.STALE if needs_index(row, options) else FileDecision.UNCHANGED
    if digest is None:
        return FileDecision.UNREADABLE
    if digest == row.content_hash and row.status == VideoStatus.INDEXED and not options.force:
        return FileDecision.TOUCHED_STALE if needs_index(row, options) else FileDecision.TOUCHED
    return FileDecision.CHANGED


@dataclass
class _Scope:
    """One library folder's share of a scan: its files on disk and the rows it owns."""

    folder: FolderRow
    files: list[DiskFile]
    rows: dict[str, VideoRow]
    known: int  # rows it owns in all (before narrowing to a watcher's scope)


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
    options = ScanOptions(fingerprint, force=force, retry_failed=retry_failed)
    plan = ScanPlan()
    new_files: list[tuple[int, DiskFile]] = []
    vanished: dict[int, VideoRow] = {}
    library = store.list_folders()
    for folder in folders:
        part = _gather(store, folder, library, scope)
        device = store.folder_device(folder.id)
        if root_is_offline(folder.path, part.known, device):
            plan.offline_roots.append(folder.path)
            continue
        present = folder_device(folder.path, require_entries=True)
        if present is not None:
            plan.devices[folder.id] = present
        for row in _collect(plan, part, options, new_files).values():
            vanished[row.id] = row
    _match_moves(store, plan, new_files, vanished, options)
    plan.gone.extend(vanished.values())
    return plan


def _gather(
    store: LibraryStore, folder: FolderRow, library: list[FolderRow], scope: Sequence[str] | None
) -> _Scope:
    """The folder's files and owned rows, without what nested library folders or unlisted folders hold."""
    roots = [f.path for f in library]
    nested = [p for p in roots if is_within(p, folder.path, strict=True)]
    unlisted: list[str] = []
    rows = _owned_rows(store, folder, library)
    known = len(rows)
    if scope is None:
        inside = [folder.path]
        files = walk_videos(Path(folder.path), folder.excludes, unlisted=unlisted)
    else:
        # A scope path above the folder means all of it.
        inside = (
            [folder.path]
            if any(is_within(folder.path, p) for p in scope)
            else [p for p in scope if is_within(p, folder.path)]
        )
        files = walk_scope(Path(folder.path), folder.excludes, inside, unlisted=unlisted)
    kept = [f for f in unique_files(files) if not any(is_within(f.path, n) for n in nested)]
    if scope is not None:  # a link seen alone (its target out of scope) whose target the library has
        kept = [f for f in kept if not (os.path.islink(f.path) and os.path.realpath(f.path) in rows)]
    held = nested + unlisted
    rows = {
        p: r
        for p, r in rows.items()
        if any(is_within(p, i) for i in inside) and not any(is_within(p, h) for h in held)
    }
    return _Scope(folder, kept, rows, known)


def _owned_rows(store: LibraryStore, folder: FolderRow, library: list[FolderRow]) -> dict[str, VideoRow]:
    """Rows whose deepest library folder is this one, including those an enclosing folder still holds."""
    roots = [f.path for f in library]
    enclosing = [f for f in library if is_within(folder.path, f.path, strict=True)]
    candidates = store.videos(folder_id=folder.id)
    for outer in enclosing:
        candidates += [r for r in store.videos(folder_id=outer.id) if is_within(r.path, folder.path)]
    owned: dict[str, VideoRow] = {}
    for row in candidates:
        owner = deepest_root(row.path, roots)
        if owner == folder.path or (owner is None and row.folder_id == folder.id):
            owned[row.path] = row
    return owned


def _collect(
    plan: ScanPlan, part: _Scope, options: ScanOptions, new_files: list[tuple[int, DiskFile]]
) -> dict[str, VideoRow]:
    """Turn each file's decision into the plan; returns the owned rows no file was seen for."""
    folder_id = part.folder.id
    unseen = dict(part.rows)
    for f in part.files:
        row = unseen.pop(f.path, None)
        if row is not None and row.folder_id != folder_id:
            plan.adopted.append((row, folder_id))
            row = dataclasses.replace(row, folder_id=folder_id)
        changed = row is not None and (row.size, row.mtime) != (f.size, f.mtime)
        digest = _hash_or_none(f.path) if changed else None
        decision = decide(row, f, digest, options)
        if decision == FileDecision.NEW:
            new_files.append((folder_id, f))
        elif decision == FileDecision.UNCHANGED:
            plan.skipped += 1
        elif decision == FileDecision.STALE:
            assert row is not None
            plan.to_index.append((folder_id, f, row.content_hash or _hash_or_none(f.path) or ""))
        elif decision in (FileDecision.TOUCHED, FileDecision.TOUCHED_STALE):
            assert row is not None
            plan.touched.append((row, f))
            if decision == FileDecision.TOUCHED_STALE:
                plan.to_index.append((folder_id, f, digest or ""))
        elif decision == FileDecision.CHANGED:
            plan.to_index.append((folder_id, f, digest or ""))
    return unseen


def _match_moves(
    store: LibraryStore,
    plan: ScanPlan,
    new_files: list[tuple[int, DiskFile]],
    vanished: dict[int, VideoRow],
    options: ScanOptions,
) -> None:
    """A new path whose content hash equals a vanished video's is a move: no re-encoding.

    Vanished videos are looked for first among the folders scanned now, then anywhere in the library
    (a move between two roots whose old root has not been rescanned yet), but never under an offline
    root: its files are not gone, so a copy of one is a new video.
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
        if candidates and not options.force:
            row = candidates.pop()
            vanished.pop(row.id, None)
            plan.moves.append(Move(video_id=row.id, old_path=row.path, new=f, folder_id=folder_id))
            if needs_index(row, options):
                plan.to_index.append((folder_id, f, digest))
        else:
            plan.to_index.append((folder_id, f, digest))


def _vanished_elsewhere(store: LibraryStore, digest: str, plan: ScanPlan) -> list[VideoRow]:
    claimed = {m.video_id for m in plan.moves}
    folders = {f.id: f for f in store.list_folders()}
    out = []
    for row in store.videos_by_hash(digest):
        folder = folders.get(row.folder_id)
        if row.id in claimed or os.path.exists(row.path) or folder is None:
            continue
        away = folder.path in plan.offline_roots
        device = store.folder_device(folder.id)
        if away or root_is_offline(folder.path, 1, device, unsure_is_offline=False):
            continue  # the drive is away, not the file
        out.append(row)
    return out


def _hash_or_none(path: str) -> str | None:
    try:
        return content_hash(path)
    except OSError as exc:
        log.info("cannot read %s: %s", path, exc)
        return None
