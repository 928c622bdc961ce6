"""Grouping layers into a block and expanding a block inline: nothing about the model changes.

Every case checks what a user relies on: the validated output shapes and parameter
count are the same before and after, undo puts back exactly the network that was
there (node order and edge order included), and bad requests are refused with a
reason.
"""

import pytest

from graph.events import BlockAdded, BlockRemoved, EdgeAdded, EdgeRemoved, NodeAdded, NodeRemoved
from graph.grouping import (
    GroupingError,
    apply_group,
    apply_ungroup,
    plan_group,
    plan_ungroup,
    undo_group,
    undo_ungroup,
)
from graph.network import Network
from graph.params import Ref
from graph.presets import build_preset
from graph.project import Project
from graph.project_io import dumps, loads, network_to_dict
from graph.validation import validate_project


def summary(project):
    """(total params, output shapes) of every network: what grouping must not change."""
    return {
        name: (report.total_params, report.output_shapes(project.networks[name]), [p.line() for p in report.errors])
        for name, report in validate_project(project).items()
    }


def ids(network, *names):
    return [network.node_by_name(name).id for name in names]


def snapshot(project, network="lenet5"):
    return network_to_dict(project.networks[network]), sorted(project.blocks)


def residual_project():
    """features -> fc1 -> act -> fc2 -> add(+features) -> head -> logits, and a Concat side branch."""
    project = Project(name="residual")
    net = project.add_network(Network("net"))
    features = net.add("Input", name="features", shape=(8,))
    fc1 = net.add("Linear", name="fc1", out_features=8)
    act = net.add("ReLU", name="act")
    fc2 = net.add("Linear", name="fc2", out_features=8)
    add = net.add("Add", name="add")
    side = net.add("Linear", name="side", out_features=3)
    concat = net.add("Concat", name="concat")
    head = net.add("Linear", name="head", out_features=2)
    logits = net.add("Output", name="logits")
    net.chain(features, fc1, act, fc2, add)
    net.wire(features, add)
    net.wire(fc2, side)
    net.wire(side, concat)
    net.wire(add, concat)
    net.chain(concat, head, logits)
    return project


def test_grouping_a_chain_keeps_shapes_params_and_code():
    project = build_preset("lenet5")
    before = summary(project)
    net = project.main
    plan = plan_group(project, "lenet5", ids(net, "conv1", "tanh1", "pool1"), "ConvStage")
    apply_group(project, plan)
    assert summary(project) == before
    definition = project.blocks["ConvStage"]
    assert definition.input_names() == ["image"]
    assert definition.output_names() == ["pool1_out"]
    assert [n.type for n in definition.body.nodes.values()] == ["Input", "Conv2d", "Tanh", "AvgPool2d", "Output"]
    instance = net.nodes[plan.instance.id]
    assert (instance.type, instance.name, instance.params) == ("Block", "conv_stage", {"block": "ConvStage"})
    assert net.node_by_name("conv1") is None
    assert [n.name for n in net.nodes.values()][:2] == ["image", "conv_stage"]


def test_undo_group_restores_the_exact_network_and_redo_repeats():
    project = build_preset("lenet5")
    original = snapshot(project)
    net = project.main
    plan = plan_group(project, "lenet5", ids(net, "conv2", "tanh2", "pool2", "flatten"), "Features")
    apply_group(project, plan)
    grouped = snapshot(project)
    undo_group(project, plan)
    assert snapshot(project) == original
    apply_group(project, plan)
    assert snapshot(project) == grouped
    undo_group(project, plan)
    assert snapshot(project) == original


def test_a_tensor_used_twice_inside_becomes_one_input_and_outputs_are_named_after_their_nodes():
    project = residual_project()
    before = summary(project)
    net = project.main
    plan = plan_group(project, "net", ids(net, "fc1", "act", "fc2", "add"), "Residual")
    apply_group(project, plan)
    definition = project.blocks["Residual"]
    assert definition.input_names() == ["features"]
    assert definition.output_names() == ["fc2_out", "add_out"]
    assert summary(project) == before
    instance = plan.instance.id
    assert [e.dst_port for e in net.edges_into(instance)] == ["features"]
    assert sorted((e.src_port, net.nodes[e.dst].name) for e in net.edges_from(instance)) == [
        ("add_out", "concat"),
        ("fc2_out", "side"),
    ]


def test_concat_keeps_the_order_of_its_inputs_when_one_of_them_is_grouped():
    project = residual_project()
    net = project.main
    concat = net.node_by_name("concat")
    order_before = [net.nodes[e.src].name for e in net.edges_into(concat.id)]
    assert order_before == ["side", "add"]
    plan = plan_group(project, "net", ids(net, "fc1", "act", "fc2", "add"), "Residual")
    apply_group(project, plan)
    sources = [(net.nodes[e.src].name, e.src_port) for e in net.edges_into(concat.id)]
    assert sources == [("side", "out"), ("residual", "add_out")]


def test_concat_inside_the_selection_keeps_its_input_order():
    project = residual_project()
    net = project.main
    plan = plan_group(project, "net", ids(net, "side", "concat", "head"), "Head")
    apply_group(project, plan)
    body = project.blocks["Head"].body
    concat = body.node_by_name("concat")
    assert [body.nodes[e.src].name for e in body.edges_into(concat.id)] == ["side", "add"]


def test_grouped_project_saves_generates_and_loads():
    project = residual_project()
    plan = plan_group(project, "net", ids(project.main, "fc1", "act", "fc2", "add"), "Residual")
    apply_group(project, plan)
    again = loads(dumps(project))
    assert summary(again) == summary(project)


@pytest.mark.parametrize(
    ("names", "block", "message"),
    [
        ((), "Block1", "select the layers to group first"),
        (("features", "fc1"), "Stem", "'features' is an Input node"),
        (("head", "logits"), "Tail", "'logits' is an Output node"),
        (("fc1", "fc2"), "Split", "grouping would make a cycle: 'act' is fed by the selection and feeds it too"),
        (("fc1",), "class", "'class' cannot name a block"),
        (("fc1",), "1st", "'1st' cannot name a block"),
        (("fc1",), "Linear", "'Linear' is the name of a layer type"),
    ],
)
def test_bad_groupings_are_refused_with_a_reason(names, block, message):
    project = residual_project()
    before = snapshot(project, "net")
    with pytest.raises(GroupingError, match=message):
        plan_group(project, "net", ids(project.main, *names), block)
    assert snapshot(project, "net") == before


def test_a_block_name_cannot_be_reused_and_unknown_targets_are_named():
    project = residual_project()
    apply_group(project, plan_group(project, "net", ids(project.main, "fc1"), "Dense"))
    with pytest.raises(GroupingError, match="a block named 'Dense' already exists"):
        plan_group(project, "net", ids(project.main, "head"), "Dense")
    with pytest.raises(GroupingError, match="no network named 'other'"):
        plan_group(project, "other", ["n1"], "Other")
    with pytest.raises(GroupingError, match="no node 'n999'"):
        plan_group(project, "net", ["n999"], "Other")


def test_ungroup_expands_a_resnet_block_with_its_values():
    project = build_preset("resnet", {"depth": 18})
    before = summary(project)
    net = project.main
    instance = net.node_by_name("layer2_1")
    plan = plan_ungroup(project, "resnet18", instance.id)
    apply_ungroup(project, plan)
    assert summary(project) == before
    assert net.node_by_name("layer2_1") is None
    # conv1/bn1 already exist in the stem, so the copies carry the instance's name.
    conv = net.node_by_name("layer2_1_conv1")
    assert conv.params["in_channels"] == 64
    assert conv.params["out_channels"] == 128
    assert conv.params["stride"] == (2, 2)
    assert net.node_by_name("shortcut_conv").params["kernel_size"] == (1, 1)
    for node in net.nodes.values():
        assert not any(isinstance(v, Ref) for v in node.params.values())
    assert "BasicBlockDown" in project.blocks


def test_undo_ungroup_restores_the_exact_network():
    project = build_preset("resnet", {"depth": 18})
    original = snapshot(project, "resnet18")
    plan = plan_ungroup(project, "resnet18", project.main.node_by_name("layer1_2").id)
    apply_ungroup(project, plan)
    expanded = snapshot(project, "resnet18")
    undo_ungroup(project, plan)
    assert snapshot(project, "resnet18") == original
    apply_ungroup(project, plan)
    assert snapshot(project, "resnet18") == expanded


def test_group_then_ungroup_gives_back_the_same_layers():
    project = residual_project()
    original = validate_project(project)["net"]
    names = ("fc1", "act", "fc2", "add")
    group = plan_group(project, "net", ids(project.main, *names), "Residual")
    apply_group(project, group)
    ungroup = plan_ungroup(project, "net", group.instance.id)
    apply_ungroup(project, ungroup)
    net = project.main
    assert sorted(n.name for n in net.nodes.values()) == sorted(
        ["features", "side", "concat", "head", "logits", *names]
    )
    report = validate_project(project)["net"]
    assert report.total_params == original.total_params
    assert report.output_shapes(net) == original.output_shapes(net)
    concat = net.node_by_name("concat")
    assert [net.nodes[e.src].name for e in net.edges_into(concat.id)] == ["side", "add"]


def test_ungroup_refuses_what_is_not_a_block():
    project = residual_project()
    with pytest.raises(GroupingError, match="'fc1' is a Linear layer, not a block"):
        plan_ungroup(project, "net", project.main.node_by_name("fc1").id)
    with pytest.raises(GroupingError, match="no node 'n999'"):
        plan_ungroup(project, "net", "n999")


def test_edits_reach_listeners_through_the_model():
    project = residual_project()
    events = []
    project.main.subscribe(lambda event: events.append(type(event)))
    project.subscribe(lambda event: events.append(type(event)))
    plan = plan_group(project, "net", ids(project.main, "fc1", "act"), "Pair")
    assert events == []
    apply_group(project, plan)
    assert events[0] is BlockAdded
    assert events.count(NodeAdded) == 1
    assert events.count(NodeRemoved) == 2
    assert EdgeAdded in events and EdgeRemoved in events
    events.clear()
    undo_group(project, plan)
    assert events[-1] is BlockRemoved
