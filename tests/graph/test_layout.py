"""Automatic layout: layers follow the data flow, skip connections get a lane, nodes never overlap."""

import pytest

from graph import layout
from graph.events import EdgeAdded, NodeMoved
from graph.layout import (
    LANE_WIDTH,
    LAYER_GAP,
    NODE_GAP,
    NODE_WIDTH,
    apply_layout,
    auto_layout,
    estimated_size,
    flow_direction,
)
from graph.network import Edge, Network, Node


def chain(length=4):
    net = Network("chain")
    nodes = [net.add("Input", name="features", shape=(4,))]
    nodes += [net.add("Linear", out_features=4) for _ in range(length - 2)]
    nodes.append(net.add("Output", name="result"))
    net.chain(*nodes)
    return net, nodes


def residual():
    """features -> fc1 -> fc2 -> add <- features (a skip connection) -> result."""
    net = Network("residual")
    features = net.add("Input", name="features", shape=(4,))
    fc1 = net.add("Linear", name="fc1", out_features=4)
    fc2 = net.add("Linear", name="fc2", out_features=4)
    add = net.add("Add", name="add")
    result = net.add("Output", name="result")
    net.chain(features, fc1, fc2, add, result)
    net.wire(features, add)
    return net, (features, fc1, fc2, add, result)


def rects(net, positions, direction="TB"):
    out = {}
    for node_id, (x, y) in positions.items():
        width, height = estimated_size(net.nodes[node_id], direction)
        out[node_id] = (x, y, x + width, y + height)
    return out


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def assert_no_overlap(net, positions, direction="TB"):
    boxes = list(rects(net, positions, direction).values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlaps(a, b), (a, b)


def test_a_chain_runs_down_the_page_in_one_column():
    net, nodes = chain(5)
    positions = auto_layout(net)
    assert {positions[n.id][0] for n in nodes} == {0.0}
    ys = [positions[n.id][1] for n in nodes]
    assert ys[0] == 0.0
    for node, y, following in zip(nodes, ys, ys[1:], strict=False):
        assert following == y + estimated_size(node)[1] + LAYER_GAP["TB"]


def test_left_to_right_runs_across_the_page():
    net, nodes = chain(3)
    positions = auto_layout(net, "LR")
    # Cards of different heights share a centre line (their single ports sit on it).
    assert len({positions[n.id][1] + estimated_size(n, "LR")[1] / 2 for n in nodes}) == 1
    xs = [positions[n.id][0] for n in nodes]
    assert xs == [i * (NODE_WIDTH + LAYER_GAP["LR"]) for i in range(3)]


def test_a_skip_connection_gets_a_lane_beside_the_main_path():
    net, (features, fc1, fc2, add, result) = residual()
    positions = auto_layout(net)
    ys = [positions[n.id][1] for n in (features, fc1, fc2, add, result)]
    assert ys == sorted(ys) and len(set(ys)) == 5  # one layer each, in flow order
    # The skip edge passes fc1's and fc2's layers in a lane of its own: the main path
    # steps aside, and features and add sit between it and the lane.
    middle = positions[features.id][0] + NODE_WIDTH / 2
    assert positions[add.id][0] + NODE_WIDTH / 2 == middle
    for skipped in (fc1, fc2):
        assert positions[skipped.id][0] + NODE_WIDTH / 2 <= middle - (NODE_GAP["TB"] + LANE_WIDTH) / 2


def test_given_sizes_push_the_next_layer_down_and_neighbours_apart():
    net = Network("wide")
    features = net.add("Input", name="features", shape=(4,))
    heads = [net.add("Linear", out_features=2) for _ in range(5)]
    for head in heads:
        net.wire(features, head)
    after = net.add("Linear", name="after", out_features=2)
    net.wire(heads[0], after)
    sizes = {heads[2].id: (300.0, 400.0)}
    positions = auto_layout(net, sizes=sizes)
    xs = sorted((positions[h.id][0], h.id) for h in heads)
    for (x, node_id), (next_x, _) in zip(xs, xs[1:], strict=False):
        width = sizes.get(node_id, (NODE_WIDTH, 0))[0]
        assert next_x >= x + width + NODE_GAP["TB"]
    assert positions[after.id][1] >= positions[heads[2].id][1] + 400.0 + LAYER_GAP["TB"]


def test_layers_are_ordered_to_uncross_edges():
    net = Network("crossed")
    source = net.add("Input", name="source", shape=(4,))
    left = net.add("Linear", name="left", out_features=2)
    right = net.add("Linear", name="right", out_features=2)
    # Added in the "wrong" order: the child of `right` first.
    from_right = net.add("Linear", name="from_right", out_features=2)
    from_left = net.add("Linear", name="from_left", out_features=2)
    join = net.add("Add", name="join")
    net.wire(source, left)
    net.wire(source, right)
    net.wire(right, from_right)
    net.wire(left, from_left)
    net.wire(from_left, join)
    net.wire(from_right, join)
    positions = auto_layout(net)
    parents_in_order = positions[left.id][0] < positions[right.id][0]
    children_in_order = positions[from_left.id][0] < positions[from_right.id][0]
    assert parents_in_order == children_in_order


def test_layout_is_deterministic():
    first, _ = residual()
    second, _ = residual()
    layout._cache.clear()
    once = auto_layout(first)
    layout._cache.clear()
    assert auto_layout(second) == once
    assert auto_layout(first) == once


def test_results_are_cached_and_callers_get_their_own_copy():
    net, nodes = chain(4)
    layout._cache.clear()
    positions = auto_layout(net)
    positions[nodes[0].id] = (999.0, 999.0)
    assert len(layout._cache) == 1
    assert auto_layout(net)[nodes[0].id] == (0.0, 0.0)
    net.move_node(nodes[0].id, (5.0, 5.0))  # positions are not part of the structure
    assert len(auto_layout(net)) == 4 and len(layout._cache) == 1


def test_a_cycle_is_laid_out_instead_of_raising():
    net, (_features, fc1, fc2, _add, _result) = residual()
    # Bypass connect()'s cycle check: a broken file may hold a cycle.
    net.edges.append(Edge(fc2.id, "out", fc1.id, "x"))
    net._emit(EdgeAdded(net.edges[-1]))
    positions = auto_layout(net)
    assert set(positions) == set(net.nodes)
    assert_no_overlap(net, positions)


def test_a_long_chain_does_not_hit_the_recursion_limit():
    net = Network("long")
    previous = None
    for index in range(1500):
        node_id = f"n{index}"
        net.nodes[node_id] = Node(node_id, "ReLU", node_id)
        if previous is not None:
            net.edges.append(Edge(previous, "out", node_id, "x"))
        previous = node_id
    positions = auto_layout(net)
    assert positions["n1499"][1] > positions["n0"][1]


def test_separate_parts_sit_side_by_side_in_network_order():
    net = Network("two")
    first = chain_into(net, "a")
    second = chain_into(net, "b")
    positions = auto_layout(net)
    assert_no_overlap(net, positions)
    assert max(positions[n.id][0] for n in first) < min(positions[n.id][0] for n in second)
    assert positions[first[0].id][1] == positions[second[0].id][1] == 0.0


def chain_into(net, prefix):
    nodes = [net.add("Input", name=f"{prefix}_in", shape=(4,)), net.add("ReLU", name=f"{prefix}_relu")]
    net.chain(*nodes)
    return nodes


def test_empty_network_has_no_positions():
    assert auto_layout(Network("empty")) == {}


def test_unknown_direction_is_refused():
    net, _ = chain(3)
    with pytest.raises(ValueError, match="direction"):
        auto_layout(net, "RL")


def test_apply_layout_moves_nodes_through_the_model_and_returns_old_positions():
    net, nodes = chain(3)
    events = []
    net.subscribe(lambda event: events.append(type(event)))
    old = apply_layout(net)
    assert old == {n.id: (0.0, 0.0) for n in nodes}
    assert events == [NodeMoved] * 3
    assert [net.nodes[n.id].position for n in nodes] == [auto_layout(net)[n.id] for n in nodes]


def test_a_large_grid_gets_distinct_positions_in_flow_order():
    # Built directly (not through add/connect) to keep the test quick.
    net = Network("grid")
    width, depth = 10, 40
    for layer in range(depth):
        for column in range(width):
            node_id = f"n{layer}_{column}"
            net.nodes[node_id] = Node(node_id, "Linear", node_id, {"out_features": 2})
            if layer:
                net.edges.append(Edge(f"n{layer - 1}_{column}", "out", node_id, "x"))
                net.edges.append(Edge(f"n{layer - 1}_{(column + 1) % width}", "out", node_id, "x"))
    positions = auto_layout(net)
    assert len(set(positions.values())) == width * depth
    assert_no_overlap(net, positions)
    for edge in net.edges:
        assert positions[edge.src][1] < positions[edge.dst][1]


def test_flow_direction_follows_the_drawing():
    net, _ = chain(4)
    apply_layout(net, "LR")
    assert flow_direction(net) == "LR"
    apply_layout(net, "TB")
    assert flow_direction(net) == "TB"
    assert flow_direction(Network("empty")) == "TB"


def test_estimated_sizes_grow_with_the_face_and_port_labels():
    net = Network("sizes")
    relu = net.add("ReLU")
    conv = net.add("Conv2d", out_channels=4, kernel_size=3)
    lstm = net.add("LSTM", hidden_size=8)
    assert estimated_size(relu)[0] == NODE_WIDTH
    assert estimated_size(conv)[1] > estimated_size(relu)[1]
    # Top down, a side's port names share one row; left to right each port has a row.
    assert estimated_size(lstm, "LR")[1] >= estimated_size(lstm, "TB")[1]
