"""Copy and paste without Qt: the node codec of project files, ids and names from the network."""

from __future__ import annotations

import pytest

from graph.edits import AddNodes
from graph.fragments import MAX_PASTE_NODES, PasteError, copy_payload, materialize
from graph.network import Network
from graph.project import Project
from graph.project_io import dumps, node_to_dict


def chain_project() -> Project:
    project = Project(name="p")
    net = project.add_network(Network("net"))
    image = net.add("Input", name="image", shape=(8,))
    fc = net.add("Linear", name="fc", out_features=4)
    act = net.add("ReLU", name="act")
    net.chain(image, fc, act, net.add("Output", name="out"))
    return project


def test_pasting_a_copy_gives_fresh_ids_and_names_and_keeps_the_inner_edges():
    project = chain_project()
    net = project.main
    ids = [net.node_by_name("fc").id, net.node_by_name("act").id]
    payload = copy_payload(net, ids)
    assert payload["nodes"] == [node_to_dict(net.nodes[i]) for i in ids]
    assert len(payload["edges"]) == 1  # the edges to image and out stay behind

    nodes, edges = materialize(net, payload, (30.0, 40.0), project.blocks)
    assert not {n.id for n in nodes} & set(net.nodes)
    assert [n.name for n in nodes] == ["fc1", "act1"]
    assert nodes[0].params == net.node_by_name("fc").params
    assert nodes[1].position == (net.node_by_name("act").position[0] + 30.0, 40.0)
    assert [(e.src, e.dst) for e in edges] == [(nodes[0].id, nodes[1].id)]

    before = dumps(project)
    edit = AddNodes(project, "net", nodes, edges)
    edit.apply()
    assert len(net.nodes) == 6 and len(net.edges) == 4
    edit.revert()
    assert dumps(project) == before


def test_names_are_kept_where_they_are_free():
    source = chain_project()
    target = Project(name="q")
    target.add_network(Network("other"))
    nodes, _ = materialize(target.main, copy_payload(source.main, list(source.main.nodes)), (0, 0), target.blocks)
    assert [n.name for n in nodes] == ["image", "fc", "act", "out"]


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"id": "a", "type": "Warp", "name": "w"}, r"nodes\[0\]\.type: unknown layer type 'Warp'"),
        ({"id": "a", "type": "Linear", "name": "w", "params": {"out_features": 0}}, r"params\.out_features"),
        ({"id": "a", "type": "Block", "name": "w", "params": {"block": "Nope"}}, r"no block definition named"),
        ({"id": 3, "type": "ReLU", "name": "w"}, r"nodes\[0\]\.id: must be text"),
        ("ReLU", r"nodes\[0\]: must be an object"),
    ],
)
def test_a_node_the_project_file_would_refuse_refuses_the_paste(node, message):
    project = chain_project()
    before = dumps(project)
    with pytest.raises(PasteError, match=message):
        materialize(project.main, {"nodes": [node]}, (0, 0), project.blocks)
    assert dumps(project) == before


@pytest.mark.parametrize("payload", [{}, {"nodes": []}, {"nodes": "x"}, {"nodes": [{}] * (MAX_PASTE_NODES + 1)}])
def test_an_empty_or_huge_payload_is_refused(payload):
    with pytest.raises(PasteError):
        materialize(Network("n"), payload, (0, 0), {})


def test_impossible_edges_are_skipped():
    project = chain_project()
    payload = copy_payload(project.main, list(project.main.nodes))
    a, b = payload["nodes"][1]["id"], payload["nodes"][2]["id"]
    payload["edges"] += [
        {"src": b, "src_port": "out", "dst": a, "dst_port": "x"},  # a cycle
        {"src": a, "src_port": "nope", "dst": b, "dst_port": "x"},
        {"src": "ghost", "src_port": "out", "dst": b, "dst_port": "x"},
        {"src": 1},
        "edge",
    ]
    nodes, edges = materialize(Network("empty"), payload, (0, 0), project.blocks)
    assert len(nodes) == 4 and len(edges) == 3


def test_ids_and_names_come_from_the_network():
    net = chain_project().main
    ids = net.new_ids(3)
    assert len(set(ids)) == 3 and not set(ids) & set(net.nodes)
    taken: set[str] = set()
    assert net.fresh_name("hidden", taken) == "hidden"
    assert net.fresh_name("hidden", taken) == "hidden1"
    assert net.fresh_name("fc", taken, prefix="block") == "block_fc"
    assert net.fresh_name("fc", taken, prefix="block") == "fc1"
    assert net.fresh_name("class", taken) == "class1"
    assert taken >= {"hidden", "hidden1", "block_fc", "class1"}
