"""Hardware decoding: which device to try first (NVDEC on CUDA machines, VideoToolbox on macOS), if any.

Hardware is only ever tried first: any error opening or decoding a file on it sends that file back to
software decoding (engine.video.sample), and a device that cannot even be created is not tried again by
this worker process. GLIMPSE_HWACCEL (engine.config) forces a device type, or turns hardware off ("off").
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass

from av.codec.hwaccel import HWAccel, hwdevices_available

from engine.config import hwaccel_override

log = logging.getLogger(__name__)

#: Where the NVIDIA driver shows itself on Linux: without it, CUDA decoding cannot start.
_NVIDIA_MARKERS = ("/proc/driver/nvidia/version", "/dev/nvidia0")
_OFF = {"off", "none", "no", "0", "false", "cpu", "software"}

#: Device types that failed to start in this process (no driver, no device): not tried again.
_broken: set[str] = set()


@dataclass(frozen=True)
class HardwareChoice:
    """A hardware device type to decode on, with software fallback inside FFmpeg for codecs it lacks."""

    device_type: str

    def hwaccel(self) -> HWAccel:
        return HWAccel(device_type=self.device_type, allow_software_fallback=True)


def _auto_device() -> str | None:
    available = set(hwdevices_available())
    if sys.platform == "darwin" and "videotoolbox" in available:
        return "videotoolbox"
    if "cuda" in available and any(os.path.exists(m) for m in _NVIDIA_MARKERS):
        return "cuda"
    return None


def hardware_choice() -> HardwareChoice | None:
    """The hardware to try first for the next file, or None for software decoding only."""
    forced = (hwaccel_override() or "").strip().lower()
    if forced in _OFF:
        return None
    device = forced or _auto_device()
    if device is None or device in _broken:
        return None
    return HardwareChoice(device)


def mark_broken(choice: HardwareChoice, reason: BaseException) -> None:
    """Remember that `choice` could not start at all in this process (later files go straight to software)."""
    if choice.device_type not in _broken:
        log.info("hardware decoding (%s) unavailable, using software: %s", choice.device_type, reason)
    _broken.add(choice.device_type)
