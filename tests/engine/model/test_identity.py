"""Fingerprints and the project's own format (model.safetensors + config.json)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.config import PACKAGE_ROOT
from engine.errors import CheckpointError
from engine.model import GlimpseModel, load_model
from engine.model.factory import build_random
from engine.model.spec import ModelConfig


def _outputs(model: GlimpseModel) -> tuple[torch.Tensor, ...]:
    rng = np.random.default_rng(4)
    frames = [rng.integers(0, 256, size=(72, 128, 3), dtype=np.uint8) for _ in range(4)]
    feats = model.encode_frames(model.preprocess(frames))
    phi, w = model.encode_clip(feats[None])
    text = model.encode_text(["a boat on a lake", "two people dancing"], use_cache=False)
    return feats, phi, w, text


def test_safetensors_round_trip(tiny: GlimpseModel, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    tiny.save(folder)
    assert (folder / "model.safetensors").is_file()
    meta = json.loads((folder / "config.json").read_text())
    assert meta["fingerprint"] == tiny.fingerprint
    assert meta["model"]["head"] is not None
    again = load_model(str(folder), device="cpu")
    assert again.fingerprint == tiny.fingerprint
    assert not again.is_zero_shot
    for a, b in zip(_outputs(tiny), _outputs(again), strict=True):
        assert torch.equal(a, b)


def test_zero_shot_round_trip(tmp_path: Path) -> None:
    config = ModelConfig.from_dict({**load_model("tiny").config.to_dict(), "head": None, "name": "zs"})
    clip, head = build_random(config)
    assert head is None
    model = GlimpseModel(clip, None, config, spec="zs", device=torch.device("cpu"))
    model.save(tmp_path / "zs")
    again = load_model(str(tmp_path / "zs"))
    assert again.is_zero_shot and again.fingerprint == model.fingerprint


def test_fingerprint_follows_weights(tmp_path: Path) -> None:
    base = load_model("tiny")
    changed = load_model("tiny")
    assert changed.head is not None
    with torch.no_grad():
        changed.head.afa_score.bias.add_(1e-3)
    assert changed.refresh_fingerprint() != base.fingerprint
    changed.save(tmp_path / "changed")
    reloaded = load_model(str(tmp_path / "changed"))
    assert reloaded.fingerprint == changed.fingerprint != base.fingerprint


def test_fingerprint_follows_config(tmp_path: Path) -> None:
    base = load_model("tiny")
    cooler = ModelConfig.from_dict(
        {**base.config.to_dict(), "head": {"layers": 4, "positions": 77, "temperature": 0.2}}
    )
    clip, head = build_random(cooler)
    other = GlimpseModel(clip, head, cooler, spec="x", device=torch.device("cpu"))
    assert other.fingerprint != base.fingerprint


def test_tampered_folder_is_refused(tiny: GlimpseModel, tmp_path: Path) -> None:
    folder = tmp_path / "m"
    tiny.save(folder)
    meta = json.loads((folder / "config.json").read_text())
    meta["fingerprint"] = "0" * 32
    (folder / "config.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="fingerprint"):
        load_model(str(folder))
    (folder / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="safetensors"):
        load_model(str(folder))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CheckpointError, match="not a Glimpse model folder"):
        load_model(str(empty))


@pytest.mark.slow
def test_fingerprint_stable_across_processes(tiny: GlimpseModel) -> None:
    code = "from engine.model import load_model; print(load_model('tiny').fingerprint)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE_ROOT.parent,
        timeout=120,
    )
    assert out.stdout.strip().splitlines()[-1] == tiny.fingerprint
