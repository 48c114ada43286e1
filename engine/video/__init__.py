"""Video files in, clips out: probing, timestamp sampling, shot-aware clips, thumbnails, isolated decoding."""

from engine.video.api import probe, sample_clips
from engine.video.formats import VIDEO_EXTENSIONS, is_video_path
from engine.video.isolate import DecoderPool, default_pool
from engine.video.types import Clip, SampledFrame, VideoInfo

__all__ = [
    "VIDEO_EXTENSIONS",
    "Clip",
    "DecoderPool",
    "SampledFrame",
    "VideoInfo",
    "default_pool",
    "is_video_path",
    "probe",
    "sample_clips",
]
