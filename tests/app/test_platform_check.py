"""The launcher's display check on the real Qt xcb plugin, with a library made unfindable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.platform_check import (
    install_hint,
    missing_libraries,
    platform_problem,
    qt_platform_dir,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux's")

REAL = "libxcb-cursor.so.0"
HIDDEN = "libxcb-cursor.so.7"  # same length, so the ELF string table keeps its layout; no such library exists


def _plugin_without_cursor(tmp_path: Path) -> Path:
    """A copy of the real libqxcb.so whose DT_NEEDED names a libxcb-cursor that cannot be found."""
    real_dir = qt_platform_dir()
    if real_dir is None or shutil.which("ldd") is None:
        pytest.skip("no PySide6 xcb plugin or no ldd")
    data = (real_dir / "libqxcb.so").read_bytes()
    assert REAL.encode() in data, "the xcb plugin no longer links libxcb-cursor"
    qt = tmp_path / "Qt"
    platforms = qt / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    (qt / "lib").symlink_to(real_dir.parent.parent / "lib")  # the plugin's RUNPATH is $ORIGIN/../../lib
    plugin = platforms / "libqxcb.so"
    plugin.write_bytes(data.replace(REAL.encode() + b"\0", HIDDEN.encode() + b"\0"))
    return plugin


def test_ldd_names_the_hidden_library(tmp_path):
    plugin = _plugin_without_cursor(tmp_path)
    missing = missing_libraries(plugin)
    assert HIDDEN in missing
    assert not any("Qt6" in m for m in missing)  # Qt's own libraries resolve through the RUNPATH


def test_launcher_says_what_to_install(tmp_path):
    plugin = _plugin_without_cursor(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(
        DISPLAY=":77",
        QT_QPA_PLATFORM_PLUGIN_PATH=str(plugin.parent),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    out = subprocess.run(
        [sys.executable, "-m", "app"], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr and "Could not load" not in out.stderr
    assert HIDDEN in lines[0] and "install" in lines[0]


def test_no_display_gets_a_sentence():
    problem = platform_problem({"PATH": os.environ.get("PATH", "")})
    assert problem is not None and "$DISPLAY" in problem.sentence
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_packages_per_distribution():
    assert install_hint((REAL,), "debian") == "sudo apt install libxcb-cursor0"
    assert (
        install_hint((REAL, "libxcb-icccm.so.4"), "fedora") == "sudo dnf install xcb-util-cursor xcb-util-wm"
    )
    assert install_hint((REAL,), "arch") == "sudo pacman -S xcb-util-cursor"
    assert install_hint(("libfoo2.so.3",), "debian") == "sudo apt install libfoo2-3"
    assert REAL in install_hint((REAL,), None)
