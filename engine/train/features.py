"""Frozen-backbone frame features, sampled as the indexer samples and cached on disk.

Later epochs (and later runs) read the cache: no decoding, no image encoding. The cache is keyed by
the visual backbone's weights, the sampling settings and the video (path, size, mtime), so a changed
file or another backbone never reads stale features.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from engine import config
from engine.config import SamplingSettings
from engine.errors import VideoError
from engine.train.data import CaptionedVideo
from engine.train.errors import DatasetError

log = logging.getLogger(__name__)

CACHE_VERSION = "1"


def backbone_id(model) -> str:
    """A hash of what decides frame features: the visual tower's weights and the preprocessing."""
    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(repr(model.config.preprocess).encode())
    for name, tensor in sorted(model.clip.visual.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:24]


def read_video_frames(video: CaptionedVideo, sampling: SamplingSettings) -> list[np.ndarray]:
    """All sampled frames of a video in time order (every clip of the file, or the in-memory source).

    A training video is one captioned moment, so frames of all its clips (the sampler splits at shot
    cuts) are joined; `uniform_pick` then keeps at most max_frames of them, spread over the video.
    """
    if video.source is not None:
        return list(video.source.frames())
    if video.path is None:
        raise DatasetError(f"The video {video.video_id} has neither a file nor frames.")
    from engine.video import sample_clips  # the video layer decodes in a killable worker process

    frames: list[np.ndarray] = []
    for clip in sample_clips(video.path, fps=sampling.fps, max_frames=sampling.max_frames):
        frames.extend(f.rgb for f in clip.frames)
    return frames


def uniform_pick(count: int, limit: int) -> list[int]:
    """Indices of at most `limit` of `count` frames, evenly spread (TeachCLIP's uniform slicing)."""
    if count <= limit:
        return list(range(count))
    return [int(round(i)) for i in np.linspace(0, count - 1, limit)]


class FeatureCache:
    """Per-video [m, D] float32 frame features in a folder (one .npy per video)."""

    def __init__(self, root: Path | None, backbone: str, sampling: SamplingSettings) -> None:
        base = Path(root) if root is not None else config.cache_dir() / "train-features"
        self.folder = base / backbone / f"fps{sampling.fps:g}-m{sampling.max_frames}"
        self.folder.mkdir(parents=True, exist_ok=True)

    def _name(self, video: CaptionedVideo) -> str:
        if video.path is not None:
            try:
                st = os.stat(video.path)
                ident = f"{Path(video.path).resolve()}|{st.st_size}|{st.st_mtime_ns}"
            except OSError:
                ident = str(video.path)
        else:
            ident = f"{video.video_id}|{video.source!r}"
        return hashlib.sha1(ident.encode()).hexdigest() + ".npy"

    def load(self, video: CaptionedVideo) -> np.ndarray | None:
        """The cached features of a video, or None."""
        path = self.folder / self._name(video)
        if not path.is_file():
            return None
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            log.warning("unreadable feature cache entry %s; recomputing", path)
            return None

    def save(self, video: CaptionedVideo, feats: np.ndarray) -> None:
        """Store a video's features (written to a temporary file, then renamed)."""
        path = self.folder / self._name(video)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.save(fh, feats.astype(np.float32), allow_pickle=False)
        os.replace(tmp, path)


def extract_features(
    model,
    videos: Sequence[CaptionedVideo],
    sampling: SamplingSettings | None = None,
    cache: FeatureCache | None = None,
    *,
    progress: bool = False,
    on_skip: Callable[[CaptionedVideo, str], None] | None = None,
) -> dict[str, torch.Tensor]:
    """Frame features [m, D] (not normalized) for each video, from the cache or by decoding + encoding.

    Args:
        model: a GlimpseModel (its frozen visual backbone encodes the frames).
        videos: the videos.
        sampling: fps and max_frames (default: the indexer's 1 fps, 12 frames).
        cache: where features persist between epochs and runs; None keeps them in memory only.
        progress: show a tqdm bar.
        on_skip: called with (video, reason) for videos that cannot be read; they are left out.

    Returns:
        {video.key: features}; unreadable videos are missing from it.
    """
    sampling = sampling or SamplingSettings()
    out: dict[str, torch.Tensor] = {}
    for video in tqdm(videos, desc="frame features", unit="video", disable=not progress, leave=False):
        cached = cache.load(video) if cache is not None else None
        if cached is not None:
            out[video.key] = torch.from_numpy(cached)
            continue
        try:
            frames = read_video_frames(video, sampling)
        except VideoError as exc:
            log.warning("skipping %s: %s", video.video_id, exc)
            if on_skip is not None:
                on_skip(video, str(exc))
            continue
        if not frames:
            if on_skip is not None:
                on_skip(video, "no frames could be decoded")
            continue
        frames = [frames[i] for i in uniform_pick(len(frames), sampling.max_frames)]
        feats = model.encode_frames(model.preprocess(frames))
        if cache is not None:
            cache.save(video, feats.numpy())
        out[video.key] = feats
    return out


def pad_batch(feats: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack [m_i, D] features into [b, m, D] zero-padded, with a [b, m] bool mask of real frames."""
    m = max(int(f.shape[0]) for f in feats)
    dim = int(feats[0].shape[1])
    out = torch.zeros(len(feats), m, dim)
    mask = torch.zeros(len(feats), m, dtype=torch.bool)
    for i, f in enumerate(feats):
        out[i, : f.shape[0]] = f
        mask[i, : f.shape[0]] = True
    return out, mask
