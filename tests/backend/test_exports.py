"""Exporters: the files they write run without NetCanvas and compute what the app's model computes.

Python code is linted with ruff's defaults and imported in an isolated interpreter
that cannot import NetCanvas; ONNX files pass the checker and onnxruntime matches
PyTorch; TorchScript files load with ``torch.jit.load`` and match too.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

import onnx
import onnxruntime
import pytest
import torch

from backend.compiler import build_models, example_inputs
from backend.exporters import ExportError, export_onnx, export_python, export_torchscript
from graph.network import Network
from graph.presets import build_preset
from graph.project import Project
from graph.validation import validate_network


def mlp_project() -> Project:
    project = Project(name="mlp")
    net = project.add_network(Network("net"))
    layers = [net.add("Input", shape=(13,)), net.add("Linear", out_features=16), net.add("ReLU")]
    net.chain(*layers, net.add("Linear", out_features=3), net.add("Output"))
    return project


def conv_bn_project() -> Project:
    """LeNet-like, with batch norm so eval mode matters."""
    project = Project(name="conv bn")
    net = project.add_network(Network("net"))
    layers = [
        net.add("Input", shape=(1, 12, 12)),
        net.add("Conv2d", out_channels=4, kernel_size=3),
        net.add("BatchNorm2d"),
        net.add("ReLU"),
        net.add("MaxPool2d", kernel_size=2),
        net.add("Flatten"),
        net.add("Linear", out_features=3),
        net.add("Output"),
    ]
    net.chain(*layers)
    return project


def gru_project() -> Project:
    project = Project(name="gru")
    net = project.add_network(Network("net"))
    source = net.add("Input", shape=(6, 2))
    gru = net.add("GRU", hidden_size=5)
    last = net.add("LastTimestep")
    net.wire(source, gru)
    net.wire(gru, last, src_port="sequence")
    net.chain(last, net.add("Linear", out_features=1), net.add("Output"))
    return project


def two_network_project() -> Project:
    project = Project(name="pair")
    for name, (size_in, size_out) in {"encoder": (6, 2), "decoder": (2, 6)}.items():
        net = project.add_network(Network(name))
        net.chain(net.add("Input", shape=(size_in,)), net.add("Linear", out_features=size_out), net.add("Output"))
    return project


def trained_weights(project: Project) -> tuple[dict, dict]:
    """Models with non-trivial batch-norm statistics, and their state dicts by network."""
    torch.manual_seed(0)
    models, _ = build_models(project)
    for name, model in models.items():
        inputs = example_inputs(project.networks[name], batch=4, blocks=project.blocks)
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(*(t * 3 + 1 if t.is_floating_point() else t for t in inputs))
        model.eval()
    return models, {name: model.state_dict() for name, model in models.items()}


def inputs_for(project: Project, name: str, batch: int) -> tuple[torch.Tensor, ...]:
    network = project.networks[name]
    generator = torch.Generator().manual_seed(1)
    report = validate_network(network, project.blocks)
    return example_inputs(network, report, batch=batch, blocks=project.blocks, generator=generator)


def as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


# -- Python code -------------------------------------------------------------------------------------
ISOLATED_RUN = textwrap.dedent(
    """
    import importlib, importlib.abc, sys

    class NoNetCanvas(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("graph", "backend", "app"):
                raise ImportError("the exported module must not need " + name)
            return None

    sys.meta_path.insert(0, NoNetCanvas())
    sys.path.insert(0, sys.argv[1])
    import torch

    data = torch.load(sys.argv[1] + "/data.pt", weights_only=True)
    for module_name, class_name, state, inputs, expected in data:
        net = getattr(importlib.import_module(module_name), class_name)()
        net.load_state_dict(state)
        net.eval()
        torch.manual_seed(0)
        with torch.no_grad():
            out = net(*inputs)
        out = out if isinstance(out, tuple) else (out,)
        assert len(out) == len(expected), class_name
        for got, want in zip(out, expected):
            assert torch.allclose(got, want, atol=1e-5), class_name
    print("ran", len(data))
    """
)
EXPORTED = ["mlp", "lenet5", "resnet", "gan", "vae", "seq2seq"]


def imported_packages(source: str) -> set[str]:
    return {
        alias.name.split(".")[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }


def test_python_exports_are_ruff_clean_and_run_with_only_torch(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    data = []
    for name in EXPORTED:
        project = mlp_project() if name == "mlp" else build_preset(name)
        written = export_python(project, folder / f"model_{name}.py")
        assert [item.path for item in written] == [folder / f"model_{name}.py"]
        assert imported_packages(written[0].path.read_text(encoding="utf-8")) == {"torch"}
        models, generated = build_models(project)
        for network, model in models.items():
            model.eval()
            inputs = inputs_for(project, network, batch=2)
            torch.manual_seed(0)
            with torch.no_grad():
                expected = as_tuple(model(*inputs))
            data.append((f"model_{name}", generated.class_names[network], model.state_dict(), inputs, expected))

    # ruff's default rules, none of this repository's settings
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", "."],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr

    torch.save(data, folder / "data.pt")
    script = tmp_path / "run.py"
    script.write_text(ISOLATED_RUN, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-I", str(script), str(folder)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == f"ran {len(data)}"


def test_python_export_of_one_network(tmp_path):
    written = export_python(two_network_project(), tmp_path / "m.py", network="decoder")
    source = written[0].path.read_text(encoding="utf-8")
    assert "class Decoder(nn.Module)" in source
    assert "class Encoder" not in source


# -- errors ----------------------------------------------------------------------------------------
def broken_project() -> Project:
    project = mlp_project()
    net = project.main
    net.remove_node(next(n.id for n in net.nodes.values() if n.type == "ReLU"))
    return project


@pytest.mark.parametrize("exporter", [export_python, export_onnx, export_torchscript])
def test_exporters_refuse_a_network_with_errors(tmp_path, exporter):
    with pytest.raises(ExportError) as caught:
        exporter(broken_project(), tmp_path / "out")
    assert "error: net/linear2: input 'x' is not connected" in str(caught.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("exporter", [export_python, export_onnx, export_torchscript])
def test_exporters_name_an_unknown_network_and_a_missing_folder(tmp_path, exporter):
    with pytest.raises(ExportError, match="no network named 'nope'.*encoder, decoder"):
        exporter(two_network_project(), tmp_path / "out", "nope")
    with pytest.raises(ExportError, match="does not exist"):
        exporter(mlp_project(), tmp_path / "missing" / "out")


def test_weights_that_do_not_fit_are_refused(tmp_path):
    _, weights = trained_weights(mlp_project())
    weights["net"].pop(next(iter(weights["net"])))
    with pytest.raises(ExportError, match="net: the weights do not fit"):
        export_torchscript(mlp_project(), tmp_path / "m.pt", weights=weights)


# -- TorchScript -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["conv_bn", "gru", "resnet", "seq2seq"])
def test_torchscript_export_loads_and_matches(tmp_path, name):
    project = {"conv_bn": conv_bn_project, "gru": gru_project}.get(name, lambda: build_preset(name))()
    models, weights = trained_weights(project)
    written = export_torchscript(project, tmp_path / "model.pt", weights=weights)
    assert [(item.path, item.note) for item in written] == [(tmp_path / "model.pt", "")]
    loaded = torch.jit.load(str(tmp_path / "model.pt"))
    inputs = inputs_for(project, "net" if name in ("conv_bn", "gru") else project.main.name, batch=3)
    with torch.no_grad():
        torch.testing.assert_close(as_tuple(loaded(*inputs)), as_tuple(next(iter(models.values()))(*inputs)))


def test_torchscript_export_writes_one_file_per_network(tmp_path):
    project = two_network_project()
    models, weights = trained_weights(project)
    written = export_torchscript(project, tmp_path / "out.pt", weights=weights)
    assert [item.path.name for item in written] == ["out_encoder.pt", "out_decoder.pt"]
    for item in written:
        loaded = torch.jit.load(str(item.path))
        inputs = inputs_for(project, item.network, batch=2)
        with torch.no_grad():
            torch.testing.assert_close(loaded(*inputs), models[item.network](*inputs))


# -- ONNX ------------------------------------------------------------------------------------------
def run_onnx(path, inputs: tuple[torch.Tensor, ...]) -> list:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {arg.name: tensor.numpy() for arg, tensor in zip(session.get_inputs(), inputs, strict=True)}
    return session.run(None, feed)


@pytest.mark.slow
@pytest.mark.parametrize("make", [mlp_project, conv_bn_project, gru_project], ids=["mlp", "conv_bn", "gru"])
def test_onnx_export_checks_and_matches_torch_at_any_batch_size(tmp_path, make):
    project = make()
    models, weights = trained_weights(project)
    written = export_onnx(project, tmp_path / "model.onnx", weights=weights)
    assert [item.path for item in written] == [tmp_path / "model.onnx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]  # no external data file
    model = onnx.load(str(tmp_path / "model.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["input1"]
    assert [o.name for o in model.graph.output] == ["output1"]
    for batch in (1, 5):
        inputs = inputs_for(project, "net", batch)
        with torch.no_grad():
            expected = models["net"](*inputs)
        got = run_onnx(tmp_path / "model.onnx", inputs)[0]
        assert got.shape == tuple(expected.shape)
        torch.testing.assert_close(torch.from_numpy(got), expected, atol=1e-4, rtol=1e-4)


@pytest.mark.slow
def test_onnx_export_writes_one_file_per_network_or_the_chosen_one(tmp_path):
    project = two_network_project()
    models, weights = trained_weights(project)
    written = export_onnx(project, tmp_path / "out.onnx", weights=weights)
    assert [item.path.name for item in written] == ["out_encoder.onnx", "out_decoder.onnx"]
    for item in written:
        inputs = inputs_for(project, item.network, batch=3)
        with torch.no_grad():
            expected = models[item.network](*inputs)
        torch.testing.assert_close(torch.from_numpy(run_onnx(item.path, inputs)[0]), expected, atol=1e-4, rtol=1e-4)
    chosen = export_onnx(project, tmp_path / "dec.onnx", network="decoder")
    assert [(item.path.name, item.network) for item in chosen] == [("dec.onnx", "decoder")]
    assert json.dumps(sorted(p.name for p in tmp_path.iterdir())) == json.dumps(
        ["dec.onnx", "out_decoder.onnx", "out_encoder.onnx"]
    )
