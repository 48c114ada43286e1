"""OpenCV preprocessing against open_clip's own PIL pipeline."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from open_clip import image_transform
from PIL import Image

from engine.errors import ModelError
from engine.model.preprocess import FramePreprocessor
from engine.model.spec import PreprocessConfig

#: Tolerances in normalized units (one 8-bit grey level is about 0.015). Interpolation differs only at
#: sharp edges (PIL's bicubic antialiases when shrinking; OpenCV area-filters instead). Measured at 224 px
#: on these scenes: max 0.165, mean 0.0051.
MAX_TOL = 0.25
MEAN_TOL = 0.01


def _scene(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth gradient with solid shapes: photo-like edges, not noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([xx / w * 255, yy / h * 255, (xx + yy) / (h + w) * 255], -1)
    for _ in range(8):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(img, centre, int(rng.integers(h // 20, h // 4)), colour, -1)
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.rectangle(img, p1, p2, colour, 3)
    img = cv2.GaussianBlur(img, (0, 0), 1.0)
    return np.clip(img, 0, 255).astype(np.uint8)


SHAPES = [(480, 640), (1080, 1920), (1920, 1080), (240, 320), (100, 150), (224, 224)]


@pytest.mark.parametrize("shape", SHAPES)
def test_matches_open_clip_preprocessing(shape: tuple[int, int]) -> None:
    config = PreprocessConfig(image_size=224)
    ours = FramePreprocessor(config)
    reference = image_transform(224, is_train=False, mean=config.mean, std=config.std)
    image = _scene(*shape, seed=shape[0])
    got = ours([image])[0]
    expected = reference(Image.fromarray(image))
    assert got.shape == expected.shape == (3, 224, 224)
    diff = (got - expected).abs()
    assert diff.max().item() <= MAX_TOL, diff.max().item()
    assert diff.mean().item() <= MEAN_TOL, diff.mean().item()


def test_small_input_size_and_batch() -> None:
    ours = FramePreprocessor(PreprocessConfig(image_size=64))
    reference = image_transform(64, is_train=False)
    frames = [_scene(360, 640, seed=1), _scene(640, 360, seed=2)]
    got = ours(frames)
    assert got.shape == (2, 3, 64, 64) and got.dtype == torch.float32
    for i, frame in enumerate(frames):
        diff = (got[i] - reference(Image.fromarray(frame))).abs()
        # Shrinking ~6x to 64 px magnifies the filter difference (measured: max 0.27, mean 0.021).
        assert diff.max().item() <= 0.35
        assert diff.mean().item() <= 0.03


def test_rejects_non_rgb_uint8() -> None:
    ours = FramePreprocessor(PreprocessConfig(image_size=32))
    with pytest.raises(ModelError, match="RGB uint8"):
        ours([np.zeros((20, 20, 3), dtype=np.float32)])
    with pytest.raises(ModelError, match="RGB uint8"):
        ours([np.zeros((20, 20, 4), dtype=np.uint8)])
    with pytest.raises(ModelError, match="empty"):
        ours([np.zeros((0, 20, 3), dtype=np.uint8)])


def test_thread_safe() -> None:
    """Decode threads call preprocess concurrently: results equal the serial ones."""
    from concurrent.futures import ThreadPoolExecutor

    ours = FramePreprocessor(PreprocessConfig(image_size=64))
    frames = [_scene(180 + 10 * i, 320, seed=i) for i in range(8)]
    serial = [ours([f]) for f in frames]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda f: ours([f]), frames * 3))
    for i, got in enumerate(parallel):
        assert torch.equal(got, serial[i % len(frames)])
