"""A wheel (straight from the tree, and via an sdist) holds every resource and works when installed.

The installed check builds a fresh virtual environment that sees this environment's packages
(torch, open_clip, Qt... through a .pth line) but holds its own copy of engine/app/glimpse_resources
from the wheel, and runs `glimpse` from a folder outside the source tree without PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from engine.errors import ModelError
from engine.model import load_model, spec
from tests.engine.indexing.conftest import write_video

SOURCE = Path(__file__).resolve().parents[1]
#: What a checkout needs to build the package (the rest of the tree is tests and docs).
SHIPPED = ("engine", "app", "resources", "pyproject.toml", "setup.py", "README.md")
ICON_CALL = re.compile(r"""\bicon\(\s*["']([\w-]+)["']""")


def _run(args: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def _copy_source(target: Path) -> Path:
    junk = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in SHIPPED:
        src = SOURCE / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=junk)
        else:
            shutil.copy2(src, target / name)
    return target


def _wheel(project: Path, out: Path) -> Path:
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    _run([*pip, "-q", "-w", out, project])
    (wheel,) = out.glob("glimpse-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel built from a copy of the tree, the wheel built from that tree's sdist)."""
    base = tmp_path_factory.mktemp("packaging")
    project = _copy_source(base / "checkout")
    direct = _wheel(project, base / "wheel")
    build = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    name = _run([sys.executable, "-c", build, base / "sdist"], cwd=project).stdout.split()[-1]
    with tarfile.open(base / "sdist" / name) as archive:
        # The "data" filter (no links out of the tree) exists from Python 3.11.4; our own sdist is trusted.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(base / "unpacked", **safe)
    (unpacked,) = (base / "unpacked").iterdir()
    return direct, _wheel(unpacked, base / "wheel-from-sdist")


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {n for n in archive.namelist() if ".dist-info/" not in n}


def _loaded_resources() -> set[str]:
    """Every file the code loads from resources/, as wheel paths."""
    files = {f"glimpse_resources/models/{name}.json" for name in spec.BUILTIN_MODELS}
    files.add("glimpse_resources/styles/app.qss")  # app/style.py
    for module in (SOURCE / "app").rglob("*.py"):
        for name in ICON_CALL.findall(module.read_text(encoding="utf-8")):
            files.add(f"glimpse_resources/icons/{name}.svg")
    return files


@pytest.mark.slow
def test_wheels_hold_every_module_and_resource(wheels: tuple[Path, Path]) -> None:
    direct, from_sdist = wheels
    names = _names(direct)
    assert _names(from_sdist) == names
    missing = _loaded_resources() - names
    assert not missing, f"loaded but not packaged: {sorted(missing)}"
    for folder, package in (("engine", "engine"), ("app", "app"), ("resources", "glimpse_resources")):
        for path in (SOURCE / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                assert f"{package}/{path.relative_to(SOURCE / folder).as_posix()}" in names, path


def _clean_env() -> dict[str, str]:
    """This environment without PYTHONPATH: only installed copies may be found."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def _fresh_env(base: Path, wheel: Path) -> Path:
    """A virtual environment with the wheel installed (no dependencies) that sees this one's packages."""
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    # Installed before the .pth exists, so pip sees only the new environment (and never the editable one).
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index"]
    _run([*pip, wheel], cwd=base, env=_clean_env())
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    # Plain path lines: appended after the venv's own site-packages, their own .pth files not run.
    Path(purelib, "test-environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


@pytest.mark.slow
def test_installed_wheel_indexes_and_searches_from_anywhere(
    wheels: tuple[Path, Path], tmp_path: Path
) -> None:
    venv = _fresh_env(tmp_path, wheels[0])
    python, glimpse = venv / "bin" / "python", venv / "bin" / "glimpse"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_video(tmp_path / "videos" / "bar.avi", 5, seconds=3.0)
    env = _clean_env()
    env.update(GLIMPSE_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    where = (
        "import json, engine, app, glimpse_resources; from engine import config; print(json.dumps("
        "[engine.__file__, app.__file__, glimpse_resources.__file__, str(config.RESOURCES_DIR)]))"
    )
    for path in json.loads(_run([python, "-c", where], cwd=elsewhere, env=env).stdout):
        assert Path(path).resolve().is_relative_to(venv.resolve()), path
    db = tmp_path / "lib.db"
    index = _run(
        [glimpse, "--db", db, "--model", "tiny", "index", "--json", tmp_path / "videos"],
        cwd=elsewhere,
        env=env,
    )
    assert json.loads(index.stdout)["indexed"] == 1
    found = json.loads(
        _run([glimpse, "--db", db, "search", "a bar", "--json"], cwd=elsewhere, env=env).stdout
    )
    assert [Path(r["path"]).name for r in found] == ["bar.avi"]
    assert "gui" in _run([glimpse, "--help"], cwd=elsewhere, env=env).stdout
    app_check = (
        "from PySide6.QtWidgets import QApplication; qt = QApplication([]);"
        "from app.icons import icon, icon_names; from app.style import stylesheet;"
        "assert not icon('search').isNull() and 'background' in stylesheet(qt.palette());"
        "print(len(icon_names()))"
    )
    shipped = len(list((SOURCE / "resources" / "icons").glob("*.svg")))
    assert int(_run([python, "-c", app_check], cwd=elsewhere, env=env).stdout.split()[-1]) == shipped


def test_a_missing_builtin_config_says_the_installation_is_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spec, "MODELS_DIR", tmp_path)
    with pytest.raises(ModelError, match="installation is incomplete") as exc:
        load_model("tiny", device="cpu")
    assert "Unknown model" not in str(exc.value)
