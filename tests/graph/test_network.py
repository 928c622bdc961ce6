"""The network model: every mutation is reversible and announced to listeners."""

import pytest

from graph.events import EdgeRemoved, NodeMoved, NodeRemoved, NodeRenamed, ParamChanged
from graph.network import CycleError, DuplicateEdgeError, Edge, Network, PortError, PortOccupiedError, is_valid_name
from graph.project_io import network_to_dict


def small_net():
    net = Network("net")
    inp = net.add("Input", name="features", shape=(4,))
    fc1 = net.add("Linear", out_features=8)
    act = net.add("ReLU")
    fc2 = net.add("Linear", out_features=2)
    out = net.add("Output", name="logits")
    net.chain(inp, fc1, act, fc2, out)
    return net, (inp, fc1, act, fc2, out)


def test_names_are_unique_identifiers():
    net, _ = small_net()
    names = [n.name for n in net.nodes.values()]
    assert names == ["features", "linear1", "relu1", "linear2", "logits"]
    assert all(is_valid_name(n) for n in names)
    assert net.unique_name("linear") == "linear3"
    assert net.unique_name("2 fancy-name!") == "l2_fancy_name1"


@pytest.mark.parametrize("bad", ["class", "self", "1abc", "a b", "_private", "torch", ""])
def test_unusable_names_are_refused(bad):
    net, (inp, *_rest) = small_net()
    with pytest.raises(ValueError):
        net.rename_node(inp.id, bad)


def test_cycle_is_refused_with_reason():
    net, (_inp, fc1, act, _fc2, _out) = small_net()
    with pytest.raises(CycleError, match="cycle"):
        net.connect(Edge(act.id, "out", fc1.id, "x"))
    assert net.can_connect(Edge(act.id, "out", act.id, "x")) is not None


def test_single_input_takes_one_edge():
    net, (inp, _fc1, act, _fc2, _out) = small_net()
    with pytest.raises(PortOccupiedError, match="already has one from 'linear1'"):
        net.connect(Edge(inp.id, "out", act.id, "x"))


def test_duplicate_edge_and_unknown_port_refused():
    net, (inp, fc1, *_rest) = small_net()
    with pytest.raises(DuplicateEdgeError):
        net.connect(Edge(inp.id, "out", fc1.id, "x"))
    with pytest.raises(PortError, match="no input port"):
        net.connect(Edge(inp.id, "out", fc1.id, "nope"))


def test_remove_and_restore_node_round_trips():
    net, (_inp, fc1, *_rest) = small_net()
    before = network_to_dict(net)
    node, edges = net.remove_node(fc1.id)
    assert fc1.id not in net.nodes and len(edges) == 2
    net.add_node(node, edges)
    after = network_to_dict(net)
    assert sorted(map(str, after["edges"])) == sorted(map(str, before["edges"]))
    assert [n["id"] for n in after["nodes"]] != [] and len(after["nodes"]) == len(before["nodes"])


def test_disconnect_returns_index_for_ordered_undo():
    net, (inp, fc1, *_rest) = small_net()
    edge = net.edges[0]
    index = net.disconnect(edge)
    net.connect(edge, index=index)
    assert net.edges[0] == edge


def test_listeners_hear_every_mutation():
    net, (_inp, fc1, *_rest) = small_net()
    heard = []
    net.subscribe(heard.append)
    old = net.set_param(fc1.id, "out_features", 16)
    net.move_node(fc1.id, (10, 20))
    net.rename_node(fc1.id, "hidden")
    edges = net.edges_into(fc1.id) + net.edges_from(fc1.id)
    net.remove_node(fc1.id)
    assert old == 8
    assert heard == [
        ParamChanged(fc1, "out_features", 8, 16),
        NodeMoved(fc1, (0.0, 0.0)),
        NodeRenamed(fc1, "linear1"),
        *(EdgeRemoved(edge) for edge in edges),
        NodeRemoved(fc1),
    ]


def test_graph_view_tracks_changes():
    net, (_inp, fc1, *_rest) = small_net()
    assert net.graph.number_of_edges() == 4
    net.remove_node(fc1.id)
    assert net.graph.number_of_edges() == 2
