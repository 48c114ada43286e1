"""Settling on real files: nothing is released while it changes, bursts collapse, moves travel together."""

from __future__ import annotations

import os
from pathlib import Path

from engine.indexing.watch.settle import Settler
from engine.indexing.watch.types import Batch, Change, ChangeKind
from engine.video import is_video_path

SETTLE = 1.0


def settler(**kw) -> Settler:
    return Settler(SETTLE, is_relevant=is_video_path, **kw)


def grow(path: Path, data: bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data)


def test_a_file_is_released_only_after_it_stops_changing(tmp_path: Path) -> None:
    s = settler()
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"x" * 100)
    s.add(Change(ChangeKind.CREATED, str(video), tracks_writes=False), now=0.0)
    s.add(Change(ChangeKind.CLOSED, str(video), tracks_writes=False), now=0.0)
    assert not s.take_ready(now=0.5)
    # It grows without any event (a network drive): the stat check alone must hold it back.
    grow(video, b"y" * 100)
    os.utime(video, ns=(1, 10**9))
    assert not s.take_ready(now=1.2)
    assert not s.take_ready(now=2.0)
    batch = s.take_ready(now=2.3)
    assert batch.paths == [str(video)]
    assert batch.folders == []
    assert len(s) == 0


def test_a_file_open_for_writing_waits_for_its_close(tmp_path: Path) -> None:
    s = settler(write_hold_s=30.0)
    video = tmp_path / "card.mov"
    video.write_bytes(b"partial")
    s.add(Change(ChangeKind.CREATED, str(video)), now=0.0)
    s.add(Change(ChangeKind.MODIFIED, str(video)), now=0.1)
    # Quiet and stable for well over settle_s, but the writer never closed it: a stalled copy.
    assert not s.take_ready(now=5.0)
    s.add(Change(ChangeKind.CLOSED, str(video)), now=6.0)
    assert not s.take_ready(now=6.5)
    assert s.take_ready(now=7.1).paths == [str(video)]


def test_a_stalled_writer_is_given_up_on_after_the_hold(tmp_path: Path) -> None:
    s = settler(write_hold_s=10.0)
    video = tmp_path / "stuck.mp4"
    video.write_bytes(b"partial")
    s.add(Change(ChangeKind.MODIFIED, str(video)), now=0.0)
    assert not s.take_ready(now=9.9)
    assert s.take_ready(now=10.1).paths == [str(video)]


def test_non_videos_are_ignored_unless_they_make_a_burst(tmp_path: Path) -> None:
    s = settler(burst_threshold=50)
    for i in range(10):
        s.add(Change(ChangeKind.CREATED, str(tmp_path / f"note{i}.txt")), now=0.0)
    assert len(s) == 0
    assert s.bursts == 0


def test_a_thousand_events_in_one_folder_become_one_rescan(tmp_path: Path) -> None:
    s = settler(burst_threshold=50)
    drop = tmp_path / "dump"
    drop.mkdir()
    for i in range(1000):
        path = drop / (f"f{i:04d}.mp4" if i % 100 == 0 else f"f{i:04d}.txt")
        path.write_bytes(b"")
        s.add(Change(ChangeKind.CREATED, str(path)), now=0.001 * i)
        s.add(Change(ChangeKind.CLOSED, str(path)), now=0.001 * i)
    assert s.pending_paths == [str(drop)]
    assert s.bursts == 1
    assert not s.take_ready(now=1.05)  # the last event came at ~1.0 s
    assert not s.take_ready(now=1.9)
    batch = s.take_ready(now=2.1)
    assert batch.paths == [str(drop)]
    assert batch.folders == [str(drop)]


def test_a_folder_rescan_waits_while_a_file_inside_grows(tmp_path: Path) -> None:
    s = settler()
    folder = tmp_path / "copying"
    folder.mkdir()
    video = folder / "big.mp4"
    video.write_bytes(b"a")
    s.add_folder(str(folder), now=0.0)
    grow(video, b"b" * 10)
    assert not s.take_ready(now=0.8)
    assert not s.take_ready(now=1.5)  # the digest changed at 0.8
    assert s.take_ready(now=1.9).folders == [str(folder)]


def test_both_ends_of_a_move_are_released_together(tmp_path: Path) -> None:
    s = settler()
    src, dest = tmp_path / "old.mp4", tmp_path / "new.mp4"
    dest.write_bytes(b"video")
    s.add(Change(ChangeKind.MOVED, str(src), dest=str(dest)), now=0.0)
    # The destination is then rewritten: the vanished source must wait for it, or the indexer would
    # see a delete (dropping the vectors) before it sees the new file.
    s.add(Change(ChangeKind.MODIFIED, str(dest), tracks_writes=False), now=0.9)
    grow(dest, b"more")
    assert not s.take_ready(now=1.2)  # the source alone has settled (at 1.0): it must not go alone
    assert not s.take_ready(now=2.1)  # the growth was seen at 1.2
    batch = s.take_ready(now=2.3)
    assert batch.paths == sorted([str(src), str(dest)])


def test_a_renamed_folder_is_one_pair_of_folder_rescans(tmp_path: Path) -> None:
    s = settler(burst_threshold=1000)
    old, new = tmp_path / "trip", tmp_path / "trip-2025"
    old.mkdir()
    for i in range(100):
        (old / f"v{i}.mp4").write_bytes(b"v")
    old.rename(new)
    s.add(Change(ChangeKind.MOVED, str(old), is_dir=True, dest=str(new)), now=0.0)
    for i in range(100):
        s.add(Change(ChangeKind.MOVED, str(old / f"v{i}.mp4"), dest=str(new / f"v{i}.mp4")), now=0.01)
    assert s.pending_paths == sorted([str(old), str(new)])
    batch = s.take_ready(now=1.1)
    assert batch == Batch(paths=sorted([str(old), str(new)]), folders=sorted([str(old), str(new)]))


def test_a_folder_rescan_absorbs_changes_already_pending_inside(tmp_path: Path) -> None:
    s = settler()
    inner = tmp_path / "a" / "b.mp4"
    inner.parent.mkdir()
    inner.write_bytes(b"v")
    s.add(Change(ChangeKind.CREATED, str(inner), tracks_writes=False), now=0.0)
    s.add_folder(str(tmp_path / "a"), now=0.5)
    assert s.pending_paths == [str(tmp_path / "a")]
    assert not s.take_ready(now=1.2)  # the folder's own clock started at 0.5
    assert s.take_ready(now=1.6).paths == [str(tmp_path / "a")]


def test_a_deleted_file_is_released_after_the_settle_time(tmp_path: Path) -> None:
    s = settler()
    gone = tmp_path / "gone.avi"
    s.add(Change(ChangeKind.DELETED, str(gone)), now=0.0)
    assert not s.take_ready(now=0.9)
    assert s.take_ready(now=1.1).paths == [str(gone)]


def test_drop_under_forgets_an_offline_root_and_nothing_else(tmp_path: Path) -> None:
    s = settler()
    root, other = tmp_path / "nas", tmp_path / "nas2"
    s.add(Change(ChangeKind.DELETED, str(root / "x.mp4")), now=0.0)
    s.add(Change(ChangeKind.DELETED, str(root / "sub" / "y.mp4")), now=0.0)
    s.add(Change(ChangeKind.DELETED, str(other / "z.mp4")), now=0.0)
    assert s.drop_under(str(root)) == 2
    assert s.pending_paths == [str(other / "z.mp4")]


def test_requeue_puts_a_batch_back_on_a_fresh_clock(tmp_path: Path) -> None:
    s = settler()
    video = tmp_path / "v.mp4"
    video.write_bytes(b"v")
    s.add(Change(ChangeKind.CLOSED, str(video)), now=0.0)
    batch = s.take_ready(now=1.1)
    assert batch.paths == [str(video)]
    s.requeue(batch, now=5.0)
    assert not s.take_ready(now=5.5)
    assert s.take_ready(now=6.1) == batch


def test_a_scope_is_held_while_anything_in_it_still_settles(tmp_path: Path) -> None:
    s = settler(write_hold_s=30.0)
    root_a, root_b = tmp_path / "a", tmp_path / "b"
    for folder in (root_a, root_b):
        folder.mkdir()
    done_a, copying_a, done_b = root_a / "done.mp4", root_a / "copying.mp4", root_b / "done.mp4"
    for path in (done_a, copying_a, done_b):
        path.write_bytes(b"v")
    s.add(Change(ChangeKind.CLOSED, str(done_a)), now=0.0)
    s.add(Change(ChangeKind.CLOSED, str(done_b)), now=0.0)
    s.add(Change(ChangeKind.MODIFIED, str(copying_a)), now=0.0)  # still open for writing
    scope = {str(p): str(p.parent) for p in (done_a, copying_a, done_b)}.get
    assert s.take_ready(now=1.1, scope=scope).paths == [str(done_b)]
    s.add(Change(ChangeKind.CLOSED, str(copying_a)), now=2.0)
    assert not s.take_ready(now=2.5, scope=scope)
    assert s.take_ready(now=3.1, scope=scope).paths == sorted([str(done_a), str(copying_a)])


def test_a_vanished_path_waits_for_a_possible_other_end_elsewhere(tmp_path: Path) -> None:
    s = settler(write_hold_s=30.0)
    gone = tmp_path / "camera" / "clip.mp4"  # moved to another root: two unrelated events
    arrived = tmp_path / "archive" / "clip.mp4"
    arrived.parent.mkdir()
    arrived.write_bytes(b"v")
    s.add(Change(ChangeKind.DELETED, str(gone)), now=0.0)
    s.add(Change(ChangeKind.CREATED, str(arrived)), now=0.3)  # its writer still has it open
    assert not s.take_ready(now=1.1)  # the delete alone must not go ahead
    s.add(Change(ChangeKind.CLOSED, str(arrived)), now=1.5)
    assert s.take_ready(now=2.6).paths == sorted([str(gone), str(arrived)])


def test_a_file_moved_in_whole_is_not_waited_on_like_a_write(tmp_path: Path) -> None:
    s = settler(write_hold_s=30.0)
    moved_in, opened = tmp_path / "moved.mp4", tmp_path / "opened.mp4"
    moved_in.write_bytes(b"a whole video")
    opened.write_bytes(b"")
    # An unpaired rename into the watched tree is reported as a creation, with no close to follow.
    s.add(Change(ChangeKind.CREATED, str(moved_in)), now=0.0)
    s.add(Change(ChangeKind.CREATED, str(opened)), now=0.0)  # empty: its writer has only opened it
    assert s.take_ready(now=1.1).paths == [str(moved_in)]
    assert s.pending_paths == [str(opened)]


def test_a_late_reported_delete_goes_along_with_a_settled_arrival(tmp_path: Path) -> None:
    s = settler()
    gone, arrived = tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4"
    arrived.parent.mkdir()
    arrived.write_bytes(b"video")
    s.add(Change(ChangeKind.MOVED, str(arrived.parent / "x.tmp"), dest=str(arrived)), now=0.0)
    s.add(Change(ChangeKind.DELETED, str(gone)), now=0.6)  # inotify holds an unpaired move-out ~0.5 s
    assert s.take_ready(now=1.1).paths == sorted([str(gone), str(arrived)])


def test_a_polled_path_is_held_for_its_longer_settle_time(tmp_path: Path) -> None:
    nas, local = tmp_path / "nas", tmp_path / "local"
    for folder in (nas, local):
        folder.mkdir()
        (folder / "v.mp4").write_bytes(b"v")
    s = settler(min_hold=lambda path: 4.0 if path.startswith(str(nas)) else 0.0)
    for folder in (nas, local):
        s.add(Change(ChangeKind.MODIFIED, str(folder / "v.mp4"), tracks_writes=False), now=0.0)
    assert s.take_ready(now=1.1).paths == [str(local / "v.mp4")]
    assert not s.take_ready(now=3.9)
    assert s.take_ready(now=4.1).paths == [str(nas / "v.mp4")]


def test_the_per_path_decision_of_take_ready() -> None:
    from engine.indexing.watch.settle import Readiness, readiness

    def decide(**kw: bool) -> Readiness:
        base = dict(settled=True, present=True, scope_busy=False, others_settling=False, held_out=False)
        return readiness(**{**base, **kw})

    assert decide() == Readiness.READY
    assert decide(settled=False) == Readiness.SETTLING
    assert decide(scope_busy=True) == Readiness.SCOPE_BUSY
    assert decide(present=False, scope_busy=True) == Readiness.SCOPE_BUSY
    assert decide(present=False) == Readiness.READY  # a settled deletion with nothing else settling
    assert decide(present=False, others_settling=True) == Readiness.TAG_ALONG  # may be a move's end
    assert decide(present=False, others_settling=True, held_out=True) == Readiness.READY
    assert decide(present=False, settled=False) == Readiness.TAG_ALONG
