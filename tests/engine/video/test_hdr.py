"""HDR (HLG/PQ, 10-bit) frames are tone-mapped to SDR, so the model sees an HDR clip like its SDR twin."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import torch

from engine.model import GlimpseModel, load_model
from engine.video import probe, sample_clips
from engine.video.tonemap import Transfer, tone_map
from tests.engine.video import hdr


@pytest.fixture(scope="module")
def tiny() -> GlimpseModel:
    torch.set_num_threads(1)
    return load_model("tiny", device="cpu")


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("hdr")
    return {seed: hdr.write_pair(folder, f"scene{seed}", [hdr.scene(seed)] * 10) for seed in (1, 2, 3)}


def _frames(path: Path) -> list[np.ndarray]:
    return [f.rgb for c in sample_clips(path) for f in c.frames]


def _naive(path: Path) -> list[np.ndarray]:
    """What decoding without tone mapping shows: the HLG signal taken as if it were SDR."""
    with av.open(str(path)) as c:
        return [f.reformat(format="rgb24").to_ndarray() for f in c.decode(video=0)][::5]


def _vector(model: GlimpseModel, frames: list[np.ndarray]) -> torch.Tensor:
    v = torch.nn.functional.normalize(model.encode_frames(model.preprocess(frames)).float(), dim=-1)
    return torch.nn.functional.normalize(v.mean(0), dim=0)


def test_hlg_file_is_probed_as_hdr(pairs: dict[int, tuple[Path, Path]]) -> None:
    sdr, hlg = pairs[1]
    assert probe(hlg).transfer == "hlg" and probe(sdr).transfer == "sdr"


def test_hlg_twin_is_closer_to_its_sdr_than_other_content(
    tiny: GlimpseModel, pairs: dict[int, tuple[Path, Path]]
) -> None:
    sdr = {s: _vector(tiny, _frames(p[0])) for s, p in pairs.items()}
    hlg = {s: _vector(tiny, _frames(p[1])) for s, p in pairs.items()}
    for s in pairs:
        twin = float(hlg[s] @ sdr[s])
        others = [float(hlg[s] @ sdr[o]) for o in pairs if o != s]
        assert twin > max(others) + 0.01, (s, twin, others)  # the tiny model does tell these scenes apart


def test_tone_mapping_brings_the_models_input_to_the_sdr_twin(
    tiny: GlimpseModel, pairs: dict[int, tuple[Path, Path]]
) -> None:
    # The tiny model's random weights barely react to tone (flat vs natural contrast), so the check that
    # tone mapping matters is made on what the model consumes: its preprocessed input tensors.
    for sdr_path, hlg_path in pairs.values():
        sdr = tiny.preprocess(_frames(sdr_path)[:1])
        mapped = tiny.preprocess(_frames(hlg_path)[:1])
        naive = tiny.preprocess(_naive(hlg_path)[:1])
        assert float((mapped - sdr).abs().mean()) < 0.5 * float((naive - sdr).abs().mean())


def test_reference_white_maps_to_sdr_white() -> None:
    # BT.2408: HDR reference white is 203 nits, HLG signal 0.75 and PQ signal 0.58; both become (near)
    # SDR white: 244 of 255, the roll-off above the knee keeps the top for highlights
    hlg_white = np.full((2, 2, 3), round(0.75 * 65535), np.uint16)
    pq_white = np.full((2, 2, 3), round(0.5807 * 65535), np.uint16)
    assert 240 <= int(tone_map(hlg_white, Transfer.HLG).mean()) <= 248
    assert 240 <= int(tone_map(pq_white, Transfer.PQ).mean()) <= 248
    mid = np.full((1, 1, 3), round(0.5 * 65535), np.uint16)  # HLG 0.5: below the knee, as SDR shows it
    assert 125 <= int(tone_map(mid, Transfer.HLG).mean()) <= 150  # 51 nits: a quarter of white
    black = np.zeros((2, 2, 3), np.uint16)
    assert tone_map(black, Transfer.PQ).max() == 0
    highlight = np.full((1, 1, 3), round(0.9 * 65535), np.uint16)  # ~2000+ nits: rolled off, not wrapped
    assert tone_map(highlight, Transfer.PQ).min() >= 250
