"""Random editor sessions for the property tests: the edits a user can make, drawn by hypothesis.

`draw_edit` looks at the project as it is and draws one of the edits the editor offers
(add, remove, connect, disconnect, set a parameter, move, rename, replace the type,
group, ungroup, paste, auto-layout, change a training setting), built exactly as the
editor builds it (``graph/edits.py``, ``graph/fragments.py``, ``Network.create_node``).
It returns None when the drawn edit is one the editor would refuse before making it
(a value the parameter refuses, a selection that cannot be grouped). `History` is a
plain-Python copy of how ``QUndoStack`` pushes, merges, undoes and redoes.
`check_project` holds the invariants every step must keep.
"""

from __future__ import annotations

import json

import networkx as nx
from hypothesis import strategies as st

from graph import edits
from graph.fragments import PasteError, copy_payload, materialize
from graph.grouping import GroupingError
from graph.network import Edge, Network, Node
from graph.params import ParamError
from graph.project import BlockDefinition, Project
from graph.project_io import dumps, loads, project_to_dict
from graph.registry import BLOCK_TYPE, categories, get_spec
from graph.training_config import coerce_training_value
from graph.validation import validate_project

LAYER_TYPES = (
    "Input",
    "Output",
    "Linear",
    "ReLU",
    "Conv2d",
    "MaxPool2d",
    "Flatten",
    "Add",
    "Concat",
    "BatchNorm2d",
    "Dropout",
    "LSTM",
    "Reshape",
    "Softmax",
)
NAMES = ("fc", "head", "conv", "x", "class", "relu1", "9lives", "out", "features", "a" * 70, "Stage")
TRAINING_VALUES = {
    "lr": st.floats(-1.0, 200.0, allow_nan=False),
    "optimizer": st.sampled_from(("sgd", "adam", "momentum", "rmsprop", "lion")),
    "batch_size": st.sampled_from(("32", "full", "stochastic", "0", "many")),
    "epochs": st.integers(-1, 50),
    "dataset": st.sampled_from(("digits", "iris", "/data/table.csv", "")),
    "augment": st.sampled_from(("", "flip", "flip,rotate", "spin")),
}
KIND_VALUES = {
    "int": st.none() | st.integers(-1, 600),
    "float": st.floats(-1.0, 2.0, allow_nan=False),
    "bool": st.booleans(),
    "ints": st.integers(0, 9) | st.tuples(st.integers(0, 9), st.integers(0, 9)),
    "padding": st.sampled_from(("same", "valid")) | st.integers(0, 4),
    "shape": st.lists(st.integers(-1, 32), min_size=1, max_size=3).map(tuple),
    "str": st.text(max_size=6),
}
KINDS_OF_EDIT = (
    "add",
    "add",
    "remove",
    "connect",
    "connect",
    "connect",
    "disconnect",
    "param",
    "param",
    "move",
    "rename",
    "replace",
    "group",
    "ungroup",
    "paste",
    "layout",
    "training",
)


def base_project() -> Project:
    """image (1x8x8) -> conv -> pair (a block: Linear, ReLU) -> flat -> fc -> logits; the block used twice."""
    project = Project(name="sessions")
    body = Network("Pair")
    features = body.add("Input", name="features", shape=(4, 6, 6))
    body.chain(features, body.add("Conv2d", name="conv", out_channels=4, padding="same"), body.add("ReLU", name="act"))
    body.wire(body.node_by_name("act"), body.add("Output", name="result"))
    project.add_block(BlockDefinition("Pair", body))
    net = project.add_network(Network("net"))
    image = net.add("Input", name="image", shape=(1, 8, 8))
    conv = net.add("Conv2d", name="conv", out_channels=4, kernel_size=3)
    first = net.add("Block", name="pair1", block="Pair")
    second = net.add("Block", name="pair2", block="Pair")
    flat = net.add("Flatten", name="flat")
    fc = net.add("Linear", name="fc", out_features=10)
    net.chain(image, conv, first, second, flat, fc, net.add("Output", name="logits"))
    for index, node in enumerate(net.nodes.values()):
        net.move_node(node.id, (index * 250.0, 0.0))
    return project


def _some_nodes(data, network: Network, label: str) -> list[str]:
    ids = list(network.nodes)
    if not ids:
        return []
    return data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True), label=label)


def _grouped_nodes(data, network: Network) -> list[str]:
    """Any few nodes, or (as people mostly group) a run of layers that feed each other."""
    if data.draw(st.booleans(), label="any nodes"):
        return _some_nodes(data, network, "grouped")
    chain = [data.draw(st.sampled_from(list(network.nodes)), label="first grouped")]
    for _ in range(data.draw(st.integers(0, 3), label="grouped after it")):
        following = [e.dst for e in network.edges_from(chain[-1]) if e.dst not in chain]
        if not following:
            break
        chain.append(following[0])
    return chain


def _param_edit(data, project: Project, network: Network) -> edits.Edit | None:
    node = network.nodes[data.draw(st.sampled_from(list(network.nodes)), label="node")]
    if node.type == BLOCK_TYPE:
        definition = project.blocks.get(node.params.get("block"))
        params = definition.params if definition else ()
    else:
        params = get_spec(node.type).params
    if not params:
        return None
    param = data.draw(st.sampled_from(params), label="param")
    raw = data.draw(
        st.sampled_from(param.choices) if param.kind == "choice" else KIND_VALUES[param.kind], label="value"
    )
    try:
        value = param.coerce(raw)  # what the inspector does before it pushes anything
    except ParamError:
        return None
    return edits.SetParam(project, network.name, node.id, param.name, value)


def _connect_edit(data, project: Project, network: Network) -> edits.Edit | None:
    """Mostly a connection the model allows (as a drag to a lit port), sometimes any (a drop anywhere)."""
    possible = [
        Edge(src.id, src_port, dst.id, dst_port)
        for src in network.nodes.values()
        for src_port in network.ports_of(src)[1]
        for dst in network.nodes.values()
        for dst_port in network.ports_of(dst)[0]
    ]
    if not possible:
        return None
    allowed = [edge for edge in possible if network.can_connect(edge) is None]
    pool = allowed if allowed and data.draw(st.integers(0, 3), label="allowed only") else possible
    return edits.Connect(project, network.name, data.draw(st.sampled_from(pool), label="edge"))


def _replace_edit(data, project: Project, network: Network) -> edits.Edit | None:
    """Swap a node's type for another of its category, carrying over the values the new type takes (the inspector)."""
    candidates = [n for n in network.nodes.values() if n.type not in (BLOCK_TYPE, "Input", "Output")]
    if not candidates:
        return None
    node = data.draw(st.sampled_from(candidates), label="node")
    new_spec = data.draw(st.sampled_from(categories()[get_spec(node.type).category]), label="new type")
    params = new_spec.defaults()
    for param in new_spec.params:
        if param.name in node.params:
            try:
                params[param.name] = param.coerce(node.params[param.name])
            except ParamError:
                continue
    replacement = Node(node.id, new_spec.type, node.name, params, node.position)
    return edits.ReplaceNodeType(project, network.name, node.id, replacement)


def draw_edit(data, project: Project) -> edits.Edit | None:
    """One edit of `project`'s network ``net`` (or of its training settings), or None when refused up front."""
    network = project.networks["net"]
    kind = data.draw(st.sampled_from(KINDS_OF_EDIT), label="edit")
    has_nodes = bool(network.nodes)
    if kind == "add":
        types = LAYER_TYPES + ((BLOCK_TYPE,) if project.blocks else ())
        type_name = data.draw(st.sampled_from(types), label="type")
        params = {"block": data.draw(st.sampled_from(sorted(project.blocks)))} if type_name == BLOCK_TYPE else None
        position = (data.draw(st.integers(-2000, 2000)) * 1.0, data.draw(st.integers(-2000, 2000)) * 0.5)
        return edits.AddNode(project, "net", network.create_node(type_name, position, params=params))
    if kind == "training":
        name = data.draw(st.sampled_from(sorted(TRAINING_VALUES)), label="setting")
        try:
            value = coerce_training_value(name, data.draw(TRAINING_VALUES[name], label="value"))
        except ParamError:
            return None  # the form refuses it before pushing anything
        return edits.SetTraining(project, name, value)
    if kind == "layout":
        return edits.AutoLayout(project, "net", data.draw(st.sampled_from(("LR", "TB"))))
    if not has_nodes:
        return None
    if kind == "remove":
        loose = data.draw(st.lists(st.sampled_from(network.edges), max_size=2), label="edges") if network.edges else []
        return edits.RemoveNodes(project, "net", _some_nodes(data, network, "nodes"), loose)
    if kind == "connect":
        return _connect_edit(data, project, network)
    if kind == "disconnect":
        if not network.edges:
            return None
        return edits.Disconnect(project, "net", data.draw(st.sampled_from(network.edges), label="edge"))
    if kind == "param":
        return _param_edit(data, project, network)
    if kind == "move":
        moves = {
            node_id: (network.nodes[node_id].position, (data.draw(st.integers(-3000, 3000)) * 1.0, 10.0))
            for node_id in _some_nodes(data, network, "moved")
        }
        return edits.MoveNodes(project, "net", moves, data.draw(st.sampled_from((None, 1, 2)), label="drag"))
    if kind == "rename":
        node_id = data.draw(st.sampled_from(list(network.nodes)), label="node")
        names = NAMES + tuple(n.name for n in network.nodes.values())
        return edits.RenameNode(project, "net", node_id, data.draw(st.sampled_from(names), label="name"))
    if kind == "replace":
        return _replace_edit(data, project, network)
    try:
        if kind == "group":
            block_name = data.draw(st.sampled_from(("Stage", "Pair", "Head", "Linear", "bad name")), label="block")
            return edits.Group(project, "net", _grouped_nodes(data, network), block_name)
        if kind == "ungroup":
            return edits.Ungroup(project, "net", data.draw(st.sampled_from(list(network.nodes)), label="node"))
        payload = copy_payload(network, _some_nodes(data, network, "copied"))
        nodes, new_edges = materialize(network, payload, (20.0, 20.0), project.blocks)
        return edits.AddNodes(project, "net", nodes, new_edges)
    except (GroupingError, PasteError):
        return None  # the editor shows why and pushes nothing


class History:
    """What ``QUndoStack`` does with edits: push (dropping the redo tail, merging), undo, redo."""

    def __init__(self):
        self.edits: list[edits.Edit] = []
        self.index = 0

    def push(self, edit: edits.Edit) -> bool:
        """Apply and keep `edit`; False (and nothing changed) when the model refuses it."""
        try:
            edit.apply()
        except edits.EditRefused:
            return False
        del self.edits[self.index :]
        top = self.edits[-1] if self.edits else None
        if top is not None and top.mergeable and edit.mergeable and type(top) is type(edit) and top.merge(edit):
            if top.changes_nothing():
                self.edits.pop()
        else:
            self.edits.append(edit)
        self.index = len(self.edits)
        return True

    def undo(self) -> None:
        if self.index:
            self.index -= 1
            self.edits[self.index].revert()

    def redo(self) -> None:
        if self.index < len(self.edits):
            self.edits[self.index].apply()
            self.index += 1


def _networks(project: Project) -> list[Network]:
    return [*project.networks.values(), *(definition.body for definition in project.blocks.values())]


def check_project(project: Project) -> None:
    """Assert the invariants of a project between edits."""
    for network in _networks(project):
        assert nx.is_directed_acyclic_graph(network.graph), network.name
        assert sorted(network.graph.edges(keys=True)) == sorted((e.src, e.dst, e.key) for e in network.edges)
        for node in network.nodes.values():
            assert network.node_by_name(node.name) is node, node.name
        for edge in network.edges:
            assert edge.src in network.nodes and edge.dst in network.nodes, edge
            assert network.edges_into(edge.dst, edge.dst_port).count(edge) == 1
    for report in validate_project(project).values():
        crashed = [p.line() for p in report.problems if "could not be checked" in p.message]
        assert not crashed, crashed
    # Saved and loaded back, the project is the same (compact JSON: the loader reads any layout of the text).
    saved = project_to_dict(project)
    assert project_to_dict(loads(json.dumps(saved))) == saved


def drawn_session(data, project: Project, history: History, steps: int, check=check_project) -> None:
    """`steps` random steps (an edit, an undo or a redo), checking the project after each."""
    for _ in range(steps):
        action = data.draw(st.sampled_from(("edit", "edit", "edit", "undo", "redo")), label="action")
        if action == "undo":
            history.undo()
        elif action == "redo":
            history.redo()
        else:
            before = dumps(project)
            edit = draw_edit(data, project)
            if edit is not None and not history.push(edit):
                # So that the checks can fail: a session of refused edits would pass them all.
                assert not isinstance(edit, edits.AddNode), "adding a layer was refused"
                assert dumps(project) == before, "a refused edit changed the project"
        check(project)
