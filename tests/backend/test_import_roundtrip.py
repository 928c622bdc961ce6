"""Round trips: every preset exported as PyTorch code or ONNX and imported back.

PyTorch code comes back as the same layers with the same shapes and parameter count
(blocks as block definitions); ONNX comes back with the same parameter count and, with
its weights, the same outputs on a random input. Multi-network presets export one class
(or one ONNX file) per network; each is imported on its own. Files PyTorch's own
exporter writes (not NetCanvas) import too.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import textwrap
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper

from backend.codegen import generate
from backend.compiler import build_models, example_inputs
from backend.exporters import export_onnx
from backend.importers import ModelImportError, import_model
from graph.presets import PRESETS, build_preset
from graph.project import Project
from graph.registry import BLOCK_TYPE
from graph.validation import NetworkReport, validate_network

SAMPLES = Path(__file__).parent / "import_samples"
BIG = {"alexnet", "vgg"}


@functools.cache
def preset(name: str) -> Project:
    return build_preset(name)


CASES = [
    pytest.param(name, network, id=f"{name}-{network}", marks=[pytest.mark.slow] if name in BIG else [])
    for name in PRESETS
    for network in preset(name).networks
]


def layers(report: NetworkReport, network, blocks: dict) -> Counter:
    """Every layer with its output shapes, block contents included (node names aside)."""
    found: Counter = Counter()
    for node_id, result in report.nodes.items():
        node = network.nodes[node_id]
        if node.type == BLOCK_TYPE:
            found.update(layers(result.inner, blocks[node.params["block"]].body, blocks))
        elif node.type != "Output":
            found[(node.type, tuple(sorted(result.outputs.items())))] += 1
    return found


def shapes_of(project: Project, network: str) -> list[tuple[int, ...]]:
    return [tuple(n.params["shape"]) for n in project.networks[network].input_nodes()]


@pytest.mark.parametrize(("name", "network"), CASES)
def test_exported_code_imports_back_to_the_same_layers(tmp_path, name, network):
    project = preset(name)
    generated = generate(project, [network])
    path = tmp_path / f"{name}_export.py"
    path.write_text(generated.source)
    result = import_model(f"{path}:{generated.class_names[network]}", shapes_of(project, network))
    before = validate_network(project.networks[network], project.blocks)
    after = validate_network(result.project.main, result.project.blocks)
    assert after.ok, [p.line() for p in after.errors]
    assert after.total_params == before.total_params
    assert layers(after, result.project.main, result.project.blocks) == layers(
        before, project.networks[network], project.blocks
    )
    used = {n.params["block"] for n in project.networks[network].nodes.values() if n.type == BLOCK_TYPE}
    assert set(result.project.blocks) == used
    assert not result.kept


@pytest.mark.parametrize(("name", "network"), CASES)
def test_exported_onnx_imports_back_with_the_same_outputs(tmp_path, name, network):
    project = preset(name)
    torch.manual_seed(0)
    models, _ = build_models(project, [network])
    model = models[network].eval()
    path = tmp_path / f"{name}_{network}.onnx"
    export_onnx(project, path, network, weights={network: model.state_dict()})
    result = import_model(str(path), weights=True)
    before = validate_network(project.networks[network], project.blocks)
    after = validate_network(result.project.main, result.project.blocks)
    assert after.ok, [p.line() for p in after.errors]
    assert after.total_params == before.total_params
    imported, _ = build_models(result.project)
    copy = next(iter(imported.values())).eval()
    copy.load_state_dict(result.weights)
    inputs = example_inputs(project.networks[network], before, batch=3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, got = model(*inputs), copy(*inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(expected)
    assert max((a - b).abs().max().item() for a, b in zip(expected, got, strict=True)) < 1e-4


# -- files written by PyTorch's exporter, not NetCanvas -----------------------------------------------------
def _zoo():
    sys.path.insert(0, str(SAMPLES))
    try:
        import zoo  # the samples are a plain folder of the user's code
    finally:
        sys.path.remove(str(SAMPLES))
    return zoo


@pytest.mark.parametrize(
    ("class_name", "shape"),
    [
        ("Functional", (3, 16, 16)),
        ("TwoBranch", (3, 8, 8)),
        ("Tokens", (5,)),
        ("SqueezeExcite", (3, 8, 8)),  # a Mul of (C, H, W) by a (C, 1, 1) gate
        ("Aggregating", (3, 8, 8)),
        ("DualPath", (3, 8, 8)),  # Slice nodes
        ("CeilPools", (3, 16, 16)),  # ceil_mode
        ("Shuffle", (3, 6, 6)),  # Reshape -> Transpose -> Reshape: ChannelShuffle
    ],
)
def test_files_from_torch_onnx_export_import_with_their_weights(tmp_path, class_name, shape):
    torch.manual_seed(0)
    model = getattr(_zoo(), class_name)().eval()
    inputs = torch.randint(0, 20, (2, *shape)) if class_name == "Tokens" else torch.randn(2, *shape)
    path = tmp_path / f"{class_name}.onnx"
    with warnings.catch_warnings():  # the exporter's own deprecation chatter is not under test
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (inputs,), str(path), dynamo=True, verbose=False)
    result = import_model(str(path), weights=True)
    imported, _ = build_models(result.project)
    copy = next(iter(imported.values())).eval()
    copy.load_state_dict(result.weights)
    with torch.no_grad():
        assert (model(inputs) - copy(inputs)).abs().max().item() < 1e-4


def test_an_unknown_operator_is_refused_with_its_type_and_node_name(tmp_path):
    graph = helper.make_graph(
        [
            helper.make_node("Relu", ["x"], ["r"], name="relu"),
            helper.make_node("HardSwish", ["r"], ["y"], name="the_swish"),
            helper.make_node("Shape", ["x"], ["unused"], name="ignored"),  # not needed: no complaint
        ],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])],
    )
    path = tmp_path / "custom.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    with pytest.raises(ModelImportError) as caught:
        import_model(str(path))
    assert str(caught.value) == "custom.onnx: operator HardSwish (node 'the_swish') has no NetCanvas layer"


@pytest.mark.parametrize("content", [b"", b"not an onnx file at all", bytes(range(256)) * 8])
def test_a_corrupt_onnx_file_is_one_line(tmp_path, content):
    path = tmp_path / "broken.onnx"
    path.write_bytes(content)
    with pytest.raises(ModelImportError) as caught:
        import_model(str(path))
    assert str(caught.value).startswith("broken.onnx: not a readable ONNX file") and "\n" not in str(caught.value)


def test_onnx_import_runs_nothing(tmp_path):
    """Importing ONNX never loads onnxruntime (or any other way to run the graph)."""
    path = tmp_path / "lenet.onnx"
    export_onnx(preset("lenet5"), path)
    script = textwrap.dedent(
        f"""
        import importlib.abc, sys
        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "onnxruntime":
                    raise ImportError("onnxruntime is blocked")
        sys.meta_path.insert(0, Refuse())
        from backend.importers import import_model
        result = import_model({str(path)!r})
        print(sum(1 for n in result.project.main.nodes.values() if n.type == "Conv2d"))
        """
    )
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, timeout=300)
    assert run.returncode == 0, run.stderr[-800:]
    assert run.stdout.strip() == "2"


# -- files from other tools (ONNX's own test models, Caffe2 converters): older opsets, folded constants ------
def save_graph(path: Path, nodes: list, inputs: list, outputs: list, opset: int, initializers=()) -> Path:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), path)
    return path


def test_a_softmax_before_opset_13_over_channels_of_a_1x1_map_is_a_softmax(tmp_path):
    """SqueezeNet as Caffe2 exported it: softmax over axis 1 of (N, 1000, 1, 1), in opset 9's flattening form."""
    node = helper.make_node("Softmax", ["x"], ["y"], name="prob", axis=1)
    value = helper.make_tensor_value_info
    path = save_graph(
        tmp_path / "old.onnx", [node], [value("x", TensorProto.FLOAT, ["N", 5, 1, 1])],
        [value("y", TensorProto.FLOAT, ["N", 5, 1, 1])], 9,
    )  # fmt: skip
    result = import_model(str(path))
    (softmax,) = [n for n in result.project.main.nodes.values() if n.type == "Softmax"]
    assert softmax.params["dim"] == 1
    model = next(iter(build_models(result.project)[0].values()))
    x = torch.randn(3, 5, 1, 1)
    assert torch.allclose(model(x), torch.softmax(x, 1))
    wide = save_graph(
        tmp_path / "wide.onnx", [node], [value("x", TensorProto.FLOAT, ["N", 5, 2, 1])],
        [value("y", TensorProto.FLOAT, ["N", 5, 2, 1])], 9,
    )  # fmt: skip
    with pytest.raises(ModelImportError, match=r"Softmax node 'prob' \(before opset 13\) normalises flattened axes"):
        import_model(str(wide))


def weights_of_shape(name: str, shape: list[int], fill: float) -> tuple[list, list]:
    """A weight written as ConstantOfShape (as ONNX's "light" test models write theirs): nodes and initializer."""
    sizes = onnx.numpy_helper.from_array(np.array(shape, dtype=np.int64), name + "__shape")
    node = helper.make_node(
        "ConstantOfShape", [name + "__shape"], [name], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [fill])
    )
    return [node], [sizes]


def gemm_file(tmp_path: Path, name: str, rows: int, columns: int) -> Path:
    nodes, initializers = weights_of_shape("w", [rows, columns], 0.5)
    nodes.append(helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1))
    value = helper.make_tensor_value_info
    return save_graph(
        tmp_path / name, nodes, [value("x", TensorProto.FLOAT, ["N", columns])],
        [value("y", TensorProto.FLOAT, ["N", rows])], 9, initializers,
    )  # fmt: skip


def test_weights_written_as_constant_of_shape_are_read_and_a_huge_one_is_refused_before_it_is_made(
    tmp_path, monkeypatch
):
    result = import_model(str(gemm_file(tmp_path, "small.onnx", 3, 4)), weights=True)
    model = next(iter(build_models(result.project)[0].values()))
    model.load_state_dict(result.weights)
    assert torch.allclose(model(torch.ones(2, 4)), torch.full((2, 3), 2.0))
    from backend.importers import onnx_graph

    made = []
    monkeypatch.setattr(onnx_graph.np, "full", lambda shape, *a, **k: made.append(shape) or onnx_graph.np.zeros(1))
    with pytest.raises(ModelImportError, match="Gemm node 'fc' takes its weights from the data"):
        import_model(str(gemm_file(tmp_path, "huge.onnx", 1 << 16, 1 << 12)))  # 2^28 values: 1 GiB
    assert made == []


def test_odd_inputs_from_other_exporters_are_refused_in_one_line(tmp_path):
    value = helper.make_tensor_value_info
    scalar = save_graph(
        tmp_path / "scalar.onnx", [helper.make_node("Relu", ["x"], ["y"])],
        [value("x", TensorProto.FLOAT, [1])], [value("y", TensorProto.FLOAT, [1])], 11,
    )  # fmt: skip
    with pytest.raises(ModelImportError, match=r"input 'x' holds one number per sample \(shape \(1,\)\)"):
        import_model(str(scalar))
    stats = [onnx.numpy_helper.from_array(torch.ones(2).numpy(), name) for name in ("scale", "bias", "mean", "var")]
    volume = save_graph(
        tmp_path / "volume.onnx",
        [helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], name="bn3d")],
        [value("x", TensorProto.FLOAT, ["N", 2, 3, 3, 3])], [value("y", TensorProto.FLOAT, ["N", 2, 3, 3, 3])],
        11, stats,
    )  # fmt: skip
    with pytest.raises(ModelImportError, match="BatchNormalization node 'bn3d' normalises 3-D volumes"):
        import_model(str(volume))


def test_caffe_style_pooling_padded_more_at_the_end_is_ceil_mode(tmp_path):
    """BVLC AlexNet as converted from Caffe: MaxPool 3x3/2 on 55x55 with pads [0, 0, 1, 1] gives 27x27."""
    value = helper.make_tensor_value_info
    pool = helper.make_node(
        "MaxPool", ["x"], ["y"], name="pool1", kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1]
    )
    path = save_graph(
        tmp_path / "caffe.onnx", [pool], [value("x", TensorProto.FLOAT, [1, 2, 8, 8])],
        [value("y", TensorProto.FLOAT, [1, 2, 4, 4])], 9,
    )  # fmt: skip
    result = import_model(str(path))
    (node,) = [n for n in result.project.main.nodes.values() if n.type == "MaxPool2d"]
    assert node.params["ceil_mode"] is True and node.params["padding"] == (0, 0)
    model = next(iter(build_models(result.project)[0].values()))
    x = torch.randn(1, 2, 8, 8)
    assert torch.equal(model(x), torch.nn.functional.max_pool2d(x, 3, 2, ceil_mode=True))
    odd = helper.make_node(
        "AveragePool", ["x"], ["y"], name="pool5", kernel_shape=[7, 7], strides=[1, 1], pads=[0, 0, 1, 1]
    )
    path = save_graph(
        tmp_path / "odd.onnx", [odd], [value("x", TensorProto.FLOAT, [1, 2, 7, 7])],
        [value("y", TensorProto.FLOAT, [1, 2, 2, 2])], 9,
    )  # fmt: skip
    with pytest.raises(ModelImportError, match=r"AveragePool node 'pool5' pads its sides unevenly \(\[0, 0, 1, 1\]\)"):
        import_model(str(path))
