"""Before Qt starts: can it open a window here? One sentence on what is missing, instead of Qt's abort.

Qt loads its platform plugin (libqxcb.so under X11) only when the QApplication is built, and when a
system library the plugin links against is absent it prints a generic "Could not load the Qt platform
plugin" and aborts the process (no exception to catch). So the launcher asks first, without importing
Qt: `ldd` on the plugin names every shared library the dynamic loader cannot find (it runs the real
loader, so LD_LIBRARY_PATH, RUNPATH and the ld.so cache all count), and those are mapped to the
package that provides them on this distribution. No display at all (no $DISPLAY, no $WAYLAND_DISPLAY)
and an X server that refuses the connection get a sentence too.

Pure Python on purpose: it must run before PySide6's Qt libraries are loaded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.errors import GlimpseError

#: Platforms that need no display server (tests, screenshots, VNC).
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")

#: sonames Qt's xcb plugin needs -> (Debian/Ubuntu, Fedora, Arch) package.
XCB_PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libGL.so.1": ("libgl1", "mesa-libGL", "libglvnd"),
    "libEGL.so.1": ("libegl1", "mesa-libEGL", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
}

#: Distribution family -> (index into XCB_PACKAGES values, install command).
INSTALLERS: dict[str, tuple[int, str]] = {
    "debian": (0, "sudo apt install"),
    "fedora": (1, "sudo dnf install"),
    "arch": (2, "sudo pacman -S"),
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)


class DisplayUnavailableError(GlimpseError):
    """Qt could not open a window here; the sentence says what to install or where to run."""


@dataclass(frozen=True)
class PlatformProblem:
    """Why Qt cannot open a window here, as one sentence."""

    sentence: str
    missing: tuple[str, ...] = ()


def qt_platform_dir() -> Path | None:
    """The folder Qt loads its platform plugins from (QT_QPA_PLATFORM_PLUGIN_PATH first), found without Qt."""
    override = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if override and (Path(override) / "libqxcb.so").is_file():
        return Path(override)
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms"
    return folder if folder.is_dir() else None


def missing_libraries(plugin: Path) -> tuple[str, ...]:
    """sonames `plugin` links against that the dynamic loader cannot find (empty when ldd is unavailable)."""
    ldd = shutil.which("ldd")
    if ldd is None or not plugin.is_file():
        return ()
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(dict.fromkeys(_NOT_FOUND.findall(out.stdout)))  # ldd repeats indirect misses


def distro_family(os_release: Path = Path("/etc/os-release")) -> str | None:
    """ "debian", "fedora", "arch" or None, from ID and ID_LIKE in os-release."""
    try:
        text = os_release.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    ids: list[str] = []
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            ids += value.strip().strip('"').lower().split()
    for family, aliases in (
        ("debian", ("debian", "ubuntu")),
        ("fedora", ("fedora", "rhel", "centos")),
        ("arch", ("arch",)),
    ):
        if any(i in aliases for i in ids):
            return family
    return None


_SONAME = re.compile(r"^(lib[\w.+-]*?)\.so\.(\d+)")


def package_for(soname: str, family: str) -> str:
    """The package that ships `soname` on `family` (Debian's rule libfoo.so.1 -> libfoo1 as fallback)."""
    index = INSTALLERS[family][0]
    if soname in XCB_PACKAGES:
        return XCB_PACKAGES[soname][index]
    match = _SONAME.match(soname)
    if family != "debian" or match is None:
        return soname
    name, version = match.group(1).lower(), match.group(2)
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def install_hint(missing: tuple[str, ...], family: str | None) -> str:
    """The command that installs the packages providing `missing` on `family` (sonames when unknown)."""
    if family in INSTALLERS:
        command = INSTALLERS[family][1]
        packages = [package_for(s, family) for s in missing]
        return f"{command} {' '.join(dict.fromkeys(packages))}"
    return "install the packages that provide " + ", ".join(missing)


def missing_libraries_sentence(missing: tuple[str, ...], family: str | None) -> str:
    """One sentence naming what to install so Qt's X11 plugin loads."""
    return (
        f"Glimpse cannot open its window because Qt's X11 plugin needs {', '.join(missing)}, "
        f"which {'is' if len(missing) == 1 else 'are'} not installed; "
        f"install {'it' if len(missing) == 1 else 'them'} with: {install_hint(missing, family)}"
    )


def x_server_refuses(display: str) -> bool:
    """True when libxcb is there but the X server named by `display` does not accept a connection."""
    name = ctypes.util.find_library("xcb")
    if name is None:
        return False  # the plugin check names the missing library
    try:
        xcb = ctypes.CDLL(name)
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    try:
        return bool(xcb.xcb_connection_has_error(conn))
    finally:
        xcb.xcb_disconnect(conn)


def platform_problem(env: dict[str, str] | None = None) -> PlatformProblem | None:
    """Why Qt would fail to open a window in this environment, or None when it should work."""
    env = dict(os.environ) if env is None else env
    if not sys.platform.startswith("linux"):
        return None
    requested = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if requested in HEADLESS_PLATFORMS:
        return None
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not display and not wayland:
        return PlatformProblem(
            "Glimpse needs a desktop to show its window, and there is none here ($DISPLAY and "
            "$WAYLAND_DISPLAY are unset); start it from a desktop session, or use the `glimpse` "
            "commands in this terminal."
        )
    if requested == "wayland" or (wayland and not requested) or not display:
        return None  # Qt takes Wayland first on a Wayland session; xcb is not needed
    folder = qt_platform_dir()
    missing = missing_libraries(folder / "libqxcb.so") if folder else ()
    if missing:
        return PlatformProblem(missing_libraries_sentence(missing, distro_family()), missing)
    if x_server_refuses(display):
        return PlatformProblem(
            f"Glimpse cannot reach the X server at DISPLAY={display}; check that the desktop session "
            "is running and that this user may use it (xhost or XAUTHORITY)."
        )
    return None
