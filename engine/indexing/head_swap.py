"""A new head over the same backbone costs no decoding: clip vectors and AFA weights from stored frames.

When the library's vectors were made by another model whose backbone fingerprint equals the new
model's (same visual tower and preprocessing, so identical frame features), every video whose clips all
kept their frame features is re-encoded from them: the head (or mean pooling) runs on the stored
features, and each video's clips are saved again with the new vectors and weights. Videos lacking
features are set back to pending, so the run that follows decodes just those. All of it is one
transaction: a crash leaves the old model's library whole, and readers never see two models mixed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from engine.model.batch import encode_from_features
from engine.model.choice import record_model_spec
from engine.store import ClipRecord, FrameRecord, LibraryStore

log = logging.getLogger(__name__)

META_BACKBONE = "backbone_fingerprint"


@dataclass(frozen=True)
class HeadSwap:
    """What a head swap did."""

    videos: int  # re-encoded from stored frame features
    clips: int
    requeued: int  # indexed videos without frame features, set pending for a full encode


def can_swap_head(store: LibraryStore, model) -> bool:
    """True when the library holds another model's vectors over this model's backbone."""
    current = store.model_fingerprint()
    if current is None or current == model.fingerprint:
        return False
    return store.get_meta(META_BACKBONE) == model.backbone_fingerprint


def swap_head(
    store: LibraryStore,
    model,
    *,
    model_spec: str | None = None,
    on_video: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> HeadSwap | None:
    """Re-encode the library for `model` from stored frame features; None when it cannot be done.

    Args:
        store: the library (writable).
        model: the new GlimpseModel (same backbone fingerprint as the library's features).
        model_spec: recorded as the library's model spec with the new vectors.
        on_video: called with (done, total) after each video.
        cancelled: polled between videos; True rolls the whole swap back (the old model stays).

    Returns:
        A HeadSwap summary, or None when the library's features come from another backbone or the
        swap was cancelled.
    """
    if not can_swap_head(store, model):
        return None
    ready = store.videos_with_features()
    rows = {v.id: v for v in store.videos(status="indexed")}
    lacking = [vid for vid in rows if vid not in set(ready)]
    clips_by_video = store.clips_of_videos(ready)
    try:
        _swap_all(store, model, model_spec, ready, rows, lacking, clips_by_video, on_video, cancelled)
    except _Cancelled:
        log.info("head swap cancelled; the library keeps its old model")
        return None
    clips = sum(len(clips_by_video.get(v, [])) for v in ready)
    log.info(
        "new head applied from stored frame features: %d videos (%d clips), %d set pending for decoding",
        len(ready),
        clips,
        len(lacking),
    )
    return HeadSwap(videos=len(ready), clips=clips, requeued=len(lacking))


class _Cancelled(Exception):
    """Raised inside the swap's transaction to roll it back."""


def _swap_all(store, model, model_spec, ready, rows, lacking, clips_by_video, on_video, cancelled) -> None:
    """The swap's one transaction."""
    with store.batch():
        # The new fingerprint first, so save_video below keeps (not wipes) the other videos' rows.
        store.set_meta("model_fingerprint", model.fingerprint)
        record_model_spec(store, model_spec)
        store.requeue_videos(lacking)
        for done, vid in enumerate(ready, 1):
            if cancelled is not None and cancelled():
                raise _Cancelled
            row = rows.get(vid)
            ids = clips_by_video.get(vid, [])
            if row is None or not ids:
                continue
            records = _reencoded(store, model, ids)
            store.save_video(
                vid,
                duration=float(row.duration or max(r.end for r in records)),
                fingerprint=model.fingerprint,
                clips=records,
                size=row.size,
                mtime=row.mtime,
                content_hash=row.content_hash,
                model_spec=model_spec,
                backbone=model.backbone_fingerprint,
            )
            if on_video is not None:
                on_video(done, len(ready))


def _reencoded(store: LibraryStore, model, clip_ids: list[int]) -> list[ClipRecord]:
    """The clips of one video, with vectors and weights from the new head over their stored features."""
    details = store.clip_details(clip_ids)
    feats = store.frame_features(clip_ids)
    order = [cid for cid in clip_ids if cid in details and cid in feats]
    encoded = encode_from_features(model, [feats[cid].raw() for cid in order])
    records = []
    for cid, (vector, weights) in zip(order, encoded, strict=True):
        d, f = details[cid], feats[cid]
        raw = f.raw()
        frames = [
            FrameRecord(t=fr.t, weight=float(weights[i]), thumb=fr.thumb, feature=raw[i])
            for i, fr in enumerate(d.frames)
        ]
        records.append(ClipRecord(start=d.start, end=d.end, vector=vector, frames=frames))
    return records
