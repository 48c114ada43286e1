"""Which files count as videos: by extension first, confirmed later by probing.

The list is generous (camcorder, DVD, broadcast and old web formats included): probing decides what
really is a video, so a stray file with one of these names costs a refused probe, never a wrong entry.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Extensions (lower case, with the dot) the library scans; probing confirms each file really is a video.
VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".mp4",
        ".m4v",
        ".mov",
        ".qt",
        ".mkv",
        ".webm",
        ".avi",
        ".mts",
        ".m2ts",
        ".ts",
        ".mpg",
        ".mpeg",
        ".wmv",
        ".asf",
        ".flv",
        ".3gp",
        ".3g2",
        ".dv",  # DV camcorders
        ".vob",  # DVD video
        ".mod",  # JVC/Panasonic/Canon SD camcorders (MPEG-2 program stream)
        ".tod",  # JVC HD camcorders (MPEG-2 transport stream)
        ".mt2s",
        ".m2t",  # HDV
        ".ogv",
        ".ogg",  # often Theora video; an audio-only one is refused by probing
        ".divx",
        ".xvid",
        ".mxf",  # professional cameras
        ".m2v",  # raw MPEG-2 video
        ".m1v",
        ".mpe",
        ".mpv",
        ".f4v",
        ".rm",
        ".rmvb",
        ".nut",
        ".y4m",
        ".h264",
        ".264",
        ".h265",
        ".hevc",
        ".ivf",  # raw VP8/VP9/AV1
        ".obu",  # raw AV1
        ".mjpeg",
        ".mjpg",
        ".insv",  # Insta360 (MP4 inside)
        ".lrv",  # GoPro low-resolution proxies (MP4 inside)
        ".dav",
    }
)


def is_video_path(path: str | os.PathLike[str]) -> bool:
    """True when the file name has a video extension (case-insensitive); the file is not opened."""
    name = Path(path).name
    if name.startswith("._"):  # macOS resource-fork companions carry the extension but no video
        return False
    return Path(name).suffix.lower() in VIDEO_EXTENSIONS
