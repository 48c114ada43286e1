"""Path rules, decided once: "is this path inside that folder", "which root holds it", "is a root offline".

Paths are compared as strings after `os.path.abspath` (never resolving symlinks here: a library folder
is shown and walked by the path the user gave; identity by real path is `same_location`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable


def is_within(path: str, folder: str, *, strict: bool = False) -> bool:
    """True when `path` is `folder` or lies below it; with strict=True, only below it."""
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    if path == folder:
        return not strict
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def deepest_root(path: str, roots: Iterable[str]) -> str | None:
    """The deepest of `roots` holding `path` (itself included), or None."""
    holding = [r for r in roots if is_within(path, r)]
    return max(holding, key=lambda r: len(os.path.abspath(r))) if holding else None


def real_path(path: str) -> str:
    """The absolute path with every symlink resolved (a missing path resolves as far as it exists)."""
    return os.path.realpath(os.path.expanduser(path))


def same_location(a: str, b: str) -> bool:
    """True when two paths name the same place on disk (through symlinks or not)."""
    return os.path.abspath(a) == os.path.abspath(b) or real_path(a) == real_path(b)


def has_entries(folder: str) -> bool:
    """True when the folder can be listed and holds at least one entry."""
    try:
        with os.scandir(folder) as it:
            return any(True for _ in it)
    except OSError:
        return False


def folder_device(folder: str, *, require_entries: bool = False) -> int | None:
    """The device (st_dev) a folder lives on, or None when it is not a folder (or holds nothing, asked so)."""
    try:
        st = os.stat(folder)
    except OSError:
        return None
    if not os.path.isdir(folder) or (require_entries and not has_entries(folder)):
        return None
    return int(st.st_dev)


def root_is_offline(
    folder: str, known_videos: int, device: int | None = None, *, unsure_is_offline: bool = True
) -> bool:
    """The one rule for "this library root is offline (its index must be kept, not wiped)".

    A root is offline when it is not a folder (unmounted, deleted, renamed), or when it is suddenly
    empty (nothing in it at all, not even an empty subfolder) while the library still holds videos for
    it: an empty mount point. `device` is the st_dev recorded when the root last held files: an empty
    root still on that device is a folder the user emptied (the videos were deleted), not an outage;
    an unmounted drive leaves its mount point on the parent's device. An empty root whose device was
    never recorded is offline unless `unsure_is_offline` is False (a move out of it is then believed).
    """
    if not os.path.isdir(folder):
        return True
    if known_videos == 0 or has_entries(folder):
        return False
    if device is None:
        return unsure_is_offline
    return folder_device(folder) != device


#: Folders that hold the system, not a person's videos: a library folder there (or below) would
#: walk system files (or /proc's endless ones). /run and /var stay allowed: drives mount under /run/media.
SYSTEM_FOLDERS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys", "/usr")


def system_folder_reason(path: str) -> str | None:
    """Why `path` cannot be a library folder (a file-system root or a system folder), or None."""
    real = real_path(path)
    if os.path.dirname(real) == real:
        return "it is the root of a whole drive; add the folders that hold your videos instead"
    if os.name == "posix" and any(is_within(real, folder) for folder in SYSTEM_FOLDERS):
        return "it holds the operating system, not videos"
    return None
