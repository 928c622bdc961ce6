"""Layering is law: graph needs neither torch nor Qt, backend never needs Qt.

Two checks. Dynamic: in a fresh interpreter, a meta-path finder refuses the
forbidden packages, then every module of the package is imported. Static: no file
of the package names a forbidden package in any import statement, even inside a
function (a lazy import would still break a machine without it). No exceptions:
the ``gui`` command is dispatched by the app's entry point (``app.entry``), which
itself runs every other command with Qt blocked.
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
        bad = imported_names(path) & set(FORBIDDEN[package])
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {', '.join(sorted(bad))}")
    assert not offenders, "\n".join(offenders)


def test_the_static_check_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def late():\n    from PySide6 import QtCore\n    import torch.nn\n", encoding="utf-8")
    assert imported_names(sample) == {"PySide6", "torch"}


ENTRY_WITHOUT_QT = textwrap.dedent(
    """
    import importlib.abc, sys

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {blocked}:
                raise ImportError(f"{{name}} is blocked")
            return None

    sys.meta_path.insert(0, Refuse())
    from app.entry import main
    status = main(sys.argv[1:])
    leaked = sorted(name for name in sys.modules if name.split(".")[0] in {blocked})
    assert not leaked, leaked
    sys.exit(status)
    """
)


def run_entry_without_qt(argv: list[str]) -> subprocess.CompletedProcess:
    script = ENTRY_WITHOUT_QT.format(blocked=repr(set(QT)))
    return subprocess.run([sys.executable, "-c", script, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("argv", "status"), [(["presets"], 0), (["gui", "--help"], 0), (["gui", "--set", "x"], 2)])
def test_the_netcanvas_entry_point_runs_commands_without_qt(argv, status):
    result = run_entry_without_qt(argv)
    assert result.returncode == status, result.stderr[-3000:]
    assert "Traceback" not in result.stderr


def test_the_entry_point_without_qt_says_in_one_line_that_the_app_cannot_start():
    result = run_entry_without_qt(["gui"])
    assert result.returncode == 1
    assert result.stderr.startswith("netcanvas: the desktop app cannot start:")
    assert result.stderr.count("\n") == 1
