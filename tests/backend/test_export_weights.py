"""``export --weights``: a run's model.pt goes into ONNX and TorchScript files (not fresh weights)."""

import numpy as np
import pytest
import torch

from backend.cli import main
from backend.compiler import build_model
from graph.network import Network
from graph.project import Project
from graph.project_io import load_project, save_project


@pytest.fixture
def trained(tmp_path):
    """A small iris classifier trained for two epochs: (project file, its run folder)."""
    project = Project(name="iris")
    net = Network("net")
    net.chain(
        net.add("Input", name="features", shape=(4,)),
        net.add("Linear", out_features=8),
        net.add("ReLU"),
        net.add("Linear", out_features=3),
        net.add("Output", name="logits"),
    )
    project.add_network(net)
    project.training.update({"dataset": "iris", "epochs": 2, "lr": 0.05})
    path = tmp_path / "iris.json"
    save_project(project, path)
    assert main(["train", str(path), "--out", str(tmp_path / "run"), "--device", "cpu"]) == 0
    return path, tmp_path / "run"


def trained_model(path, run):
    model = build_model(load_project(path))
    model.load_state_dict(torch.load(run / "model.pt", weights_only=True))
    return model.eval()


def test_onnx_gets_the_trained_weights(trained, tmp_path):
    import onnxruntime

    path, run = trained
    assert (
        main(
            [
                "export",
                str(path),
                "--format",
                "onnx",
                "-o",
                str(tmp_path / "w.onnx"),
                "--weights",
                str(run / "model.pt"),
            ]
        )
        == 0
    )
    assert main(["export", str(path), "--format", "onnx", "-o", str(tmp_path / "fresh.onnx")]) == 0
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    with torch.no_grad():
        expected = trained_model(path, run)(torch.from_numpy(x)).numpy()

    def run_onnx(file):
        return onnxruntime.InferenceSession(str(file), providers=["CPUExecutionProvider"]).run(None, {"features": x})[0]

    np.testing.assert_allclose(run_onnx(tmp_path / "w.onnx"), expected, rtol=1e-5, atol=1e-5)
    assert not np.allclose(run_onnx(tmp_path / "fresh.onnx"), expected, atol=1e-3)


def test_torchscript_gets_the_trained_weights_and_a_checkpoint_works_too(trained, tmp_path):
    path, run = trained
    for weights in (run / "model.pt", run / "checkpoint.pt"):
        target = tmp_path / f"{weights.stem}.pt"
        assert main(["export", str(path), "--format", "torchscript", "-o", str(target), "--weights", str(weights)]) == 0
        x = torch.randn(3, 4)
        with torch.no_grad():
            torch.testing.assert_close(torch.jit.load(str(target))(x), trained_model(path, run)(x))


@pytest.mark.parametrize(
    ("weights", "format_", "code", "message"),
    [
        ("missing.pt", "onnx", 1, "--weights: "),
        ("garbage", "onnx", 1, "not a readable weights file"),
        ("other", "onnx", 1, "the weights do not fit this network"),
        ("model", "py", 2, "--weights goes into onnx and torchscript files"),
    ],
)
def test_weights_that_cannot_be_used_give_one_line(trained, tmp_path, capsys, weights, format_, code, message):
    path, run = trained
    if weights == "garbage":
        (tmp_path / "garbage").write_bytes(b"not torch")
    elif weights == "other":
        torch.save({"fc.weight": torch.zeros(2, 2)}, tmp_path / "other")
    source = run / "model.pt" if weights == "model" else tmp_path / weights
    capsys.readouterr()
    assert main(["export", str(path), "--format", format_, "-o", str(tmp_path / "x"), "--weights", str(source)]) == code
    err = capsys.readouterr().err
    assert err.startswith("netcanvas: ") and err.count("\n") == 1 and message in err
