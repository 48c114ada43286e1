"""Paths and settings: the one place that knows where things live.

Environment overrides use the prefix GLIMPSE_:
- GLIMPSE_HOME: the data folder (database, caches); defaults to the platform's user data dir.
- GLIMPSE_DB: the library database file; defaults to GLIMPSE_HOME/library.db.
- GLIMPSE_DEVICE: force a torch device ("cpu", "cuda", "mps").
- GLIMPSE_MODEL: the default model spec for new libraries.
- GLIMPSE_HWACCEL: hardware video decoding: "off", or a device type ("cuda", "videotoolbox", ...);
  default: auto.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path

import platformdirs

APP_NAME = "Glimpse"
ENV_PREFIX = "GLIMPSE_"

#: The model a new library uses unless told otherwise (open_clip name:pretrained tag).
DEFAULT_MODEL_SPEC = "ViT-B-32-quickgelu:openai"

#: TeachCLIP's sampling: one frame per second, at most 12 frames per clip.
DEFAULT_SAMPLE_FPS = 1.0
DEFAULT_MAX_FRAMES = 12

PACKAGE_ROOT = Path(__file__).resolve().parent
#: The installed package that holds resources/ (setup.py maps the folder onto this name).
RESOURCES_PACKAGE = "glimpse_resources"


def _resources_dir() -> Path:
    """Icons, styles and model configs: the installed resources package, else the source checkout's folder.

    Never the working directory. A wheel, sdist, pipx or uv install has the package; a checkout run
    with PYTHONPATH (or an editable install made before the mapping existed) has only the folder.
    """
    try:
        found = importlib_resources.files(RESOURCES_PACKAGE)
    except ModuleNotFoundError:
        return PACKAGE_ROOT.parent / "resources"
    # Wheels install as plain folders; Qt and the model loader need real file paths.
    return Path(str(found))


#: Icons, styles and model configs, found relative to the package, never the working directory.
RESOURCES_DIR = _resources_dir()


def _env(name: str) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value else None


def _data_dir_path() -> Path:
    home = _env("HOME")
    return Path(home).expanduser() if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """The folder holding the library database and caches (created on demand)."""
    path = _data_dir_path()
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Model weights and other re-creatable files."""
    home = _env("HOME")
    if home:
        path = Path(home).expanduser() / "cache"
    else:
        path = Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path(override: str | os.PathLike[str] | None = None) -> Path:
    """The library database: an explicit path, else GLIMPSE_DB, else data_dir()/library.db."""
    if override:
        return Path(override).expanduser()
    env = _env("DB")
    if env:
        return Path(env).expanduser()
    return _data_dir_path() / "library.db"  # not created here: reading a missing library creates nothing


def default_model_spec() -> str:
    """The model spec a new library starts with."""
    return _env("MODEL") or DEFAULT_MODEL_SPEC


def canonical_model_spec(spec: str) -> str:
    """A model spec as the library records it: a path to a file or folder made absolute.

    A relative path would name another file (or nothing) from another working directory. Names of
    built-in configs ("tiny") and open_clip "name:pretrained" pairs are kept as given.
    """
    spec = str(spec).strip()
    if not spec or (RESOURCES_DIR / "models" / f"{spec}.json").is_file():
        return spec
    path = Path(spec).expanduser()
    return os.path.abspath(path) if path.exists() else spec


def device_override() -> str | None:
    """A device forced by GLIMPSE_DEVICE, if any."""
    return _env("DEVICE")


def hwaccel_override() -> str | None:
    """The hardware decoder forced (or turned "off") by GLIMPSE_HWACCEL, if any."""
    return _env("HWACCEL")


@dataclass(frozen=True)
class SamplingSettings:
    """How videos are cut into clips."""

    fps: float = DEFAULT_SAMPLE_FPS
    max_frames: int = DEFAULT_MAX_FRAMES
