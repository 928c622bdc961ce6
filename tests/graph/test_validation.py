"""The validator: every broken drawing comes back as problems on the right node, worded for a student.

It never raises, whatever the graph: cycles, missing or doubled inputs, shape
mismatches, a shape rule with a bug, errors deep inside a block instance.
"""

from __future__ import annotations

import dataclasses

import pytest

from graph import registry
from graph.network import Edge, Network, PortOccupiedError
from graph.params import Param
from graph.project import BlockDefinition, Project
from graph.validation import validate_network


def messages(report, severity: str = "error") -> list[str]:
    return [p.message for p in report.problems if p.severity == severity]


def mlp(*layers: tuple[str, dict], shape=(1, 8, 8)) -> tuple[Network, list]:
    net = Network("net")
    nodes = [net.add("Input", name="image", shape=shape)]
    nodes += [net.add(type_name, **params) for type_name, params in layers]
    nodes.append(net.add("Output"))
    net.chain(*nodes)
    return net, nodes


def test_a_cycle_is_reported_on_each_node_of_it_with_its_members():
    net, (_image, conv, relu, _out) = mlp(("Conv2d", {"out_channels": 1, "padding": 1}), ("ReLU", {}))
    net.edges.append(Edge(relu.id, "out", conv.id, "x"))  # as a hand-edited file could hold it
    report = validate_network(net)
    cycle = "is part of a cycle (conv2d1 -> relu1); a network must flow one way"
    assert [p.message for p in report.nodes[conv.id].problems] == [cycle]
    assert [p.message for p in report.nodes[relu.id].problems] == [cycle]


def test_an_unconnected_required_input_is_an_error():
    net = Network("net")
    net.add("Input", shape=(4,))
    fc = net.add("Linear", out_features=2)
    net.wire(fc, net.add("Output"))
    report = validate_network(net)
    assert [p.message for p in report.nodes[fc.id].problems] == ["input 'x' is not connected"]
    assert report.nodes[fc.id].problems[0].port == "x"


def test_a_second_edge_into_a_single_input_is_refused_and_reported_if_present():
    net, (image, conv, _out) = mlp(("Conv2d", {"out_channels": 2}))
    other = net.add("Input", name="other", shape=(1, 8, 8))
    edge = Edge(other.id, "out", conv.id, "x")
    with pytest.raises(PortOccupiedError, match="already has one from 'image'"):
        net.connect(edge)
    net.edges.append(edge)
    report = validate_network(net)
    assert "input 'x' takes 1 connection(s), has 2" in messages(report)[0]


def test_rank_mismatch_names_the_sender():
    net = Network("net")
    net.add("Input", name="features", shape=(400,))
    nodes = [net.node_by_name("features"), net.add("Linear", name="fc1", out_features=120)]
    nodes += [net.add("Conv2d", name="conv3", out_channels=6), net.add("Output")]
    net.chain(*nodes)
    report = validate_network(net)
    assert messages(report) == ["Conv2d 'conv3' needs a (C, H, W) input but 'fc1' gives (120)"]
    assert report.problems[0].line() == "error: net/conv3: Conv2d 'conv3' needs a (C, H, W) input but 'fc1' gives (120)"


def test_linear_in_features_mismatch_is_explained():
    net, (_image, _flat, fc, _out) = mlp(("Flatten", {}), ("Linear", {"in_features": 100, "out_features": 10}))
    report = validate_network(net)
    assert messages(report) == [
        "Linear 'linear1' expects 100 input features (in_features) but 'flatten1' gives (64); "
        "set in_features to 64 or to auto"
    ]
    net.set_param(fc.id, "in_features", None)
    assert validate_network(net).ok


def two_branches(left: dict, right: dict, merge: str, **merge_params) -> tuple[Network, object]:
    net = Network("net")
    image = net.add("Input", name="image", shape=(3, 8, 8))
    a = net.add("Conv2d", name="left", **left)
    b = net.add("Conv2d", name="right", **right)
    join = net.add(merge, name="join", **merge_params)
    net.chain(image, a, join)
    net.chain(image, b, join)
    net.wire(join, net.add("Output"))
    return net, join


def test_concat_mismatches():
    net, join = two_branches({"out_channels": 4}, {"out_channels": 2, "kernel_size": 1}, "Concat")
    assert messages(validate_network(net)) == [
        "Concat 'join' needs the other sizes to match to concatenate along dim 1, but they are (4, 6, 6) and (2, 8, 8)"
    ]
    net.set_param(net.node_by_name("right").id, "padding", "valid")
    net.set_param(net.node_by_name("left").id, "padding", "same")
    report = validate_network(net)
    assert report.ok
    assert report.nodes[join.id].outputs == {"out": (6, 8, 8)}
    net.set_param(join.id, "dim", 4)
    assert messages(validate_network(net))[0].startswith("Concat 'join' cannot concatenate along dim 4")


def test_add_mismatch_lists_both_shapes():
    net, _ = two_branches({"out_channels": 4}, {"out_channels": 8, "stride": 2}, "Add")
    assert messages(validate_network(net)) == [
        "Add 'join' needs inputs of the same shape, but they are (4, 6, 6) and (8, 3, 3)"
    ]


def test_an_add_with_one_input_is_incomplete():
    net = Network("net")
    image = net.add("Input", shape=(4,))
    add = net.add("Add")
    net.chain(image, add, net.add("Output"))
    assert messages(validate_network(net)) == ["input 'x' needs at least 2 connections, has 1"]


def test_softmax_before_cross_entropy_is_a_warning():
    net, (_image, _flat, _fc, soft, _out) = mlp(("Flatten", {}), ("Linear", {"out_features": 10}), ("Softmax", {}))
    report = validate_network(net, loss="cross_entropy")
    assert report.ok
    assert [p.node_id for p in report.warnings] == [soft.id]
    assert "applies softmax twice" in report.warnings[0].message
    assert not validate_network(net, loss="mse").warnings


def test_dead_end_nodes_are_warned_and_left_out():
    net, (image, *_rest) = mlp(("Flatten", {}), ("Linear", {"out_features": 10}))
    stray = net.add("Linear", name="stray", out_features=3)
    net.wire(net.node_by_name("flatten1"), stray)
    report = validate_network(net)
    assert report.ok
    assert messages(report, "warning") == ["feeds nothing; not part of the model"]
    assert report.warnings[0].node_name == "stray"
    assert stray.id not in report.live and image.id in report.live


def test_a_bug_in_a_shape_rule_is_reported_not_raised(monkeypatch):
    def broken(inputs, params):
        return 1 // 0

    spec = registry.get_spec("ReLU")
    monkeypatch.setitem(registry._SPECS, "ReLU", dataclasses.replace(spec, infer=broken))
    net, (_image, relu, _out) = mlp(("ReLU", {}))
    report = validate_network(net)
    assert [p.message for p in report.nodes[relu.id].problems] == [
        "could not be checked (ZeroDivisionError: integer division or modulo by zero)"
    ]


def test_problems_upstream_do_not_cascade():
    net, (_image, _conv, _pool, flat, _fc, _out) = mlp(
        ("Conv2d", {"out_channels": 2, "kernel_size": 9}), ("MaxPool2d", {}), ("Flatten", {}), ("Linear", {})
    )
    report = validate_network(net)
    assert messages(report) == ["Conv2d 'conv2d1': kernel 9x9 is larger than its padded 8x8 input"]
    assert report.nodes[flat.id].outputs == {}


# -- block instances -------------------------------------------------------------------------------------------
def residual_project() -> tuple[Project, Network]:
    project = Project(name="res")
    body = Network("BasicBlock")
    x = body.add("Input", name="features", shape=(16, 8, 8))
    conv = body.add("Conv2d", name="conv1", in_channels="$channels", out_channels="$channels", padding=1)
    bn = body.add("BatchNorm2d", name="bn1", num_features="$channels")
    add = body.add("Add", name="add1")
    body.chain(x, conv, bn, add)
    body.wire(x, add)
    body.wire(add, body.add("Output", name="y"))
    project.add_block(BlockDefinition("BasicBlock", body, (Param("channels", "int", 16, minimum=1),), "x + F(x)"))
    net = project.add_network(Network("net"))
    return project, net


def test_a_block_instance_validates_with_its_parameters():
    project, net = residual_project()
    image = net.add("Input", name="image", shape=(8, 5, 5))
    block = net.add("Block", name="res1", block="BasicBlock", channels=8)
    net.chain(image, block, net.add("Output"))
    report = validate_network(net)
    assert report.ok, [p.line() for p in report.problems]
    assert report.nodes[block.id].outputs == {"y": (8, 5, 5)}
    assert report.nodes[block.id].param_count == (8 * 8 * 9 + 8) + 2 * 8


def test_an_error_inside_a_block_surfaces_on_the_instance():
    project, net = residual_project()
    image = net.add("Input", name="image", shape=(3, 5, 5))
    block = net.add("Block", name="res1", block="BasicBlock", channels=8)
    net.chain(image, block, net.add("Output"))
    report = validate_network(net)
    assert [p.message for p in report.nodes[block.id].problems] == [
        "inside block 'BasicBlock', conv1: Conv2d 'conv1': in_channels is 8 but 'features' gives (3, 5, 5) "
        "with 3 channels; set in_channels to 3 or to auto"
    ]
