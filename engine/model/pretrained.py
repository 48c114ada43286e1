"""open_clip pretrained weights: found in the cache, downloaded when online, a clear sentence when neither."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path
from typing import Any

import open_clip

from engine import config
from engine.errors import ModelError, WeightsUnavailableError

log = logging.getLogger(__name__)

HF_DEFAULT_FILE = "open_clip_pytorch_model.bin"
HF_HOST = "huggingface.co"


def weights_cache() -> Path:
    """Where open_clip's downloads live (under Glimpse's cache folder)."""
    path = config.cache_dir() / "open_clip"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pretrained_cfg(name: str, tag: str) -> dict[str, Any]:
    """open_clip's record of a pretrained tag (download location, mean/std)."""
    if name not in open_clip.list_models():
        raise ModelError(f"open_clip has no model named {name!r}.")
    cfg = open_clip.get_pretrained_cfg(name, tag)
    if not cfg:
        tags = ", ".join(open_clip.list_pretrained_tags_by_model(name)) or "none"
        raise ModelError(f"open_clip has no pretrained weights {tag!r} for {name} (known: {tags}).")
    return dict(cfg)


def _hf_candidates(hf_hub: str) -> tuple[str, list[str]]:
    repo, filename = os.path.split(hf_hub)
    filename = filename or HF_DEFAULT_FILE
    names = []
    if filename == HF_DEFAULT_FILE:
        names.append("open_clip_model.safetensors")
    elif filename.endswith((".bin", ".pth")):
        names.append(filename[:-4] + ".safetensors")
    names.append(filename)
    return repo, names


def _hf_cached(hf_hub: str, cache: Path) -> str | None:
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        return None
    repo, names = _hf_candidates(hf_hub)
    for filename in names:
        try:
            return str(hf_hub_download(repo, filename, cache_dir=str(cache), local_files_only=True))
        except Exception:  # noqa: BLE001 - any miss means "not cached"
            continue
    return None


def cached_weights(cfg: dict[str, Any], cache: Path) -> str | None:
    """The local path of already-downloaded weights, or None (never touches the network)."""
    hf_hub = cfg.get("hf_hub")
    if hf_hub:
        found = _hf_cached(hf_hub, cache)
        if found:
            return found
    url = cfg.get("url")
    if url:
        path = cache / os.path.basename(url)
        if path.is_file():
            return str(path)
    return None


def network_reachable(host: str = HF_HOST, port: int = 443, timeout: float = 3.0) -> bool:
    """A quick TCP check so an offline user gets an answer in seconds, not after download retries."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _unavailable(spec: str, why: str = "there is no network") -> WeightsUnavailableError:
    return WeightsUnavailableError(
        f"The weights for {spec} are not on this computer and cannot be downloaded right now ({why}). "
        "Connect to the internet once so Glimpse can download them, or give a local checkpoint instead "
        "(a TeachCLIP/CLIP4Clip .bin/.pt file or a Glimpse model folder)."
    )


def resolve_weights(spec: str, name: str, tag: str) -> str:
    """A local file holding the pretrained weights, downloading them when needed and possible."""
    cfg = pretrained_cfg(name, tag)
    cache = weights_cache()
    found = cached_weights(cfg, cache)
    if found:
        return found
    if not network_reachable():
        raise _unavailable(spec)
    log.info("Downloading %s weights into %s", spec, cache)
    try:
        path = open_clip.download_pretrained(cfg, cache_dir=str(cache))
    except Exception as exc:  # noqa: BLE001 - hub, HTTP and file errors all mean the same to the user
        log.warning("Download of %s failed: %s", spec, exc)
        raise _unavailable(spec, "the download failed") from exc
    if not path:
        raise _unavailable(spec, "open_clip gave no file")
    return str(path)
