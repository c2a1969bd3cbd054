"""pyproject.toml declares every third-party package the code imports."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "src" / "gptforge").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n != "gptforge" and n not in sys.stdlib_module_names}


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_package_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        _normalized(re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0]) for d in project["dependencies"]
    }
    owners = packages_distributions()
    undeclared = {
        module: owners.get(module, [module])
        for module in _imported_modules()
        if not any(_normalized(dist) in declared for dist in owners.get(module, [module]))
    }
    assert undeclared == {}
