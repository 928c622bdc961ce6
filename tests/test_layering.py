"""Layering is law: graph needs neither torch nor Qt, backend never needs Qt.

Two checks. Dynamic: in a fresh interpreter, a meta-path finder refuses the
forbidden packages, then every module of the package is imported. Static: no file
of the package names a forbidden package in any import statement, even inside a
function (a lazy import would still break a machine without it). The one allowed
exception is the ``gui`` command, which launches the app package when asked to.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "pyqtgraph")
FORBIDDEN = {
    "graph": (*QT, "torch", "numpy", "backend", "app"),
    "backend": (*QT,),
}
# backend/cli/cmd_gui.py opens the desktop app from inside its run(); importing the module needs no Qt.
LAUNCHER = ROOT / "backend" / "cli" / "cmd_gui.py"

IMPORT_ALL = textwrap.dedent(
    """
    import importlib, importlib.abc, sys

    blocked = set(sys.argv[2].split(","))

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                raise ImportError(f"{name} is blocked for this layer")
            return None

    sys.meta_path.insert(0, Refuse())
    for module in sys.argv[1].split(","):
        importlib.import_module(module)
    leaked = sorted(name for name in sys.modules if name.split(".")[0] in blocked)
    assert not leaked, leaked
    print("imported", len(sys.argv[1].split(",")))
    """
)


def modules_of(package: str) -> list[str]:
    names = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path.name == "__main__.py":  # running it would start the program
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_every_module_imports_with_the_forbidden_packages_blocked(package):
    modules = modules_of(package)
    assert len(modules) > 5
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, ",".join(modules), ",".join(FORBIDDEN[package])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == f"imported {len(modules)}"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_file_imports_a_package_of_a_higher_layer(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        allowed = {"app"} if path == LAUNCHER else set()
        bad = (imported_names(path) & set(FORBIDDEN[package])) - allowed
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {', '.join(sorted(bad))}")
    assert not offenders, "\n".join(offenders)


def test_the_static_check_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def late():\n    from PySide6 import QtCore\n    import torch.nn\n", encoding="utf-8")
    assert imported_names(sample) == {"PySide6", "torch"}
