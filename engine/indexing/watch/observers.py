"""watchdog observers for library roots: event-based where the system allows, polling where it cannot.

Handlers only translate an event into a `Change` and hand it to a sink; no exception may escape one,
because an exception in a handler kills watchdog's dispatch thread and every later event with it.
A fault is reported to `on_fault` instead, so the watcher can rescan the root whose event was lost.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import sys
import threading
from collections.abc import Callable
from enum import StrEnum

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from engine.indexing.watch.types import Change, ChangeKind
from engine.paths import is_within

log = logging.getLogger(__name__)

#: File systems whose changes made elsewhere (another machine, the VM host) raise no local events.
NETWORK_FS_TYPES = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "9p", "v9fs", "virtiofs", "vboxsf", "drvfs",
        "ceph", "glusterfs", "lustre", "ncpfs", "coda", "davfs", "sshfs", "fuse.sshfs", "fuse.rclone",
        "fuse.s3fs", "fuse.glusterfs", "fuse.davfs2", "fuse.gvfsd-fuse", "fuse.cephfs", "fuse.smbnetfs",
    }
)  # fmt: skip

#: The only event types a library needs; the rest (opens, reads, folder mtimes) is noise.
EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent, FileModifiedEvent, FileAttribEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]  # fmt: skip

_KINDS: dict[type[FileSystemEvent], ChangeKind] = {
    FileCreatedEvent: ChangeKind.CREATED,
    DirCreatedEvent: ChangeKind.CREATED,
    FileModifiedEvent: ChangeKind.MODIFIED,
    FileAttribEvent: ChangeKind.ATTRIB,
    FileClosedEvent: ChangeKind.CLOSED,
    FileDeletedEvent: ChangeKind.DELETED,
    DirDeletedEvent: ChangeKind.DELETED,
    FileMovedEvent: ChangeKind.MOVED,
    DirMovedEvent: ChangeKind.MOVED,
}

INOTIFY_LOGGER = "watchdog.observers.inotify_c"


class WatchMode(StrEnum):
    NATIVE = "native"  # inotify / FSEvents / ReadDirectoryChangesW
    POLLING = "polling"  # periodic directory snapshots


def to_change(event: FileSystemEvent, *, tracks_writes: bool) -> Change | None:
    """The `Change` a watchdog event stands for, or None for events a library ignores."""
    kind = _KINDS.get(type(event))
    if kind is None:
        return None
    dest = getattr(event, "dest_path", "") or ""
    return Change(
        kind=kind,
        path=os.fsdecode(event.src_path),
        is_dir=event.is_directory,
        dest=os.fsdecode(dest) if dest else "",
        tracks_writes=tracks_writes,
    )


class EnqueueHandler(FileSystemEventHandler):
    """Turns each event into a `Change` for the sink; never raises."""

    def __init__(
        self,
        root: str,
        sink: Callable[[Change], None],
        on_fault: Callable[[str, Exception], None],
        *,
        tracks_writes: bool,
    ) -> None:
        super().__init__()
        self.root = root
        self.tracks_writes = tracks_writes
        self._sink = sink
        self._on_fault = on_fault

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            change = to_change(event, tracks_writes=self.tracks_writes)
            if change is not None:
                self._sink(change)
        except Exception as exc:  # an exception here would kill watchdog's thread
            try:
                self._on_fault(self.root, exc)
            except Exception:
                log.exception("watch fault handler failed for %s", self.root)


def reports_closes() -> bool:
    """True when the platform's observer reports a writer closing a file (inotify does)."""
    # FSEvents and ReadDirectoryChangesW do not: there a file is judged by its size and mtime alone.
    return getattr(Observer, "__name__", "") == "InotifyObserver"


_IN_CREATE = 0x100


def watch_limit_reached(path: str) -> bool:
    """True when Linux refuses one more inotify watch (ENOSPC), so new folders would go unwatched."""
    # watchdog skips sub-folders it cannot watch without a word; one probe watch of our own tells.
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init()
    except (OSError, AttributeError):
        return False
    if fd < 0:
        return False  # out of inotify instances: the observer itself would have failed to start
    try:
        wd = libc.inotify_add_watch(fd, os.fsencode(path), _IN_CREATE)
        return wd < 0 and ctypes.get_errno() == errno.ENOSPC
    finally:
        os.close(fd)


def make_native_observer() -> BaseObserver:
    """The platform's event-based observer (may raise OSError: EMFILE when out of inotify instances)."""
    return Observer()


def make_polling_observer(interval_s: float) -> BaseObserver:
    """An observer that compares directory snapshots every `interval_s` seconds."""
    return PollingObserver(timeout=interval_s)


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash in octal.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def mount_fs_type(path: str, mounts_text: str | None = None) -> str | None:
    """The file-system type of the mount holding `path` (Linux /proc/self/mounts), or None if unknown."""
    if mounts_text is None:
        try:
            with open("/proc/self/mounts", encoding="utf-8", errors="replace") as fh:
                mounts_text = fh.read()
        except OSError:
            return None
    target = os.path.realpath(path)
    best, best_type = "", None
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = _unescape_mount(parts[1])
        if is_within(target, point) and len(point) >= len(best):
            best, best_type = point, parts[2]
    return best_type


def is_network_path(path: str, mounts_text: str | None = None) -> bool:
    """True when `path` lies on a network or host-shared file system that raises no local events."""
    fs_type = mount_fs_type(path, mounts_text)
    return fs_type is not None and fs_type.lower() in NETWORK_FS_TYPES


class RootObserver:
    """One observer watching one library root recursively."""

    def __init__(
        self, root: str, handler: EnqueueHandler, mode: WatchMode, *, poll_interval_s: float
    ) -> None:
        self.root = root
        self.mode = mode
        self.handler = handler
        self._poll_interval_s = poll_interval_s
        self._observer: BaseObserver | None = None

    def start(self) -> None:
        """Start watching; raises OSError when the system refuses (watch limits, a vanished root)."""
        if self.mode == WatchMode.NATIVE:
            observer = make_native_observer()
        else:
            observer = make_polling_observer(self._poll_interval_s)
        try:
            observer.schedule(self.handler, self.root, recursive=True, event_filter=EVENT_TYPES)
            observer.start()
        except BaseException:
            _stop_quietly(observer)
            raise
        observer.name = f"glimpse-watch-{os.path.basename(self.root) or self.root}"
        self._observer = observer

    def stop(self, timeout: float = 2.0) -> None:
        """Stop watching and wait a little for watchdog's threads."""
        observer, self._observer = self._observer, None
        if observer is not None:
            _stop_quietly(observer, timeout)

    def alive(self) -> bool:
        """True while the observer and every thread feeding it are running."""
        observer = self._observer
        if observer is None or not observer.is_alive():
            return False
        if not all(emitter.is_alive() for emitter in list(observer.emitters)):
            return False
        fd_thread = getattr(observer, "_inotify_fd", None)
        return not (isinstance(fd_thread, threading.Thread) and not fd_thread.is_alive())

    def thread_idents(self) -> set[int]:
        """Idents of this observer's threads (to tell which root a watchdog log line is about)."""
        observer = self._observer
        if observer is None:
            return set()
        threads: list[object] = [observer, *list(observer.emitters), getattr(observer, "_inotify_fd", None)]
        return {t.ident for t in threads if isinstance(t, threading.Thread) and t.ident is not None}

    @property
    def observer(self) -> BaseObserver | None:
        return self._observer


def _stop_quietly(observer: BaseObserver, timeout: float = 2.0) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout)
    except Exception:
        log.debug("stopping an observer failed", exc_info=True)


class OverflowListener(logging.Filter):
    """Hears watchdog's "queue overflowed" warning and reports the thread that logged it."""

    def __init__(self, on_overflow: Callable[[int], None]) -> None:
        super().__init__()
        self._on_overflow = on_overflow

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if "overflow" in record.getMessage().lower() and record.thread is not None:
                self._on_overflow(record.thread)
        except Exception:
            log.debug("overflow listener failed", exc_info=True)
        return True

    def install(self) -> None:
        logging.getLogger(INOTIFY_LOGGER).addFilter(self)

    def remove(self) -> None:
        logging.getLogger(INOTIFY_LOGGER).removeFilter(self)
