"""Project files: JSON in, JSON out, and nothing in between trusted.

Format: UTF-8 JSON with ``"format": "netcanvas"`` and an integer ``"version"``.
This module is the one codec of nodes and edges (`node_to_dict`, `node_from_dict`,
`edge_to_dict`, `edge_from_dict`); copied nodes on the clipboard use it too.
Older versions are migrated on load (`MIGRATIONS`). Loading parses into plain
dicts, checks every field (types, sizes, nesting, names, known layer types,
parameter values) and raises one `ProjectFileError` that names the field, e.g.
``networks.lenet5.nodes[3].params.kernel_size: must be a whole number``. No
pickle, no eval. Saving writes a temporary file beside the target, flushes it to
disk and renames it over the target, so a crash mid-save leaves the old file whole.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx

from graph.network import Edge, Network, Node, coerce_node_params, is_valid_name
from graph.params import KINDS, Param, ParamError, to_json_value
from graph.project import BlockDefinition, Project
from graph.registry import BLOCK_TYPE, get_spec
from graph.training_config import coerce_training_value, default_training_config

FORMAT = "netcanvas"
VERSION = 1
MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_NODES = 100_000
MAX_EDGES = 400_000
MAX_NETWORKS = 64
MAX_BLOCKS = 1_000
MAX_DEPTH = 64
MAX_STRING = 4096
MAX_INT_DIGITS = 100


class ProjectFileError(ValueError):
    """A project file that cannot be loaded; the message names the field at fault."""


# -- saving ---------------------------------------------------------------------------------------
def node_to_dict(node: Node) -> dict[str, Any]:
    """One node as the file holds it (the clipboard uses the same form)."""
    return {
        "id": node.id,
        "type": node.type,
        "name": node.name,
        "params": {k: to_json_value(v) for k, v in node.params.items()},
        "position": [round(node.position[0], 2), round(node.position[1], 2)],
    }


def edge_to_dict(edge: Edge) -> dict[str, str]:
    return {"src": edge.src, "src_port": edge.src_port, "dst": edge.dst, "dst_port": edge.dst_port}


def network_to_dict(network: Network) -> dict[str, Any]:
    return {
        "nodes": [node_to_dict(node) for node in network.nodes.values()],
        "edges": [edge_to_dict(edge) for edge in network.edges],
    }


def param_to_dict(param: Param) -> dict[str, Any]:
    data: dict[str, Any] = {"name": param.name, "kind": param.kind, "default": to_json_value(param.default)}
    for key in ("minimum", "maximum", "doc"):
        if getattr(param, key) not in (None, ""):
            data[key] = getattr(param, key)
    if param.choices:
        data["choices"] = list(param.choices)
    return data


def project_to_dict(project: Project) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": project.name,
        "description": project.description,
        "preset": project.preset,
        "networks": {name: network_to_dict(net) for name, net in project.networks.items()},
        "blocks": {
            name: {
                "doc": block.doc,
                "params": [param_to_dict(p) for p in block.params],
                "network": network_to_dict(block.body),
            }
            for name, block in project.blocks.items()
        },
        "training": {k: to_json_value(v) for k, v in project.training.items()},
        "layout": project.layout,
    }


def dumps(project: Project) -> str:
    return json.dumps(project_to_dict(project), indent=1, ensure_ascii=False) + "\n"


def save_project(project: Project, path: str | os.PathLike) -> None:
    """Write atomically: temp file in the same folder, fsync, rename over the target."""
    target = Path(path)
    text = dumps(project)
    directory = target.parent if str(target.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


# -- loading --------------------------------------------------------------------------------------
def load_project(path: str | os.PathLike) -> Project:
    """Read and check a project file; raise `ProjectFileError` for anything wrong."""
    target = Path(path)
    try:
        size = target.stat().st_size
    except FileNotFoundError:
        raise ProjectFileError(f"{target}: no such file") from None
    except OSError as error:
        raise ProjectFileError(f"{target}: cannot read ({error.strerror})") from None
    if target.is_dir():
        raise ProjectFileError(f"{target}: is a folder, not a project file")
    if size > MAX_FILE_BYTES:
        raise ProjectFileError(f"{target}: file is {size:,} bytes; a project may be at most {MAX_FILE_BYTES:,}")
    try:
        raw = target.read_bytes()
    except OSError as error:
        raise ProjectFileError(f"{target}: cannot read ({error.strerror})") from None
    try:
        return loads(raw)
    except ProjectFileError as error:
        raise ProjectFileError(f"{target}: {error}") from None


def loads(raw: bytes | str) -> Project:
    if isinstance(raw, bytes):
        if len(raw) > MAX_FILE_BYTES:
            raise ProjectFileError(f"file is {len(raw):,} bytes; a project may be at most {MAX_FILE_BYTES:,}")
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProjectFileError(f"not UTF-8 text (byte {error.start})") from None
    elif len(raw) > MAX_FILE_BYTES:
        raise ProjectFileError(f"text of {len(raw):,} characters; a project may be at most {MAX_FILE_BYTES:,}")
    try:
        data = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float, parse_int=_bounded_int)
    except RecursionError:
        raise ProjectFileError("nested too deeply to be a project file") from None
    except json.JSONDecodeError as error:
        raise ProjectFileError(f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except ValueError as error:
        raise ProjectFileError(str(error)) from None
    _check_depth(data)
    return project_from_dict(data)


def _reject_constant(name: str) -> None:
    raise ValueError(f"not valid JSON: {name} is not a number a project may hold")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity, which could never be saved back
        raise ValueError(f"not valid JSON: {text[:40]} is too large a number for a project")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise ValueError(f"not valid JSON: a number with {len(text):,} digits is too large for a project")
    return int(text)


def _check_depth(data: Any) -> None:
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProjectFileError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _expect(value: Any, kind: type | tuple, field: str, what: str) -> Any:
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        raise ProjectFileError(f"{field}: must be {what}, not true/false")
    if not isinstance(value, kind):
        raise ProjectFileError(f"{field}: must be {what}, got {_json_type(value)}")
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise ProjectFileError(f"{field}: text of {len(value):,} characters is too long")
    return value


def _json_type(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "text",
        bool: "true/false",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older file's dict up to `VERSION` (one function per step)."""
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectFileError(f"version: must be a whole number, got {_json_type(version)}")
    if version > VERSION:
        raise ProjectFileError(
            f"version: {version} is newer than this NetCanvas understands ({VERSION}); update NetCanvas"
        )
    if version < 1:
        raise ProjectFileError(f"version: {version} is not a NetCanvas file version")
    while version < VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["version"] = version
    return data


MIGRATIONS: dict[int, Any] = {}


def project_from_dict(data: Any) -> Project:
    _expect(data, dict, "file", "a JSON object")
    if data.get("format") != FORMAT:
        raise ProjectFileError(f'format: must be "{FORMAT}", got {json.dumps(data.get("format"))[:40]}')
    data = migrate(dict(data))
    project = Project(networks={}, blocks={}, training=default_training_config(), layout={})
    project.name = _expect(data.get("name", "untitled"), str, "name", "text")
    project.description = _expect(data.get("description", ""), str, "description", "text")
    project.preset = _expect(data.get("preset", ""), str, "preset", "text")
    blocks = _expect(data.get("blocks", {}), dict, "blocks", "an object")
    if len(blocks) > MAX_BLOCKS:
        raise ProjectFileError(f"blocks: {len(blocks):,} block definitions; at most {MAX_BLOCKS:,}")
    # Block signatures first, so networks (and blocks inside blocks) can check their instances.
    for name, block in blocks.items():
        field = f"blocks.{name}"
        if not is_valid_name(name) and not name.isidentifier():
            raise ProjectFileError(f"{field}: block name must be an identifier")
        _expect(block, dict, field, "an object")
        params = tuple(
            _param_from_dict(p, f"{field}.params[{i}]")
            for i, p in enumerate(_expect(block.get("params", []), list, f"{field}.params", "a list"))
        )
        doc = _expect(block.get("doc", ""), str, f"{field}.doc", "text")
        project.blocks[name] = BlockDefinition(name, Network(name), params, doc)
    # Then every body's nodes, and only then their edges: an edge into a block instance needs
    # that block's ports, which come from its body's Input/Output nodes (in any order of definition).
    for name, block in blocks.items():
        project.blocks[name].body = _network_from_dict(
            block.get("network"), f"blocks.{name}.network", name, project.blocks, with_edges=False
        )
    for name, block in blocks.items():
        _edges_from_dict(project.blocks[name].body, block["network"], f"blocks.{name}.network", project.blocks)
    networks = _expect(data.get("networks"), dict, "networks", "an object")
    if not networks:
        raise ProjectFileError("networks: a project needs at least one network")
    if len(networks) > MAX_NETWORKS:
        raise ProjectFileError(f"networks: {len(networks)} networks; at most {MAX_NETWORKS}")
    for name, net in networks.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ProjectFileError(f"networks.{name}: network name must be an identifier")
        project.networks[name] = _network_from_dict(net, f"networks.{name}", name, project.blocks)
    training = _expect(data.get("training", {}), dict, "training", "an object")
    for key, value in training.items():
        try:
            project.training[key] = coerce_training_value(key, value)
        except ParamError as error:
            raise ProjectFileError(f"training.{key}: {error}") from None
    project.layout = _expect(data.get("layout", {}), dict, "layout", "an object")
    return project


def _param_from_dict(data: Any, field: str) -> Param:
    _expect(data, dict, field, "an object")
    name = _expect(data.get("name"), str, f"{field}.name", "text")
    if not name.isidentifier():
        raise ProjectFileError(f"{field}.name: must be an identifier")
    kind = _expect(data.get("kind"), str, f"{field}.kind", "text")
    if kind not in KINDS:
        raise ProjectFileError(f"{field}.kind: must be one of {', '.join(KINDS)}")
    minimum = data.get("minimum")
    maximum = data.get("maximum")
    for key, value in (("minimum", minimum), ("maximum", maximum)):
        if value is not None:
            _expect(value, (int, float), f"{field}.{key}", "a number")
    choices = tuple(_expect(data.get("choices", []), list, f"{field}.choices", "a list"))
    param = Param(
        name,
        kind,
        None,
        _expect(data.get("doc", ""), str, f"{field}.doc", "text"),
        minimum=minimum,
        maximum=maximum,
        choices=choices,
    )
    try:
        default = param.coerce(data.get("default"))
    except ParamError as error:
        raise ProjectFileError(f"{field}.default: {error}") from None
    return Param(name, kind, default, param.doc, minimum=minimum, maximum=maximum, choices=choices)


def _network_from_dict(data: Any, field: str, name: str, blocks: dict, with_edges: bool = True) -> Network:
    _expect(data, dict, field, "an object")
    nodes = _expect(data.get("nodes"), list, f"{field}.nodes", "a list")
    edges = _expect(data.get("edges", []), list, f"{field}.edges", "a list")
    if len(nodes) > MAX_NODES:
        raise ProjectFileError(f"{field}.nodes: {len(nodes):,} nodes; at most {MAX_NODES:,}")
    if len(edges) > MAX_EDGES:
        raise ProjectFileError(f"{field}.edges: {len(edges):,} connections; at most {MAX_EDGES:,}")
    network = Network(name)
    network.blocks = blocks
    names: set[str] = set()
    for index, raw in enumerate(nodes):
        node = node_from_dict(raw, f"{field}.nodes[{index}]", blocks)
        if node.id in network.nodes:
            raise ProjectFileError(f"{field}.nodes[{index}].id: '{node.id}' is used twice")
        if node.name in names:
            raise ProjectFileError(f"{field}.nodes[{index}].name: '{node.name}' is used twice")
        names.add(node.name)
        network.nodes[node.id] = node
    if with_edges:
        _edges_from_dict(network, data, field, blocks)
    return network


def _edges_from_dict(network: Network, data: dict, field: str, blocks: dict) -> None:
    edges = data.get("edges", [])
    seen: set[Edge] = set()
    for index, raw in enumerate(edges):
        where = f"{field}.edges[{index}]"
        edge = edge_from_dict(raw, where)
        for end in ("src", "dst"):
            if getattr(edge, end) not in network.nodes:
                raise ProjectFileError(f"{where}.{end}: no node with id '{getattr(edge, end)}'")
        outs = network.ports_of(network.nodes[edge.src], blocks)[1]
        ins = network.ports_of(network.nodes[edge.dst], blocks)[0]
        if edge.src_port not in outs:
            raise ProjectFileError(
                f"{where}.src_port: '{network.nodes[edge.src].name}' has no output '{edge.src_port}'"
            )
        if edge.dst_port not in ins:
            raise ProjectFileError(f"{where}.dst_port: '{network.nodes[edge.dst].name}' has no input '{edge.dst_port}'")
        if edge in seen:
            raise ProjectFileError(f"{where}: the same connection appears twice")
        seen.add(edge)
        network.edges.append(edge)
    _check_acyclic(network, field)


def _check_acyclic(network: Network, field: str) -> None:
    """Refuse a network whose connections go round in a circle, naming one connection of the circle."""
    indegree = dict.fromkeys(network.nodes, 0)
    children: dict[str, list[str]] = {node_id: [] for node_id in network.nodes}
    for edge in network.edges:
        indegree[edge.dst] += 1
        children[edge.src].append(edge.dst)
    ready = [node_id for node_id, count in indegree.items() if count == 0]
    while ready:  # Kahn's walk: what it never reaches is on a cycle or after one
        for child in children[ready.pop()]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    stuck = {node_id for node_id, count in indegree.items() if count > 0}
    if not stuck:
        return
    cycle = nx.find_cycle(network.graph.subgraph(stuck))
    index = network.edges.index(network.graph.edges[cycle[0]]["edge"])
    names = " -> ".join(network.nodes[src].name for src, *_ in cycle) + " -> " + network.nodes[cycle[0][0]].name
    raise ProjectFileError(
        f"{field}.edges[{index}]: the connections go round in a circle ({names}); a network must flow one way"
    )


def edge_from_dict(raw: Any, field: str) -> Edge:
    """An edge from its file form; raises `ProjectFileError` naming the field (its ends are not checked here)."""
    _expect(raw, dict, field, "an object")
    return Edge(
        *(_expect(raw.get(key), str, f"{field}.{key}", "text") for key in ("src", "src_port", "dst", "dst_port"))
    )


def node_from_dict(raw: Any, field: str, blocks: dict) -> Node:
    """A node from its file form, every parameter checked; raises `ProjectFileError` naming the field.

    Args:
        raw: the decoded JSON value.
        field: where it is, for messages (``networks.net.nodes[3]``).
        blocks: the block definitions a ``Block`` node may use.
    """
    _expect(raw, dict, field, "an object")
    node_id = _expect(raw.get("id"), str, f"{field}.id", "text")
    if not node_id or len(node_id) > 64:
        raise ProjectFileError(f"{field}.id: must be 1 to 64 characters")
    type_name = _expect(raw.get("type"), str, f"{field}.type", "text")
    if type_name != BLOCK_TYPE and get_spec(type_name) is None:
        raise ProjectFileError(f"{field}.type: unknown layer type '{type_name[:40]}'")
    name = _expect(raw.get("name"), str, f"{field}.name", "text")
    if not is_valid_name(name):
        raise ProjectFileError(f"{field}.name: '{name[:40]}' is not a usable name (letters, digits, _; not a keyword)")
    params = _expect(raw.get("params", {}), dict, f"{field}.params", "an object")
    position = _expect(raw.get("position", [0, 0]), list, f"{field}.position", "a list of two numbers")
    if len(position) != 2:
        raise ProjectFileError(f"{field}.position: must be a list of two numbers")
    for i, value in enumerate(position):
        _expect(value, (int, float), f"{field}.position[{i}]", "a number")
        if abs(value) > 1e7:
            raise ProjectFileError(f"{field}.position[{i}]: {value} is too far away")
    node = Node(node_id, type_name, name, dict(params), (float(position[0]), float(position[1])))
    _check_node_params(node, blocks, f"{field}.params")
    try:
        node.params = coerce_node_params(node, blocks)
    except ParamError as error:
        raise ProjectFileError(f"{field}.params: {error}") from None
    return node


def _check_node_params(node: Node, blocks: dict, field: str) -> None:
    """Raise `ProjectFileError` naming the one parameter at fault (``...params.kernel_size: ...``)."""
    known: set[str] = set()
    if node.type == BLOCK_TYPE:
        block = node.params.get("block")
        if not isinstance(block, str) or block not in blocks:
            raise ProjectFileError(f"{field}.block: no block definition named {_json_text(block)}")
        params = blocks[block].params
        known.add("block")
    else:
        params = get_spec(node.type).params
    known |= {p.name for p in params}
    for key in node.params:
        if key not in known:
            raise ProjectFileError(f"{field}.{key[:40]}: {node.type} has no parameter of that name")
    for param in params:
        try:
            param.coerce(node.params.get(param.name, param.default))
        except ParamError as error:
            raise ProjectFileError(f"{field}.{param.name}: {error}") from None


def _json_text(value: Any) -> str:
    return json.dumps(value)[:40]
