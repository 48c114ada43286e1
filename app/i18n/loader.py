"""Choose the UI language and install Qt translators; the .qm catalogue is built from the .ts at start.

Why at start rather than at install: `pip install -e .` (the project's two commands) runs no build step
for data files, and a committed binary .qm would drift from its .ts. `lrelease` ships inside PySide6,
which the app needs anyway, so the first start compiles `glimpse_<lang>.ts` into the cache folder
(milliseconds) under a name carrying the .ts content's hash: an edited .ts is rebuilt, an unchanged one
is reused. Without lrelease (a stripped PySide6) the app stays in English and logs why.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from engine import config

log = logging.getLogger(__name__)

I18N_DIR = Path(__file__).resolve().parent
#: UI languages besides the English source, by the setting's value.
LANGUAGES = ("zh_CN",)
#: The setting's values: "" follows the system, "en" or a code in LANGUAGES forces one.
LANGUAGE_CHOICES = ("", "en", *LANGUAGES)

_installed: list[QTranslator] = []


def ui_language(setting: str = "") -> str:
    """The language the UI shows: the setting when it names one, else the system's ("en" when unsupported)."""
    if setting in LANGUAGE_CHOICES and setting:
        return setting
    name = _posix_messages_locale() if os.name == "posix" and sys.platform != "darwin" else ""
    name = name or QLocale.system().name()
    if name.startswith("zh"):
        return "zh_CN"  # the one Chinese catalogue: Simplified
    return name if name in LANGUAGES else "en"


def _posix_messages_locale() -> str:
    """The locale messages are shown in, by POSIX's order (LC_ALL, LC_MESSAGES, LANG); GNU LANGUAGE first.

    Read from the environment at each call (Qt caches its system locale at start), so a setting of
    "follow the system" follows what the session says now.
    """
    language = os.environ.get("LANGUAGE", "").split(":")[0]
    for value in (os.environ.get("LC_ALL"), language, os.environ.get("LC_MESSAGES"), os.environ.get("LANG")):
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value.split(".")[0].split("@")[0]
    return ""


def _lrelease() -> list[str] | None:
    import PySide6

    bundled = Path(PySide6.__file__).resolve().parent / ("lrelease.exe" if os.name == "nt" else "lrelease")
    if bundled.is_file():
        return [str(bundled)]
    script = Path(sys.executable).parent / "pyside6-lrelease"
    return [str(script)] if script.is_file() else None


def compiled_catalogue(language: str, cache: Path | None = None) -> Path | None:
    """The .qm for `language`, built from its .ts into the cache when missing or stale; None if impossible."""
    source = I18N_DIR / f"glimpse_{language}.ts"
    if not source.is_file():
        return None
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    folder = (cache or config.cache_dir()) / "i18n"
    target = folder / f"glimpse_{language}-{digest}.qm"
    if target.is_file():
        return target
    tool = _lrelease()
    if tool is None:
        log.warning("lrelease is not available; the UI stays in English")
        return None
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        subprocess.run([*tool, "-silent", str(source), "-qm", str(partial)], check=True, timeout=60)
        partial.replace(target)  # atomic: two starts at once never read half a catalogue
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not build the %s catalogue: %s", language, exc)
        partial.unlink(missing_ok=True)
        return None
    for old in folder.glob(f"glimpse_{language}-*.qm"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def install_translators(setting: str = "", cache: Path | None = None) -> str:
    """Install the app's and Qt's own translators for the UI language; returns the language shown."""
    app = QCoreApplication.instance()
    for old in _installed:
        if app is not None:
            app.removeTranslator(old)
    _installed.clear()
    language = ui_language(setting)
    QLocale.setDefault(QLocale(language if language != "en" else "en_US"))
    if language == "en" or app is None:
        return "en"
    catalogue = compiled_catalogue(language, cache)
    if catalogue is None:
        return "en"
    ours = QTranslator(app)
    if not ours.load(str(catalogue)):
        log.warning("could not load %s", catalogue)
        return "en"
    qt_own = QTranslator(app)  # the standard buttons of Qt's dialogs (OK, Cancel, Yes, No)
    if qt_own.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    app.installTranslator(ours)
    _installed.append(ours)
    return language
