"""Choosing a torch device: CUDA, Apple MPS or CPU, with an override and a CPU fallback."""

from __future__ import annotations

import logging

import torch

from engine import config

log = logging.getLogger(__name__)


def _available(kind: str) -> bool:
    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        backend = getattr(torch.backends, "mps", None)
        return bool(backend is not None and backend.is_available())
    return kind == "cpu"


def auto_device() -> torch.device:
    """The best device present: CUDA, then MPS, then CPU."""
    for kind in ("cuda", "mps"):
        if _available(kind):
            return torch.device(kind)
    return torch.device("cpu")


def resolve_device(requested: str | torch.device | None = None) -> torch.device:
    """The device to run on: the argument, else GLIMPSE_DEVICE, else automatic.

    A requested device that is missing (or unknown) falls back to CPU with a logged warning.
    """
    wanted = requested if requested is not None else config.device_override()
    if wanted is None or str(wanted).strip().lower() in ("", "auto"):
        return auto_device()
    try:
        device = torch.device(str(wanted).strip().lower())
    except (RuntimeError, ValueError):
        log.warning("Unknown device %r requested; running on the CPU instead.", wanted)
        return torch.device("cpu")
    if not _available(device.type):
        log.warning("Device %r was requested but is not available here; running on the CPU instead.", wanted)
        return torch.device("cpu")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        log.warning("CUDA device %r does not exist; running on the CPU instead.", wanted)
        return torch.device("cpu")
    return device


def is_out_of_memory(exc: BaseException) -> bool:
    """True for an accelerator out-of-memory error (worth retrying with a smaller batch)."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def empty_cache(device: torch.device) -> None:
    """Release cached accelerator memory after an out-of-memory error."""
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps" and hasattr(torch, "mps"):
        torch.mps.empty_cache()
