"""HDR to SDR: PQ (SMPTE ST 2084) and HLG (ARIB STD-B67) frames mapped to BT.709 SDR before the model.

A phone's HDR clip stores 10-bit BT.2020 colour under a PQ or HLG curve; shown as if it were SDR it looks
flat and dim, and the model (trained on SDR pictures) sees different content. The steps, on the frame
already shrunk to model size (a few thousand pixels, so float maths costs little):
1. R'G'B' (BT.2020, from swscale as 16-bit RGB) to linear light in nits: the PQ EOTF, or for HLG the
   inverse OETF followed by the OOTF at a 1000-nit peak (system gamma 1.2), as BT.2100 defines them;
2. BT.2020 primaries to BT.709 (the 3x3 matrix of BT.2087), negatives clipped;
3. tone mapping with BT.2408's reference, HDR reference white (203 nits) = SDR white: SDR and HDR agree
   up to a knee at 75 % of it; above, luminance rolls off smoothly (hue kept) instead of clipping, so
   reference white itself lands at 96 % (244 of 255) and a 1000-nit highlight just under white;
4. the BT.709/sRGB-like display gamma (2.2 here: what SDR monitors show), to 8 bits.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

#: HDR reference white in nits (BT.2408): what SDR white (100 %) corresponds to.
REFERENCE_WHITE_NITS = 203.0
#: The brightest HDR level kept distinguishable before rolling off to SDR white.
PEAK_NITS = 1000.0
_SDR_GAMMA = 2.2
#: Luminance (1.0 = reference white) up to which SDR and HDR agree; above it highlights roll off.
_KNEE = 0.75

# BT.2087: linear BT.2020 RGB to linear BT.709 RGB.
_BT2020_TO_BT709 = np.array(
    [
        [1.6605, -0.5876, -0.0728],
        [-0.1246, 1.1329, -0.0083],
        [-0.0182, -0.1006, 1.1187],
    ],
    np.float32,
)
_BT2020_LUMA = np.array([0.2627, 0.6780, 0.0593], np.float32)
_BT709_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


class Transfer(IntEnum):
    """FFmpeg's transfer characteristics (AVColorTransferCharacteristic) that mean HDR."""

    PQ = 16  # SMPTE ST 2084
    HLG = 18  # ARIB STD-B67


def hdr_transfer(color_trc: int) -> Transfer | None:
    """The HDR transfer a frame's colour tag names, or None for SDR (or untagged) frames."""
    try:
        return Transfer(int(color_trc))
    except ValueError:
        return None


def transfer_name(color_trc: int) -> str:
    """A short name for a transfer tag: "pq", "hlg", or "sdr"."""
    found = hdr_transfer(color_trc)
    return found.name.lower() if found is not None else "sdr"


def _pq_to_nits(e: np.ndarray) -> np.ndarray:
    m1, m2 = 2610 / 16384, 2523 / 4096 * 128
    c1, c2, c3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
    p = np.power(np.clip(e, 0.0, 1.0), 1.0 / m2)
    return 10000.0 * np.power(np.maximum(p - c1, 0.0) / (c2 - c3 * p), 1.0 / m1)


def _hlg_to_nits(e: np.ndarray) -> np.ndarray:
    a, b, c = 0.17883277, 0.28466892, 0.55991073
    e = np.clip(e, 0.0, 1.0)
    scene = np.where(e <= 0.5, e * e / 3.0, (np.exp((e - c) / a) + b) / 12.0)
    luma = np.maximum(scene @ _BT2020_LUMA, 1e-6)[..., None]
    return PEAK_NITS * scene * np.power(luma, 1.2 - 1.0)  # OOTF, system gamma 1.2 at 1000 nits


def tone_map(rgb16: np.ndarray, transfer: Transfer) -> np.ndarray:
    """Map an HDR frame (R'G'B' BT.2020, uint16 [H, W, 3]) to SDR BT.709 RGB uint8 [H, W, 3]."""
    e = rgb16.astype(np.float32) / 65535.0
    nits = _pq_to_nits(e) if transfer is Transfer.PQ else _hlg_to_nits(e)
    linear = np.maximum(nits @ _BT2020_TO_BT709.T, 0.0) / REFERENCE_WHITE_NITS
    luma = np.maximum(linear @ _BT709_LUMA, 1e-6)
    # Identity up to the knee (mid-tones look as in SDR), then an exponential roll-off towards white
    # with a matching slope at the knee, so highlights up to the peak stay apart instead of clipping.
    over = np.maximum(luma - _KNEE, 0.0)
    rolled = _KNEE + (1.0 - _KNEE) * (1.0 - np.exp(-over / (1.0 - _KNEE)))
    mapped = np.where(luma > _KNEE, rolled, luma)
    sdr = linear * (mapped / luma)[..., None]
    sdr = np.clip(sdr, 0.0, 1.0)
    return np.round(np.power(sdr, 1.0 / _SDR_GAMMA) * 255.0).astype(np.uint8)
