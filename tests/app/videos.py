"""Real video files for the app tests and the screenshot script, written with cv2.VideoWriter."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

#: Scene name -> (top colour, bottom colour) in RGB; a moving disc makes frames differ within a clip.
SCENES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "red": ((220, 40, 40), (120, 10, 10)),
    "green": ((40, 200, 60), (10, 90, 20)),
    "blue": ((40, 80, 220), (10, 20, 110)),
}
#: A second red video ("more like this" from red.mp4 should find it first).
RED_AGAIN = {"red_again": ((215, 45, 35), (125, 15, 10))}


def scene_frame(
    top: tuple[int, int, int],
    bottom: tuple[int, int, int],
    i: int,
    n: int,
    w: int,
    h: int,
    disc: tuple[int, int, int] = (250, 250, 250),
) -> np.ndarray:
    """One RGB frame: a vertical gradient with a disc moving left to right."""
    ramp = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    img = np.array(top, np.float32) * (1 - ramp) + np.array(bottom, np.float32) * ramp
    img = np.repeat(img, w, axis=1).astype(np.uint8)
    x = int(w * (0.15 + 0.7 * i / max(1, n - 1)))
    cv2.circle(img, (x, h // 2), max(3, h // 6), disc, -1)
    return img


def write_video(
    path: Path,
    top: tuple[int, int, int],
    bottom: tuple[int, int, int],
    *,
    seconds: float = 4.0,
    fps: int = 8,
    size: tuple[int, int] = (96, 64),
    disc: tuple[int, int, int] = (250, 250, 250),
) -> Path:
    """Write an MP4 (mp4v) of a gradient scene with a moving disc."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened(), f"cannot write {path}"
    n = int(seconds * fps)
    for i in range(n):
        writer.write(cv2.cvtColor(scene_frame(top, bottom, i, n, w, h, disc), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def write_scenes(
    folder: Path,
    scenes: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] | None = None,
    **kwargs: object,
) -> dict[str, Path]:
    """One video per scene in `folder`; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (top, bottom) in (scenes or SCENES).items():
        out[name] = write_video(folder / f"{name}.mp4", top, bottom, **kwargs)  # type: ignore[arg-type]
    return out


def write_broken(path: Path) -> Path:
    """A file with a video name that is not a video (it must fail with a reason)."""
    path.write_bytes(b"this is not a video at all " * 64)
    return path


def write_image(path: Path, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Path:
    """A still of a scene (the middle frame) as PNG, for the image-drop search."""
    img = scene_frame(top, bottom, 8, 17, 96, 64)
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return path
