"""The ``gui`` command: checked by the command line, opened by the runner the app's entry point gives it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backend.cli import main
from graph.params import ParamError
from graph.project_io import ProjectFileError

ROOT = Path(__file__).resolve().parents[2]


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("netcanvas: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("argv", [["gui"], [], ["gui", "--preset", "mlp"]])
def test_without_a_runner_the_command_line_says_how_to_start_the_app(argv, capsys):
    assert main(argv) == 1
    assert "python -m app" in one_line_error(capsys)


def test_python_m_backend_cli_gui_prints_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "gui"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "netcanvas gui" in result.stderr


def test_the_runner_gets_the_checked_arguments(tmp_path):
    calls = []

    def runner(*args):
        calls.append(args)
        return 0

    shot = tmp_path / "s.png"
    argv = ["gui", "--preset", "mlp", "--set", "lr=0.1", "--set", "num_classes=3", "--screenshot", str(shot)]
    assert main(argv, gui_runner=runner) == 0
    assert calls == [(None, "mlp", {"lr": "0.1", "num_classes": "3"}, shot)]
    assert main([], gui_runner=runner) == 0
    assert calls[-1] == (None, None, {}, None)


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["gui", "p.json", "--preset", "mlp"], 2),
        (["gui", "--set", "lr"], 2),
        (["gui", "--screenshot", "shot.jpg"], 2),
        (["gui", "--screenshot", "/no/such/folder/shot.png"], 2),
        (["gui", "--frobnicate"], 2),
    ],
)
def test_bad_arguments_never_reach_the_runner(argv, status, capsys):
    def runner(*args):
        raise AssertionError("the runner must not be called")

    assert main(argv, gui_runner=runner) == status
    one_line_error(capsys)


@pytest.mark.parametrize(
    ("error", "status"), [(ProjectFileError("p.json: not valid JSON"), 1), (ParamError("unknown preset 'x'"), 2)]
)
def test_the_runners_errors_become_one_line(error, status, capsys):
    def runner(*args):
        raise error

    assert main(["gui"], gui_runner=runner) == status
    assert str(error) in one_line_error(capsys)
