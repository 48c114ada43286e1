"""Which files count as videos: by extension first, confirmed later by probing."""

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
    }
)


def is_video_path(path: str | os.PathLike[str]) -> bool:
    """True when the file name has a video extension (case-insensitive); the file is not opened."""
    name = Path(path).name
    if name.startswith("._"):  # macOS resource-fork companions carry the extension but no video
        return False
    return Path(name).suffix.lower() in VIDEO_EXTENSIONS
