"""The Module layer: a PyTorch module kept whole, checked by hand (no torch here)."""

from __future__ import annotations

import pytest

from graph.network import Network
from graph.project import Project
from graph.registry import get_spec
from graph.shapes import ShapeError
from graph.validation import validate_network

SPEC = get_spec("Module")


def params(**values) -> dict:
    merged = {**SPEC.defaults(), **values}
    return {p.name: p.coerce(merged[p.name]) for p in SPEC.params}


def infer(shapes, **values):
    return SPEC.infer_outputs({"x": [tuple(s) for s in shapes]}, params(**values))["out"]


def test_gives_the_recorded_shape_or_its_input_s():
    assert infer([(64, 8, 8)], input_shapes="64x8x8", output_shape=(16, 16, 16)) == (16, 16, 16)
    assert infer([(5, 7)]) == (5, 7)
    assert infer([(None, 7)], input_shapes="3x7") == (None, 7)  # an unknown size matches the recorded one


def test_refuses_an_input_other_than_the_recorded_one():
    with pytest.raises(ShapeError) as caught:
        infer([(32, 8, 8)], input_shapes="64x8x8", output_shape=(4,))
    assert caught.value.message == (
        "was imported for an input of (64, 8, 8) but gets (32, 8, 8); import the model again with the new input shape"
    )
    with pytest.raises(ShapeError, match="was imported with 2 input"):
        infer([(4,)], input_shapes="4; 4")


@pytest.mark.parametrize(
    "text", ["1); import os; os.system('x'", "__import__('os')", "*args", "**kw", "x", "open('f')", "[i for i in ()]"]
)
def test_arguments_must_be_literals(text):
    with pytest.raises(ShapeError, match="args"):
        infer([(4,)], args=text)


@pytest.mark.parametrize("text", ["os", "os:system()", "a b:C", ":C", "pkg.mod:", "x;y:Z"])
def test_the_class_path_must_be_dotted_names(text):
    with pytest.raises(ShapeError, match="module must name a class"):
        infer([(4,)], module=text)


def test_code_template_and_imports():
    built = SPEC.build({"x": [(4,)]}, params(module="pkg.layers:Attention", args="64, heads=4, drop=(0.1, 'x')"))
    assert built == "Attention(64, heads=4, drop=(0.1, 'x'))"
    assert SPEC.imports(params(module="pkg.layers:Outer.Inner", path="/m")) == (("/m", "pkg.layers", "Outer"),)
    assert SPEC.build({"x": [(4,)]}, params(module="torch.nn:PixelShuffle", args="2")) == "nn.PixelShuffle(2)"
    assert SPEC.imports(params(module="torch.nn:PixelShuffle")) == ()


def test_its_mult_adds_are_unknown_when_it_has_weights():
    inputs = {"x": [(4,)]}
    assert SPEC.count_macs(inputs, params(parameters=0), {"out": (4,)}) == 0
    assert SPEC.count_macs(inputs, params(parameters=20), {"out": (4,)}) is None


def test_counts_the_recorded_parameters_and_sits_in_a_network():
    project = Project(name="t")
    net = project.add_network(Network("net"))
    image = net.add("Input", shape=(4, 4, 4))
    kept = net.add("Module", module="torch.nn:PixelShuffle", args="2", output_shape=(1, 8, 8), parameters=7)
    net.chain(image, kept, net.add("Output"))
    report = validate_network(net)
    assert report.ok and report.total_params == 7
    assert report.nodes[kept.id].outputs == {"out": (1, 8, 8)}
