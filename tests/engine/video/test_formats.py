from __future__ import annotations

import pytest

from engine.video import VIDEO_EXTENSIONS, is_video_path


@pytest.mark.parametrize(
    "ext",
    [
        ".mp4",
        ".mov",
        ".m4v",
        ".mkv",
        ".webm",
        ".avi",
        ".mts",
        ".m2ts",
        ".ts",
        ".mpg",
        ".mpeg",
        ".wmv",
        ".flv",
        ".3gp",
        ".dv",
        ".vob",
        ".mod",
        ".tod",
        ".ogv",
        ".divx",
        ".mxf",
        ".m2v",
        ".f4v",
    ],
)
def test_issue_extensions_are_videos(ext: str) -> None:
    assert ext in VIDEO_EXTENSIONS
    assert is_video_path(f"/some/dir/clip{ext}")
    assert is_video_path(f"/some/dir/CLIP{ext.upper()}")


@pytest.mark.parametrize(
    "name", ["notes.txt", "photo.jpg", "song.mp3", "movie", "archive.mp4.part", "._clip.mp4"]
)
def test_other_names_are_not(name: str) -> None:
    assert not is_video_path(name)


def test_extensions_are_lower_case_with_dot() -> None:
    assert all(e.startswith(".") and e == e.lower() for e in VIDEO_EXTENSIONS)
