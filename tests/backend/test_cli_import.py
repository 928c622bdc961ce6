"""``netcanvas import`` as a user runs it: projects written, weights beside them, one line for each mistake."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from backend.cli import main
from backend.exporters import export_onnx
from graph.presets import build_preset
from graph.project_io import load_project
from graph.validation import validate_project

ROOT = Path(__file__).resolve().parents[2]
ZOO = Path(__file__).parent / "import_samples" / "zoo.py"
TINY = """\
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Odd(BaseException):
    pass


class Weird(nn.Module):
    def __init__(self):
        super().__init__()
        raise Odd("not even an Exception")
"""


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def tiny(tmp_path) -> Path:
    path = tmp_path / "tiny.py"
    path.write_text(TINY)
    return path


def test_import_python_writes_a_project_that_validates(tmp_path, capsys, tiny):
    out_path = tmp_path / "tiny.json"
    code, out, _ = run_cli(capsys, "import", f"{tiny}:Tiny", "--input-shape", "64", "-o", str(out_path))
    assert code == 0
    assert out == f"wrote {out_path} (Tiny: 3 layers, 2,410 parameters)\n"
    project = load_project(out_path)
    assert all(report.ok for report in validate_project(project).values())
    assert project.training["weights"] == ""
    code, out, _ = run_cli(capsys, "summary", str(out_path))
    assert out.strip().splitlines()[-1] == "Total params: 2,410"


def test_weights_are_written_beside_the_project_and_named_in_it(tmp_path, capsys, tiny):
    out_path = tmp_path / "tiny.json"
    code, out, _ = run_cli(capsys, "import", f"{tiny}:Tiny", "--weights", "-o", str(out_path))
    assert code == 0
    weights = tmp_path / "tiny.weights.pt"
    assert f"wrote {weights} (training starts from these weights)" in out
    assert "note: input shape 64 guessed from fc1" in out
    assert load_project(out_path).training["weights"] == str(weights.resolve())
    state = torch.load(weights, weights_only=True)
    assert sorted(state) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"]


def test_weights_from_a_state_dict_file(tmp_path, capsys, tiny):
    torch.manual_seed(3)
    given = {"fc1.weight": torch.randn(32, 64), "fc1.bias": torch.randn(32)}
    given |= {"fc2.weight": torch.randn(10, 32), "fc2.bias": torch.randn(10)}
    torch.save(given, tmp_path / "trained.pt")
    out_path = tmp_path / "t.json"
    code, _, _ = run_cli(
        capsys, "import", f"{tiny}:Tiny", "--weights", str(tmp_path / "trained.pt"), "-o", str(out_path)
    )
    assert code == 0
    state = torch.load(tmp_path / "t.weights.pt", weights_only=True)
    assert all(torch.equal(state[k], v) for k, v in given.items())


def test_import_onnx(tmp_path, capsys):
    model = tmp_path / "lenet.onnx"
    export_onnx(build_preset("lenet5"), model)
    out_path = tmp_path / "back.json"
    code, out, _ = run_cli(capsys, "import", str(model), "--weights", "-o", str(out_path))
    assert code == 0 and "61,706 parameters" in out
    assert (tmp_path / "back.weights.pt").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tiny}:Tiny", "--input-shape", "6x"], "--input-shape needs sizes like 1,28,28"),
        (["{tiny}:Tiny", "--input-shape", "0"], "--input-shape: every size must be 1 to"),
        (["tiny"], "SOURCE must be FILE.py:ClassName, package.module:ClassName or MODEL.onnx"),
        (["m.onnx", "--input-shape", "3"], "--input-shape is for PyTorch code"),
        (["m.onnx", "--weights", "w.pt"], "--weights STATE_DICT is for PyTorch code"),
        (["{tiny}:Tiny"], "the following arguments are required: -o/--output"),
    ],
)
def test_bad_arguments_are_one_line_and_status_2(tmp_path, capsys, tiny, args, message):
    args = [a.format(tiny=tiny) for a in args]
    if "-o" not in args and "required" not in message:
        args += ["-o", str(tmp_path / "x.json")]
    code, _, err = run_cli(capsys, "import", *args)
    assert code == 2
    assert err.startswith("netcanvas: ") and message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("source", "extra", "message"),
    [
        ("{tmp}/missing.py:Net", [], "missing.py: no such file"),
        ("{tiny}:Nope", [], "tiny.py: no class or function Nope (nn.Module classes there: Tiny, Weird)"),
        (f"{ZOO}:NeedsArgs", [], "NeedsArgs() needs arguments (width)"),
        ("{tiny}:Tiny", ["--input-shape", "65"], "mat1 and mat2 shapes cannot be multiplied"),
        ("{tiny}:Weird", [], "Weird() failed: Odd: not even an Exception"),
        ("{tmp}/corrupt.onnx", [], "corrupt.onnx: not a readable ONNX file"),
        ("{tmp}/missing.onnx", [], "missing.onnx: no such file"),
    ],
)
def test_failures_are_one_line_and_status_1(tmp_path, capsys, tiny, source, extra, message):
    (tmp_path / "corrupt.onnx").write_bytes(b"\x08\x01garbage")
    source = source.format(tmp=tmp_path, tiny=tiny)
    code, _, err = run_cli(capsys, "import", source, *extra, "-o", str(tmp_path / "x.json"))
    assert code == 1
    assert err.startswith("netcanvas: ") and message in err and err.count("\n") == 1
    if "65" in extra:
        assert "(input shape 65: is it right for Tiny?)" in err
    assert not (tmp_path / "x.json").exists()


def test_help_says_that_importing_python_runs_it():
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "import", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0
    assert "Importing Python code RUNS that code" in " ".join(result.stdout.split())
    listing = subprocess.run([sys.executable, "-m", "backend.cli", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert "import" in listing.stdout and "importing Python code runs it" in " ".join(listing.stdout.split())
