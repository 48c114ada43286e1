"""What the video layer hands to the rest of the engine: probe results, sampled frames, clips."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class VideoInfo:
    """What probing (and, where the container lies, decoding) shows about a video."""

    path: str
    duration: float  # seconds
    fps: float
    frame_count: int
    width: int  # as displayed, i.e. after rotation
    height: int
    rotation: int  # degrees clockwise the stored picture is turned for display: 0, 90, 180, 270
    codec: str  # FFmpeg's decoder name, lower case ("h264", "hevc", "av1", "mpeg4", ...)
    sample_aspect: float = 1.0  # pixel width / height (DV and anamorphic video: not 1)
    transfer: str = "sdr"  # colour transfer: "sdr", or "pq" / "hlg" for HDR (tone-mapped before the model)


@dataclass
class SampledFrame:
    """One sampled frame: its presentation time, pixels (RGB uint8, upright, shrunk) and a JPEG thumbnail."""

    t: float
    rgb: np.ndarray  # [H, W, 3] uint8, shorter side about 224 px (never upscaled)
    thumb: bytes = b""  # JPEG, about 160 px tall


@dataclass
class Clip:
    """A time range of one video with up to `max_frames` sampled frames, never straddling a shot cut."""

    index: int  # 0-based position in the video
    start: float  # seconds
    end: float  # seconds (exclusive end of the time range the clip stands for)
    frames: list[SampledFrame] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. "file is truncated: decoded up to 12.0 s"

    @property
    def timestamps(self) -> list[float]:
        return [f.t for f in self.frames]
