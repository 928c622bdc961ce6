"""Cost estimates from shapes: published mult-adds figures, totals, memory and its warnings."""

from __future__ import annotations

import pytest

from graph.cost import (
    OPTIMIZER_STATE_SLOTS,
    format_bytes,
    format_count,
    memory_warnings,
    network_cost,
    project_cost,
    training_memory,
)
from graph.network import Network
from graph.presets import build_preset
from graph.validation import validate_network

IMAGENET = {"in_channels": 3, "image_size": 224, "num_classes": 1000}


def macs_of(name: str, options: dict) -> int:
    costs = project_cost(build_preset(name, options))
    (cost,) = costs.values()
    assert cost.macs_known
    return cost.total_macs


# torchvision's model tables (GFLOPS column, which counts mult-adds) and LeNet-5's
# conv1 117,600 + conv2 240,000 + fc 48,000 + 10,080 + 840 = 416,520 (about 0.42 M).
@pytest.mark.parametrize(
    ("name", "options", "published"),
    [
        ("lenet5", {}, 0.42e6),
        ("alexnet", IMAGENET, 0.71e9),
        ("vgg", {**IMAGENET, "depth": 16, "batch_norm": False}, 15.47e9),
        ("resnet", {**IMAGENET, "depth": 18}, 1.81e9),
        ("resnet", {**IMAGENET, "depth": 50}, 4.09e9),
    ],
)
def test_mult_adds_match_the_published_figures_within_two_percent(name, options, published):
    assert macs_of(name, options) == pytest.approx(published, rel=0.02)


def test_lenet5_counts_exactly_its_convolutions_and_dense_layers():
    cost = project_cost(build_preset("lenet5"))["lenet5"]
    by_name = {node.name: node for node in cost.nodes}
    assert by_name["conv1"].macs == 6 * 25 * 28 * 28
    assert by_name["conv2"].macs == 16 * 6 * 25 * 10 * 10
    assert [by_name[n].macs for n in ("fc1", "fc2", "fc3")] == [400 * 120, 120 * 84, 84 * 10]
    assert by_name["tanh1"].macs == 0 and by_name["pool1"].macs == 0
    assert cost.total_macs == 416_520
    assert cost.total_params == 61_706 and cost.param_bytes == 4 * 61_706


def test_a_block_sums_its_body_and_resnet_is_counted_per_instance():
    cost = project_cost(build_preset("resnet", {**IMAGENET, "depth": 18}))["resnet18"]
    blocks = [node for node in cost.nodes if node.inner]
    assert blocks, "ResNet is drawn as blocks"
    for block in blocks:
        assert block.macs == sum(inner.macs for inner in block.inner if inner.live)
        assert block.activation_bytes == sum(inner.activation_bytes for inner in block.inner if inner.live)
    assert format_count(cost.total_macs) == "1.81 G"


def test_recurrent_mult_adds_count_every_step_layer_and_direction():
    net = Network("net")
    series = net.add("Input", name="series", shape=(50, 3))
    gru = net.add("GRU", name="gru", hidden_size=8, num_layers=2, bidirectional=True)
    head = net.add("Linear", name="head", out_features=4)
    net.chain(series, gru, head, net.add("Output", name="out"))
    cost = network_cost(net, validate_network(net))
    by_name = {node.name: node for node in cost.nodes}
    first, second = 3 * 8 * (3 + 8) * 2, 3 * 8 * (16 + 8) * 2
    assert by_name["gru"].macs == 50 * (first + second)
    assert by_name["head"].macs == 50 * 16 * 4  # a Linear acts on each of the 50 steps


def test_dead_nodes_are_listed_but_not_counted_and_views_keep_no_memory():
    net = Network("net")
    x = net.add("Input", name="x", shape=(1, 8, 8))
    flat = net.add("Flatten", name="flat")
    fc = net.add("Linear", name="fc", out_features=10)
    spare = net.add("Linear", name="spare", out_features=1000)
    net.chain(x, flat, fc, net.add("Output", name="out"))
    net.wire(flat, spare)
    cost = network_cost(net, validate_network(net))
    by_name = {node.name: node for node in cost.nodes}
    assert not by_name["spare"].live and by_name["spare"].macs == 64 * 1000
    assert cost.total_macs == 64 * 10 and cost.total_params == 650
    assert by_name["flat"].activation_bytes == 0
    assert cost.activation_bytes(32) == 32 * 4 * (64 + 10)  # the input batch and fc's output


def test_int64_token_inputs_take_eight_bytes_per_value():
    cost = project_cost(build_preset("seq2seq", {"seq_len": 12}))["seq2seq"]
    tokens = next(node for node in cost.nodes if node.type == "Input")
    assert tokens.activation_bytes == 8 * 12


def test_training_memory_adds_weights_gradients_optimizer_state_and_activations():
    cost = project_cost(build_preset("lenet5"))["lenet5"]
    for optimizer, slots in OPTIMIZER_STATE_SLOTS.items():
        memory = training_memory([cost], 64, optimizer)
        assert memory.params == memory.grads == 4 * 61_706
        assert memory.optimizer_state == slots * 4 * 61_706
        assert memory.activations == cost.activation_bytes(64)
        assert memory.total == (2 + slots) * 4 * 61_706 + cost.activation_bytes(64)


def test_memory_warnings_pin_the_heaviest_layers_only_when_over_budget():
    cost = project_cost(build_preset("alexnet", IMAGENET))["alexnet"]
    need = training_memory([cost], 256, "adam").total
    assert memory_warnings([cost], 256, "adam", need) == []
    warnings = memory_warnings([cost], 256, "adam", need // 4, "cuda:0")
    assert 1 <= len(warnings) <= 3
    assert all(w.severity == "warning" and w.network == "alexnet" for w in warnings)
    assert warnings[0].node_name == "fc1"  # 37.7 M weights x (weights, grads, two Adam averages)
    assert f"but cuda:0 has {format_bytes(need // 4)}" in warnings[0].message
    shares = [node.training_bytes(256, "adam") for node in cost.live_nodes()]
    assert sorted(shares, reverse=True)[: len(warnings)] == [
        next(n for n in cost.nodes if n.node_id == w.node_id).training_bytes(256, "adam") for w in warnings
    ]


@pytest.mark.parametrize(
    ("count", "text"),
    [(None, "?"), (840, "840"), (416_520, "416.52 K"), (1_814_073_344, "1.81 G"), (15.47e9, "15.47 G")],
)
def test_mult_adds_are_written_as_tables_write_them(count, text):
    assert format_count(count) == text


def test_bytes_are_written_in_powers_of_1024():
    assert format_bytes(512) == "512 B"
    assert format_bytes(3 * 1024**2) == "3.00 MB"
    assert format_bytes(141 * 1024**3) == "141.00 GB"
