"""Automatic layout: layers follow the data flow, nodes never overlap, results repeat."""

import pytest

from graph.events import EdgeAdded, NodeMoved
from graph.layout import LAYER_GAP_LR, LAYER_GAP_TB, NODE_GAP_LR, apply_layout, auto_layout, layers_of
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


def test_a_chain_runs_left_to_right_on_one_line():
    net, nodes = chain(5)
    positions = auto_layout(net)
    xs = [positions[n.id][0] for n in nodes]
    assert xs == [i * LAYER_GAP_LR for i in range(5)]
    assert {positions[n.id][1] for n in nodes} == {0.0}


def test_top_to_bottom_runs_down_the_page():
    net, nodes = chain(3)
    positions = auto_layout(net, "TB")
    assert [positions[n.id] for n in nodes] == [(0.0, i * LAYER_GAP_TB) for i in range(3)]


def test_a_node_sits_one_layer_after_its_furthest_input():
    net, (features, fc1, fc2, add, result) = residual()
    layers = layers_of(net)
    assert layers == [[features.id], [fc1.id], [fc2.id], [add.id], [result.id]]
    positions = auto_layout(net)
    assert positions[add.id][0] > positions[fc2.id][0] > positions[features.id][0]


def test_nodes_of_one_layer_are_spread_apart_and_never_overlap():
    net = Network("wide")
    features = net.add("Input", name="features", shape=(4,))
    heads = [net.add("Linear", out_features=2) for _ in range(5)]
    for head in heads:
        net.wire(features, head)
    positions = auto_layout(net)
    ys = sorted(positions[h.id][1] for h in heads)
    assert ys == [(i - 2) * NODE_GAP_LR for i in range(5)]
    assert len(set(positions.values())) == len(net.nodes)


def test_barycenter_ordering_uncrosses_edges():
    net = Network("crossed")
    a = net.add("Input", name="a", shape=(4,))
    b = net.add("Input", name="b", shape=(4,))
    # Added in the "wrong" order: from b first, then from a.
    from_b = net.add("Linear", name="from_b", out_features=2)
    from_a = net.add("Linear", name="from_a", out_features=2)
    net.wire(b, from_b)
    net.wire(a, from_a)
    positions = auto_layout(net)
    assert positions[a.id][1] < positions[b.id][1]
    assert positions[from_a.id][1] < positions[from_b.id][1]


def test_layout_is_deterministic():
    first, _ = residual()
    second, _ = residual()
    assert auto_layout(first) == auto_layout(second)
    assert auto_layout(first) == auto_layout(first)


def test_a_cycle_is_laid_out_instead_of_raising():
    net, (_features, fc1, fc2, _add, _result) = residual()
    # Bypass connect()'s cycle check: a broken file may hold a cycle.
    net.edges.append(Edge(fc2.id, "out", fc1.id, "x"))
    net._emit(EdgeAdded(net.edges[-1]))
    positions = auto_layout(net)
    assert set(positions) == set(net.nodes)
    assert positions[fc1.id][0] == positions[fc2.id][0]
    assert len(set(positions.values())) == len(net.nodes)


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
    assert [net.nodes[n.id].position for n in nodes] == [(i * LAYER_GAP_LR, 0.0) for i in range(3)]


def test_a_large_grid_gets_distinct_positions_in_flow_order():
    # Built directly (not through add/connect) to keep the test quick.
    net = Network("grid")
    width, depth = 20, 100
    for layer in range(depth):
        for column in range(width):
            node_id = f"n{layer}_{column}"
            net.nodes[node_id] = Node(node_id, "Linear", node_id, {"out_features": 2})
            if layer:
                net.edges.append(Edge(f"n{layer - 1}_{column}", "out", node_id, "x"))
                net.edges.append(Edge(f"n{layer - 1}_{(column + 1) % width}", "out", node_id, "x"))
    positions = auto_layout(net, wrap=False)
    assert len(set(positions.values())) == width * depth
    for edge in net.edges:
        assert positions[edge.src][0] < positions[edge.dst][0]


def test_a_long_chain_wraps_into_even_bands_that_read_left_to_right():
    net = Network("lenet_like")
    nodes = [net.add("Input", name="image", shape=(8,))]
    nodes += [net.add("Linear", out_features=8) for _ in range(12)]
    nodes.append(net.add("Output", name="logits"))
    net.chain(*nodes)
    positions = auto_layout(net)
    rows: dict[float, list[float]] = {}
    for node in nodes:
        x, y = positions[node.id]
        rows.setdefault(y, []).append(x)
    assert [len(xs) for xs in rows.values()] == [5, 5, 4]  # 14 layers in three even bands
    assert list(rows) == sorted(rows)  # bands stack downwards
    for xs in rows.values():
        assert xs == sorted(xs) and xs[0] == 0.0  # each band starts at the left and flows right
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    assert (max(xs) - min(xs)) < 3 * (max(ys) - min(ys))  # about as wide as a canvas, not a ribbon


def test_short_networks_do_not_wrap():
    net = Network("short")
    nodes = [net.add("Input", name="x_in", shape=(8,))]
    nodes += [net.add("Linear", out_features=8) for _ in range(4)]
    net.chain(*nodes)
    assert {y for _, y in auto_layout(net).values()} == {0.0}
