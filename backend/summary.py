"""The per-layer summary table: name, type, output shape and parameter count.

One row per node of a network in topological order (a block instance is one row;
with ``expand`` its inner layers follow, indented). Counts come from the validation
report (`graph.validation.NetworkReport`), which counts what the generated model
holds: nodes that do not lead to an Output are marked unused and count zero. The
last line is always ``Total params: N`` with N formatted with commas, so scripts
can read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.network import Network
from graph.project import Project
from graph.registry import BLOCK_TYPE
from graph.shapes import format_shape
from graph.validation import NetworkReport, validate_project

HEADERS = ("Layer", "Type", "Output shape", "Params")
INDENT = "  "


@dataclass
class Row:
    """One line of the table (``depth`` > 0 for layers inside a block)."""

    name: str
    type: str
    shape: str
    params: int
    depth: int = 0


def _shape_text(network: Network, report: NetworkReport, node_id: str) -> str:
    result = report.nodes[node_id]
    node = network.nodes[node_id]
    if node.type == "Output":
        shapes = [s for shapes in result.inputs.values() for s in shapes]
    else:
        shapes = list(result.outputs.values())
    if not shapes:
        return "?"
    return ", ".join(format_shape(s, batch=True) for s in shapes)


def network_rows(network: Network, report: NetworkReport, expand: bool = False, depth: int = 0) -> list[Row]:
    """The rows of one network (or block body) in the order the model computes them."""
    rows = []
    for node_id in report.order:
        node = network.nodes[node_id]
        result = report.nodes[node_id]
        type_name = node.params.get("block", "Block") if node.type == BLOCK_TYPE else node.type
        if report.live and node_id not in report.live and node.type != "Input":
            type_name += " (unused)"
        rows.append(Row(node.name, str(type_name), _shape_text(network, report, node_id), result.param_count, depth))
        if expand and result.inner is not None and node.type == BLOCK_TYPE:
            body = network.blocks[node.params["block"]].body
            rows += network_rows(body, result.inner, expand, depth + 1)
    return rows


def format_rows(rows: list[Row]) -> list[str]:
    """The table as text lines, columns padded to fit."""
    cells = [(INDENT * r.depth + r.name, r.type, r.shape, f"{r.params:,}") for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(HEADERS)]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(
            v.rjust(widths[i]) if i == len(values) - 1 else v.ljust(widths[i]) for i, v in enumerate(values)
        )

    rule = "-" * len(line(HEADERS))
    return [line(HEADERS), rule, *(line(c) for c in cells), rule]


def project_summary(
    project: Project, expand: bool = False, reports: dict[str, NetworkReport] | None = None
) -> tuple[list[str], dict[str, NetworkReport]]:
    """The summary of every network, ending with ``Total params: N`` over all of them.

    Args:
        reports: the networks' validation reports when the caller has them (validated here otherwise).

    Returns:
        The text lines and the validation report of each network (for its problems).
    """
    reports = reports if reports is not None else validate_project(project)
    lines: list[str] = []
    total = 0
    several = len(project.networks) > 1
    for name, network in project.networks.items():
        report = reports[name]
        count = report.total_params
        total += count
        if several:
            lines.append(f"Network: {name}")
        lines += format_rows(network_rows(network, report, expand))
        if several:
            lines.append(f"Params of {name}: {count:,}")
            lines.append("")
    lines.append(f"Total params: {total:,}")
    return lines, reports
