"""Small JPEG thumbnails for the GUI's filmstrip."""

from __future__ import annotations

import cv2
import numpy as np

#: Thumbnail height in pixels (the filmstrip row height); never upscaled.
THUMB_HEIGHT = 160
JPEG_QUALITY = 80


def make_thumb(rgb: np.ndarray, height: int = THUMB_HEIGHT, quality: int = JPEG_QUALITY) -> bytes:
    """Encode an upright RGB frame as a JPEG about `height` px tall (smaller frames keep their size).

    Args:
        rgb: [H, W, 3] uint8 RGB frame.
        height: wanted thumbnail height in pixels.
        quality: JPEG quality 1-100.

    Returns:
        The JPEG bytes.
    """
    h, w = rgb.shape[:2]
    if h > height:
        size = (max(1, round(w * height / h)), height)
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - imencode fails only on an empty image
        return b""
    return buf.tobytes()
