"""HDR test footage: an SDR picture re-encoded as 10-bit HLG (BT.2100), as a phone's HDR twin holds it.

The conversion follows BT.2408's SDR-in-HLG mapping, written here from BT.2100's definitions (independently
of engine.video.tonemap, which goes the other way): SDR white is HDR reference white, 203 nits.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

_BT709_TO_BT2020 = np.array(
    [[0.6274, 0.3293, 0.0433], [0.0691, 0.9195, 0.0114], [0.0164, 0.0880, 0.8956]], np.float64
)
_LUMA_2020 = np.array([0.2627, 0.6780, 0.0593])
_SDR_OPTIONS = {"x265-params": "log-level=none:colorprim=bt709:transfer=bt709:colormatrix=bt709"}
_HLG_OPTIONS = {"x265-params": "log-level=none:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc"}


def hlg_signal(rgb8: np.ndarray) -> np.ndarray:
    """SDR RGB uint8 (display gamma 2.2, BT.709) to HLG R'G'B' (BT.2020) as uint16."""
    display = (rgb8.astype(np.float64) / 255.0) ** 2.2 @ _BT709_TO_BT2020.T  # 1.0 = SDR white
    nits = np.maximum(display, 0.0) * 203.0
    # inverse OOTF at 1000 nits (system gamma 1.2): display light back to scene light in [0, 1]
    y_display = np.maximum(nits @ _LUMA_2020, 1e-9)[..., None] / 1000.0
    scene = nits / 1000.0 * y_display ** ((1 - 1.2) / 1.2)
    a, b, c = 0.17883277, 1 - 4 * 0.17883277, 0.5 - 0.17883277 * np.log(4 * 0.17883277)
    scene = np.clip(scene, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        signal = np.where(
            scene <= 1 / 12, np.sqrt(3 * scene), a * np.log(np.maximum(12 * scene - b, 1e-12)) + c
        )
    return np.round(np.clip(signal, 0.0, 1.0) * 65535).astype(np.uint16)


def write_pair(folder: Path, name: str, frames_rgb: list[np.ndarray], fps: int = 5) -> tuple[Path, Path]:
    """The same RGB frames as an 8-bit SDR H.265 file and a 10-bit HLG H.265 file."""
    sdr, hlg = folder / f"{name}_sdr.mp4", folder / f"{name}_hlg.mp4"
    for path, ten_bit in ((sdr, False), (hlg, True)):
        if path.exists():
            continue
        with av.open(str(path), "w") as out:
            opts = _HLG_OPTIONS if ten_bit else _SDR_OPTIONS
            stream = out.add_stream("libx265", rate=Fraction(fps), options=opts)
            h, w = frames_rgb[0].shape[:2]
            stream.width, stream.height = w, h
            stream.pix_fmt = "yuv420p10le" if ten_bit else "yuv420p"
            stream.codec_context.gop_size = fps
            for rgb in frames_rgb:
                if ten_bit:
                    frame = av.VideoFrame.from_ndarray(hlg_signal(rgb), format="rgb48le")
                    frame = frame.reformat(format="yuv420p10le", dst_colorspace="bt2020")
                else:
                    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
                        format="yuv420p", dst_colorspace="itu709"
                    )
                out.mux(stream.encode(frame))
            out.mux(stream.encode(None))
    return sdr, hlg


def scene(seed: int, size: tuple[int, int] = (192, 128)) -> np.ndarray:
    """A colourful scene: a gradient sky, a few bright and dark blobs (RGB uint8)."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w] / max(w, h)
    img = np.stack([x * 200 + 30, y * 180 + 40, (1 - x) * 150 + 60], -1) * rng.uniform(0.5, 1.0, 3)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 0.7), rng.uniform(0.05, 0.2)
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
    return np.clip(img, 0, 255).astype(np.uint8)


os.environ.setdefault("SVT_LOG", "1")
