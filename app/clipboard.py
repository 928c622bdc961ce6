"""Copying nodes: a JSON payload on the system clipboard and turning it back into nodes.

The payload (mime `NODES_MIME`, also put on the clipboard as plain text) holds the
copied nodes in the project-file form and the edges between them; edges to nodes
left behind are dropped. Pasting never trusts the payload (it may come from another
program or an older version): unknown layer types, blocks this project lacks, bad
values and impossible edges are refused with a `PasteError` or skipped.
Pasted nodes get fresh ids and unique names and are offset from the originals.
"""

from __future__ import annotations

import atexit
import json
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from graph.network import ConnectionError_, Edge, Network, Node, coerce_node_params, is_valid_name
from graph.params import ParamError, to_json_value
from graph.registry import BLOCK_TYPE, get_spec

NODES_MIME = "application/x-netcanvas-nodes"
FORMAT = "netcanvas-nodes"
MAX_PASTE_NODES = 5_000


class PasteError(ValueError):
    """Clipboard content that cannot be pasted; the message says why in one line."""


def copy_payload(network: Network, node_ids: list[str]) -> dict[str, Any]:
    """The nodes `node_ids` of `network` and the edges among them, as plain JSON data."""
    wanted = [node_id for node_id in network.nodes if node_id in set(node_ids)]
    chosen = set(wanted)
    return {
        "format": FORMAT,
        "version": 1,
        "nodes": [
            {
                "id": node.id,
                "type": node.type,
                "name": node.name,
                "params": {k: to_json_value(v) for k, v in node.params.items()},
                "position": list(node.position),
            }
            for node in (network.nodes[i] for i in wanted)
        ],
        "edges": [
            {"src": e.src, "src_port": e.src_port, "dst": e.dst, "dst_port": e.dst_port}
            for e in network.edges
            if e.src in chosen and e.dst in chosen
        ],
    }


def to_mime(payload: dict[str, Any]) -> QMimeData:
    mime = QMimeData()
    text = json.dumps(payload, indent=1)
    mime.setData(NODES_MIME, text.encode("utf-8"))
    mime.setText(text)
    return mime


def put_on_clipboard(payload: dict[str, Any]) -> None:
    """Copy nodes to the system clipboard (and make sure it is emptied before Python exits)."""
    global _clear_registered
    QGuiApplication.clipboard().setMimeData(to_mime(payload))
    if not _clear_registered:
        atexit.register(_clear_clipboard)
        _clear_registered = True


_clear_registered = False


def _clear_clipboard() -> None:
    # The clipboard owns our QMimeData; left there, Qt deletes it in its own exit
    # handlers after the interpreter is gone and the process dies with a segfault.
    if QGuiApplication.instance() is not None:
        QGuiApplication.clipboard().clear()


def from_mime(mime: QMimeData | None) -> dict[str, Any] | None:
    """The payload on `mime`, or None when it holds no NetCanvas nodes."""
    if mime is None:
        return None
    if mime.hasFormat(NODES_MIME):
        raw = bytes(mime.data(NODES_MIME)).decode("utf-8", "replace")
    elif mime.hasText() and FORMAT in mime.text()[:200]:
        raw = mime.text()  # copied from another NetCanvas as plain text
    else:
        return None
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def _fresh_id(taken: set[str]) -> str:
    index = len(taken) + 1
    while f"n{index}" in taken:
        index += 1
    taken.add(f"n{index}")
    return f"n{index}"


def _fresh_name(name: str, network: Network, taken: set[str]) -> str:
    if is_valid_name(name) and name not in taken:
        taken.add(name)
        return name
    candidate = network.unique_name(name if isinstance(name, str) else "layer")
    stem = candidate.rstrip("0123456789")
    index = 1
    while f"{stem}{index}" in taken or not is_valid_name(f"{stem}{index}"):
        index += 1
    taken.add(f"{stem}{index}")
    return f"{stem}{index}"


def materialize(
    network: Network, payload: dict[str, Any], offset: tuple[float, float], blocks: dict
) -> tuple[list[Node], list[Edge]]:
    """New nodes and edges for `network` from a copy payload.

    Args:
        network: where the nodes will be pasted (for fresh ids and names).
        payload: what `copy_payload` produced (possibly from elsewhere).
        offset: added to every position.
        blocks: the project's block definitions (a pasted block must exist here).

    Returns:
        The nodes (with fresh ids, unique names, checked params) and the edges between them.

    Raises:
        PasteError: the payload is malformed or holds something this project cannot use.
    """
    raw_nodes = payload.get("nodes")
    raw_edges = payload.get("edges", [])
    if not isinstance(raw_nodes, list) or not isinstance(raw_edges, list) or not raw_nodes:
        raise PasteError("the clipboard holds no nodes")
    if len(raw_nodes) > MAX_PASTE_NODES:
        raise PasteError(f"the clipboard holds {len(raw_nodes):,} nodes; at most {MAX_PASTE_NODES:,} can be pasted")
    ids = set(network.nodes)
    names = {n.name for n in network.nodes.values()}
    mapping: dict[str, str] = {}
    nodes: list[Node] = []
    for raw in raw_nodes:
        if not isinstance(raw, dict):
            raise PasteError("the clipboard holds a node that is not an object")
        type_name, params, old_id = raw.get("type"), raw.get("params", {}), raw.get("id")
        if not isinstance(type_name, str) or not isinstance(params, dict) or not isinstance(old_id, str):
            raise PasteError("the clipboard holds a node without a type, id or parameters")
        if type_name == BLOCK_TYPE:
            if params.get("block") not in blocks:
                raise PasteError(f"block '{params.get('block')}' is not defined in this project")
        elif get_spec(type_name) is None:
            raise PasteError(f"unknown layer type '{type_name[:40]}'")
        position = raw.get("position", [0, 0])
        try:
            x, y = (float(v) for v in position)
        except (TypeError, ValueError):
            x, y = 0.0, 0.0
        node = Node(_fresh_id(ids), type_name, "", dict(params), (x + offset[0], y + offset[1]))
        try:
            node.params = coerce_node_params(node, blocks)
        except ParamError as error:
            raise PasteError(f"{raw.get('name', type_name)}: {error}") from None
        node.name = _fresh_name(raw.get("name") if isinstance(raw.get("name"), str) else type_name, network, names)
        mapping[old_id] = node.id
        nodes.append(node)
    # Check the edges on a scratch network so a bad payload cannot break the real one.
    scratch = Network(network.name)
    scratch.blocks = blocks
    for node in nodes:
        scratch.add_node(node.copy())
    edges: list[Edge] = []
    for raw in raw_edges:
        if not isinstance(raw, dict) or raw.get("src") not in mapping or raw.get("dst") not in mapping:
            continue
        edge = Edge(mapping[raw["src"]], str(raw.get("src_port")), mapping[raw["dst"]], str(raw.get("dst_port")))
        try:
            scratch.connect(edge, blocks)
        except ConnectionError_:
            continue
        edges.append(edge)
    return nodes, edges
