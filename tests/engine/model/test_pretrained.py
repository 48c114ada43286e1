"""open_clip pretrained specs: a clear sentence offline without waiting on downloads, the cache when there."""

from __future__ import annotations

import socket

import pytest
import torch
from safetensors.torch import save_file

from engine.errors import ModelError, WeightsUnavailableError
from engine.model import load_model
from engine.model.clip import build_clip
from engine.model.factory import pretrained_config
from engine.model.pretrained import weights_cache


def _record_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every connection attempt (still made) and refuse any download: offline answers come first."""
    import open_clip

    attempts: list[object] = []
    real = socket.create_connection

    def connect(address, timeout=None, *args, **kwargs):
        attempts.append(timeout)
        return real(address, timeout, *args, **kwargs)

    def no_download(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(socket, "create_connection", connect)
    monkeypatch.setattr(open_clip, "download_pretrained", no_download)
    return attempts


def test_offline_without_cache_is_one_sentence_without_touching_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts = _record_network(monkeypatch)
    with pytest.raises(WeightsUnavailableError) as err:
        load_model("ViT-B-32-quickgelu:openai")
    assert attempts == []  # HF_HUB_OFFLINE (set by tests/conftest.py) is answered without a probe
    message = str(err.value)
    assert "ViT-B-32-quickgelu:openai" in message and "checkpoint" in message
    assert "\n" not in message and message.endswith(".")


def test_offline_user_without_hf_offline_flag_gets_one_short_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real user offline has no HF_HUB_OFFLINE: one reachability probe with a short timeout, no download."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr("engine.model.pretrained.HF_HOST", "glimpse-unreachable.invalid")
    attempts = _record_network(monkeypatch)
    with pytest.raises(WeightsUnavailableError):
        load_model("ViT-B-32-quickgelu:openai")
    assert len(attempts) == 1
    assert isinstance(attempts[0], float) and 0 < attempts[0] <= 5


def test_unknown_names_and_tags() -> None:
    with pytest.raises(ModelError, match="no model named"):
        load_model("ViT-Q-99:openai")
    with pytest.raises(ModelError, match="no pretrained weights"):
        load_model("ViT-B-32-quickgelu:nonexistent-tag")


@pytest.mark.slow
def test_cached_weights_load_without_network() -> None:
    """Weights already in open_clip's cache (under Glimpse's cache folder) load offline, zero-shot."""
    config = pretrained_config("ViT-B-32-quickgelu:openai", "ViT-B-32-quickgelu", "openai")
    assert config.preprocess.image_size == 224 and config.quick_gelu and config.head is None
    torch.manual_seed(0)
    clip = build_clip(config)
    # Lay the file out as huggingface_hub's cache does after open_clip downloaded it.
    repo = weights_cache() / "models--timm--vit_base_patch32_clip_224.openai"
    revision = "0" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    weights = {k: v.contiguous() for k, v in clip.state_dict().items()}
    save_file(weights, str(snapshot / "open_clip_model.safetensors"))
    model = load_model("ViT-B-32-quickgelu:openai", device="cpu")
    assert model.is_zero_shot and model.dim == 512 and model.image_size == 224
    pixels = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        expected = clip.encode_image(pixels)
    assert torch.allclose(model.encode_frames(pixels), expected, atol=1e-4)


def test_failed_download_is_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    """Online but the download breaks (proxy, disk full): the same kind of sentence, saying so."""
    monkeypatch.setattr("engine.model.pretrained.network_reachable", lambda *a, **k: True)

    def broken(cfg: dict, cache_dir: str | None = None) -> str:
        raise OSError("Connection reset by peer")

    monkeypatch.setattr("open_clip.download_pretrained", broken)
    with pytest.raises(WeightsUnavailableError, match="the download failed"):
        load_model("ViT-B-32-quickgelu:openai")
