"""``netcanvas export --format onnx`` on every preset, checked number by number against PyTorch.

The command runs in a process of its own with torch's seed fixed, so its fresh weights are
the ones this test builds again from the same project file; onnxruntime must then give
what the PyTorch model gives (1e-4), on a batch size other than the one exported with.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pytest
import torch

from backend.compiler import build_models, example_inputs
from graph.presets import PRESETS, build_preset
from graph.project_io import load_project, save_project
from graph.validation import validate_project

ROOT = Path(__file__).resolve().parents[2]
SEED = 0
# The `netcanvas` command itself (app.entry.main), once per project file, each from the same seed.
EXPORT_EACH = f"""
import sys
import torch
from app.entry import main

for project in sys.argv[1:]:
    torch.manual_seed({SEED})
    code = main(["export", project, "--format", "onnx", "-o", project.removesuffix(".json") + ".onnx"])
    if code:
        sys.exit(code)
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("onnx")
    files = []
    for name in PRESETS:
        save_project(build_preset(name), folder / f"{name}.json")
        files.append(str(folder / f"{name}.json"))
    result = subprocess.run(
        [sys.executable, "-c", EXPORT_EACH, *files], cwd=ROOT, capture_output=True, text=True, timeout=1200
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PRESETS))
def test_onnx_from_the_command_line_computes_what_torch_computes(exported, name):
    project = load_project(exported / f"{name}.json")
    reports = validate_project(project)
    torch.manual_seed(SEED)
    models, _ = build_models(project)
    several = len(models) > 1
    for network, model in models.items():
        path = exported / (f"{name}_{network}.onnx" if several else f"{name}.onnx")
        inputs = example_inputs(
            project.networks[network],
            reports[network],
            batch=3,
            blocks=project.blocks,
            generator=torch.Generator().manual_seed(1),
        )
        with torch.no_grad():
            expected = model.eval()(*inputs)
        expected = expected if isinstance(expected, tuple) else (expected,)
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feed = {arg.name: tensor.numpy() for arg, tensor in zip(session.get_inputs(), inputs, strict=True)}
        got = session.run(None, feed)
        assert len(got) == len(expected)
        for value, want in zip(got, expected, strict=True):
            np.testing.assert_allclose(value, want.numpy(), rtol=1e-4, atol=1e-4, err_msg=f"{name}/{network}")
