"""The app's own preferences, kept as JSON in engine.config.data_dir()/settings.json.

JSON (not QSettings) so the file sits beside the library it describes, honours GLIMPSE_HOME
(tests and portable installs), and can be read without Qt. The library's model lives in the
store meta "model_spec"; `model_spec` here is only what a *new* library starts with.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from engine import config

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
DEVICES = ("auto", "cpu", "cuda", "mps")


@dataclass
class AppSettings:
    """What the settings dialog edits."""

    model_spec: str = ""  # empty: engine.config.default_model_spec()
    device: str = "auto"  # "auto" lets the engine pick the best device
    sample_fps: float = config.DEFAULT_SAMPLE_FPS
    clip_seconds: float = config.DEFAULT_MAX_FRAMES / config.DEFAULT_SAMPLE_FPS
    watch_folders: bool = True  # keep the library in step with the disk while the app is open
    results_k: int = 30
    hide_copies: bool = True  # a moment held in several files shows once (engine.copies)
    language: str = ""  # "" follows the system; "en" or "zh_CN" forces one (app.i18n.loader)

    @property
    def effective_model_spec(self) -> str:
        """The spec a new library is built with."""
        return self.model_spec or config.default_model_spec()

    @property
    def device_or_none(self) -> str | None:
        """The device to hand the engine (None lets it choose)."""
        return None if self.device == "auto" else self.device

    @property
    def max_frames(self) -> int:
        """Frames per clip implied by the sampling rate and the clip length."""
        return max(1, round(self.clip_seconds * self.sample_fps))

    @classmethod
    def path(cls) -> Path:
        """Where the settings file lives."""
        return config.data_dir() / SETTINGS_FILE

    @classmethod
    def load(cls, path: Path | None = None) -> AppSettings:
        """Read the settings; a missing or unreadable file gives the defaults (and a log line)."""
        path = path or cls.path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable settings file %s: %s", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        defaults = asdict(cls())
        values: dict[str, object] = {}
        for f in fields(cls):
            default = defaults[f.name]
            value = raw.get(f.name)
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)  # JSON written by hand: "2" for 2.0
            if value is not None and type(value) is type(default):
                values[f.name] = value
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.device not in DEVICES:
            settings.device = "auto"
        settings.sample_fps = min(max(settings.sample_fps, 0.1), 10.0)
        settings.clip_seconds = min(max(settings.clip_seconds, 1.0), 120.0)
        return settings

    def save(self, path: Path | None = None) -> None:
        """Write the settings atomically (a crash never leaves half a file)."""
        path = path or self.path()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        tmp.replace(path)
