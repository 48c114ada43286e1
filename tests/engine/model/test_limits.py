"""Absurd or hostile model files are refused with one sentence before anything is allocated (issue 14)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from engine.errors import CheckpointError, ModelError
from engine.model import load_model
from engine.model.clip import build_clip
from engine.model.spec import ModelConfig, builtin_config

#: The child measures its own memory: the address-space limit is a hard stop, the peak RSS a figure.
CHILD = textwrap.dedent(
    """
    import resource, sys
    import engine.indexing, engine.model.factory, engine.store  # torch and friends, before the baseline

    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) * 1024
        return 0

    size, before = status("VmSize"), status("VmHWM")
    headroom = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (size + headroom, size + headroom))
    from engine.cli import main
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
    print("RSS_GROWTH", status("VmHWM") - before, "CODE", code)
    """
)


def _tiny_dict() -> dict:
    config = builtin_config("tiny")
    assert config is not None
    return config.to_dict()


def _run_child(tmp_path: Path, model: Path) -> tuple[int, int, str]:
    videos = tmp_path / "videos"
    videos.mkdir(exist_ok=True)
    args = ["--db", str(tmp_path / "lib.db"), "--model", str(model), "index", "-q", str(videos)]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=120, cwd=Path.cwd()
    )
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert last.startswith("RSS_GROWTH"), proc.stderr[-3000:]
    _, growth, _, code = last.split()
    return int(code), int(growth), proc.stderr


@pytest.mark.parametrize(
    ("where", "value", "phrase"),
    [
        ("vision.width", 1048576, "vision width"),
        ("embed_dim", 10**7, "embed_dim"),
        ("vision.image_size", 10**6, "image_size"),
        ("text.context_length", 10**8, "context_length"),
        ("text.layers", 0, "text layers"),
        ("seed", "abc", "seed"),
        ("head.positions", 10**9, "head positions"),
    ],
)
def test_absurd_configs_are_refused_before_building(where: str, value: object, phrase: str) -> None:
    data = _tiny_dict()
    target = data
    *parents, key = where.split(".")
    for part in parents:
        target = target[part]
    target[key] = value
    with pytest.raises(ModelError, match=phrase):
        ModelConfig.from_dict(data)


def _bomb_checkpoint(path: Path, width: int) -> Path:
    """OpenAI-named CLIP tensors as expanded views of one number: a tiny file claiming a huge model."""
    one = torch.zeros(1)

    def big(*shape: int) -> torch.Tensor:
        return one.expand(*shape)

    state = {
        "visual.proj": big(width, 512),
        "visual.conv1.weight": big(width, 3, 32, 32),
        "visual.positional_embedding": big(50, width),
        "visual.class_embedding": big(width),
        "visual.transformer.resblocks.0.ln_1.weight": big(width),
        "ln_final.weight": big(512),
        "positional_embedding": big(77, 512),
        "token_embedding.weight": big(49408, 512),
        "text_projection": big(512, 512),
        "transformer.resblocks.0.ln_1.weight": big(512),
    }
    torch.save(state, path)
    return path


def test_a_shape_bomb_checkpoint_gives_one_sentence_in_bounded_memory(tmp_path: Path) -> None:
    bomb = _bomb_checkpoint(tmp_path / "bomb.pt", 200_000)
    assert bomb.stat().st_size < 20_000
    code, growth, err = _run_child(tmp_path, bomb)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and "vision width" in lines[0], err[-2000:]
    assert growth < 300 * 2**20


def test_a_model_folder_with_an_absurd_config_gives_one_sentence_in_bounded_memory(tmp_path: Path) -> None:
    folder = tmp_path / "huge"
    load_model("tiny", device="cpu").save(folder)
    meta = json.loads((folder / "config.json").read_text())
    meta["model"]["vision"]["width"] = 1048576
    (folder / "config.json").write_text(json.dumps(meta))
    code, growth, err = _run_child(tmp_path, folder)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and "vision width" in lines[0], err[-2000:]
    assert growth < 300 * 2**20


def test_a_clip_checkpoint_without_text_blocks_is_refused(tmp_path: Path) -> None:
    config = ModelConfig(
        name="small",
        embed_dim=64,
        vision={"image_size": 32, "patch_size": 16, "width": 64, "layers": 1},
        text={"context_length": 20, "vocab_size": 49408, "width": 64, "heads": 1, "layers": 1},
    )
    state = {k: v for k, v in build_clip(config).state_dict().items() if not k.startswith("transformer.")}
    torch.save(state, tmp_path / "no_text.pt")
    with pytest.raises(ModelError, match="text layers"):
        load_model(str(tmp_path / "no_text.pt"), device="cpu")


@pytest.mark.parametrize("version", ["x", None, 1.5, True])
def test_an_unreadable_format_version_is_refused(tmp_path: Path, version: object) -> None:
    folder = tmp_path / "model"
    load_model("tiny", device="cpu").save(folder)
    meta = json.loads((folder / "config.json").read_text())
    meta["format_version"] = version
    (folder / "config.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="format_version"):
        load_model(str(folder), device="cpu")


def test_a_non_numeric_seed_in_a_model_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    load_model("tiny", device="cpu").save(folder)
    meta = json.loads((folder / "config.json").read_text())
    meta["model"]["seed"] = "abc"
    (folder / "config.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="seed"):
        load_model(str(folder), device="cpu")
