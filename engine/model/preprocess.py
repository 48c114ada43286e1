"""CLIP's image preprocessing with OpenCV/NumPy: shortest side resize (bicubic), center crop, normalize.

Pure NumPy/OpenCV until the final tensor, so decode threads can run it without the GIL-heavy PIL path.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from engine.errors import ModelError
from engine.model.spec import PreprocessConfig


class FramePreprocessor:
    """Turns uint8 RGB frames into CLIP's normalized [n, 3, S, S] float32 pixels."""

    def __init__(self, config: PreprocessConfig) -> None:
        self.size = int(config.image_size)
        self.mean = np.asarray(config.mean, dtype=np.float32) * 255.0
        self.inv_std = 1.0 / (np.asarray(config.std, dtype=np.float32) * 255.0)

    def resize_crop(self, frame: np.ndarray) -> np.ndarray:
        """Shortest side to S (bicubic, area-prefiltered when shrinking a lot), then the center S x S."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ModelError(
                f"A frame must be an RGB uint8 array of shape HxWx3, got {frame.dtype} {frame.shape}."
            )
        h, w = frame.shape[:2]
        if h == 0 or w == 0:
            raise ModelError("A frame is empty (zero width or height).")
        s = self.size
        # torchvision's Resize(int): the short side becomes s, the long side int(s * long / short).
        if h <= w:
            nh, nw = s, int(s * w / h)
        else:
            nh, nw = int(s * h / w), s
        image = frame
        # PIL's bicubic antialiases when shrinking (its kernel widens with the scale); OpenCV's does not.
        # An area pre-shrink to about twice the target approximates that filtering.
        while image.shape[0] >= 4 * nh and image.shape[1] >= 4 * nw:
            half = (image.shape[1] // 2, image.shape[0] // 2)
            image = cv2.resize(image, half, interpolation=cv2.INTER_AREA)
        if (image.shape[0], image.shape[1]) != (nh, nw):
            shrinking = image.shape[0] > nh
            interp = cv2.INTER_AREA if shrinking and image.shape[0] >= 2 * nh else cv2.INTER_CUBIC
            image = cv2.resize(image, (nw, nh), interpolation=interp)
        top = int(round((nh - s) / 2.0))
        left = int(round((nw - s) / 2.0))
        return image[top : top + s, left : left + s]

    def __call__(self, frames: list[np.ndarray]) -> torch.Tensor:
        """Preprocess frames.

        Args:
            frames: RGB uint8 arrays, each H x W x 3 (any size).

        Returns:
            [n, 3, S, S] float32 CPU tensor, normalized with CLIP's mean and std.
        """
        s = self.size
        out = np.empty((len(frames), s, s, 3), dtype=np.float32)
        for i, frame in enumerate(frames):
            crop = self.resize_crop(np.asarray(frame))
            np.subtract(crop, self.mean, out=out[i], dtype=np.float32)
            out[i] *= self.inv_std
        return torch.from_numpy(out).permute(0, 3, 1, 2).contiguous()
