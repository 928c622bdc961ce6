"""Code generation: readable, standalone source; the compiled model is that source."""

import subprocess
import sys

import pytest
import torch

from backend.codegen import CodegenError, class_name_for, generate
from backend.compiler import build_model, count_parameters, example_inputs
from graph.network import Network
from graph.params import Param
from graph.project import BlockDefinition, Project
from graph.validation import validate_network


def mlp_project() -> Project:
    project = Project(name="demo")
    net = project.add_network(Network("classifier"))
    inp = net.add("Input", name="features", shape=(13,))
    hidden = net.add("Linear", name="hidden", out_features=32)
    act = net.add("ReLU", name="act")
    head = net.add("Linear", name="head", out_features=3)
    out = net.add("Output", name="logits")
    net.chain(inp, hidden, act, head, out)
    return project


def block_project(widths=(32, 32, 32)) -> Project:
    project = Project(name="blocks")
    body = Network("DenseBlock")
    project.add_block(BlockDefinition("DenseBlock", body, (Param("width", "int", 16, minimum=1),), "Linear + ReLU."))
    body.chain(
        body.add("Input", name="x_in", shape=(8,)),
        body.add("Linear", in_features="$width", out_features="$width"),
        body.add("ReLU"),
        body.add("Output", name="y"),
    )
    net = project.add_network(Network("net"))
    nodes = [net.add("Input", name="features", shape=(widths[0],))]
    nodes += [net.add("Block", block="DenseBlock", width=w) for w in widths]
    nodes.append(net.add("Output", name="out"))
    net.chain(*nodes)
    return project


def test_forward_lines_are_commented_with_shapes():
    source = generate(mlp_project()).source
    assert "class Classifier(nn.Module):" in source
    assert "self.hidden = nn.Linear(13, 32)" in source
    assert "hidden = self.hidden(features)  # (N, 32)" in source
    assert "return head" in source
    assert "import torch\n" not in source  # unused imports would not be ruff-clean


def test_compiled_model_is_the_generated_source():
    project = mlp_project()
    model = build_model(project)
    report = validate_network(project.main)
    assert count_parameters(model) == report.total_params == 13 * 32 + 32 + 32 * 3 + 3
    import inspect

    assert "self.hidden = nn.Linear(13, 32)" in inspect.getsource(type(model))
    assert model(*example_inputs(project.main)).shape == (2, 3)


def test_one_class_per_block_definition_reused():
    project = block_project()
    source = generate(project).source
    assert source.count("class DenseBlock(nn.Module):") == 1
    assert "def __init__(self, width):" in source
    assert "nn.Linear(width, width)" in source
    assert source.count("DenseBlock(32)") == 3
    model = build_model(project)
    assert count_parameters(model) == validate_network(project.main).total_params == 3 * (32 * 32 + 32)


def test_blocks_that_render_differently_get_variant_classes():
    project = block_project()
    body = project.blocks["DenseBlock"].body
    linear = next(n for n in body.nodes.values() if n.type == "Linear")
    body.set_param(linear.id, "in_features", None)  # auto: literal sizes differ per instance
    body.set_param(linear.id, "out_features", 16)
    project.main.nodes[project.main.input_nodes()[0].id].params["shape"] = (8,)
    source = generate(project).source
    assert "class DenseBlock(nn.Module):" in source and "class DenseBlock2(nn.Module):" in source
    assert count_parameters(build_model(project)) == validate_network(project.main).total_params


def test_invalid_network_is_refused_with_its_errors():
    project = mlp_project()
    net = project.main
    head = net.node_by_name("head")
    net.set_param(head.id, "in_features", 99)
    with pytest.raises(CodegenError, match="error: classifier/head: .*99"):
        generate(project)


def test_generated_source_is_ruff_clean(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(generate(block_project()).source)
    (tmp_path / "ruff.toml").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("name", "expected"), [("generator", "Generator"), ("lenet5", "Lenet5"), ("my net", "MyNet"), ("3d", "Net3d")]
)
def test_class_names(name, expected):
    assert class_name_for(name) == expected


def test_dead_branches_are_left_out():
    project = mlp_project()
    net = project.main
    dangling = net.add("Linear", name="unused", out_features=5)
    net.wire(net.node_by_name("act"), dangling)
    source = generate(project).source
    assert "unused" not in source
    with torch.no_grad():
        assert build_model(project)(*example_inputs(net)).shape == (2, 3)


def test_block_parameters_used_in_forward_are_read_from_the_instance():
    project = Project(name="repeat")
    body = Network("Repeat")
    project.add_block(BlockDefinition("Repeat", body, (Param("steps", "int", 4, minimum=1),), ""))
    body.chain(
        body.add("Input", name="v", shape=(8,)), body.add("RepeatVector", times="$steps"), body.add("Output", name="y")
    )
    net = project.add_network(Network("net"))
    net.chain(net.add("Input", name="f", shape=(8,)), net.add("Block", block="Repeat", steps=3), net.add("Output"))
    source = generate(project).source
    assert "self.steps = steps" in source and "repeat(1, self.steps, 1)" in source
    with torch.no_grad():
        assert build_model(project)(*example_inputs(net)).shape == (2, 3, 8)
