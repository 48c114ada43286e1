"""The engine never names the app: no engine module imports `app` or spells a path into it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import engine

ENGINE = Path(engine.__file__).parent
#: A string that addresses the app package: "app", "app.cli", "app.cli:gui".
APP_NAME = re.compile(r"^app(?:[.:][\w.:]*)?$")


def names_of_app(source: str) -> list[str]:
    """Every import of, or string naming, the `app` package in one module's source."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "app"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "app":
                found.append(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and APP_NAME.match(node.value):
            found.append(repr(node.value))
    return found


def test_the_check_sees_each_way_of_naming_the_app() -> None:
    assert names_of_app("import app.application") == ["app.application"]
    assert names_of_app("from app.cli import gui") == ["app.cli"]
    assert names_of_app("def f():\n    from app import tasks\n") == ["app"]
    assert names_of_app("import importlib\nimportlib.import_module('app.cli')") == ["'app.cli'"]
    assert names_of_app("from . import app_like\nimport application\nx = 'the app'") == []


def test_no_engine_module_names_the_app() -> None:
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) > 20  # the scan really walked the package
    offenders = {
        str(m.relative_to(ENGINE.parent)): names
        for m in modules
        if (names := names_of_app(m.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def imports_of_torch(source: str) -> list[str]:
    """Every import of torch or open_clip in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in ("torch", "open_clip")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in ("torch", "open_clip"):
                found.append(node.module)
    return found


def test_torch_stays_in_the_model_and_training_packages() -> None:
    assert imports_of_torch("def f():\n    import torch.nn.functional as F\n") == ["torch.nn.functional"]
    offenders = {}
    for m in sorted(ENGINE.rglob("*.py")):
        part = m.relative_to(ENGINE).parts[0]
        if part in ("model", "train"):
            continue
        if names := imports_of_torch(m.read_text(encoding="utf-8")):
            offenders[str(m.relative_to(ENGINE))] = names
    assert offenders == {}
