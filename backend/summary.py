"""The per-layer summary table: name, type, output shape, parameter count and mult-adds.

One row per node of a network in topological order (a block instance is one row;
with ``expand`` its inner layers follow, indented). Counts come from the validation
report (`graph.validation.NetworkReport`), which counts what the generated model
holds: nodes that do not lead to an Output are marked unused and count zero. The
last line is always ``Total params: N`` with N formatted with commas, so scripts
can read it. Just before it, ``Total mult-adds: 1.81 G`` (one sample; conventions in
`graph.cost`). `summary_json` gives the same facts as one JSON-ready object.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from graph.cost import format_count, network_cost, project_cost
from graph.network import Network
from graph.project import Project
from graph.registry import BLOCK_TYPE
from graph.shapes import format_shape
from graph.validation import NetworkReport, validate_project

HEADERS = ("Layer", "Type", "Output shape", "Params", "Mult-adds")
INDENT = "  "


@dataclass
class Row:
    """One line of the table (``depth`` > 0 for layers inside a block; ``activation_bytes`` per sample)."""

    name: str
    type: str
    shape: str
    params: int
    depth: int = 0
    macs: int | None = 0
    activation_bytes: int = 0


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
    costs = {node.node_id: node for node in network_cost(network, report).nodes}
    for node_id in report.order:
        node = network.nodes[node_id]
        result = report.nodes[node_id]
        type_name = node.params.get("block", "Block") if node.type == BLOCK_TYPE else node.type
        if report.live and node_id not in report.live and node.type != "Input":
            type_name += " (unused)"
        cost = costs.get(node_id)
        shape = _shape_text(network, report, node_id)
        macs, activations = (cost.macs, cost.activation_bytes) if cost is not None else (None, 0)
        rows.append(Row(node.name, str(type_name), shape, result.param_count, depth, macs, activations))
        if expand and result.inner is not None and node.type == BLOCK_TYPE:
            body = network.blocks[node.params["block"]].body
            rows += network_rows(body, result.inner, expand, depth + 1)
    return rows


def format_rows(rows: list[Row]) -> list[str]:
    """The table as text lines, columns padded to fit."""
    cells = [(INDENT * r.depth + r.name, r.type, r.shape, f"{r.params:,}", format_count(r.macs)) for r in rows]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(HEADERS)]
    numbers = {HEADERS.index("Params"), HEADERS.index("Mult-adds")}

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(v.rjust(widths[i]) if i in numbers else v.ljust(widths[i]) for i, v in enumerate(values))

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
    macs = sum(cost.total_macs for cost in project_cost(project, reports).values())
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
    lines.append(f"Total mult-adds: {format_count(macs)}")
    lines.append(f"Total params: {total:,}")
    return lines, reports


def activation_batch_size(project: Project) -> int:
    """The batch size activation memory is given for: the project's, or 1 for ``full``.

    A full batch is the whole training set, whose size is only known once the data is
    loaded; the summary then gives memory per sample.
    """
    value = str(project.training.get("batch_size", "1"))
    return int(value) if value.isdigit() else 1


def summary_json(project: Project, expand: bool = False) -> tuple[dict, dict[str, NetworkReport]]:
    """The summary as one JSON-ready object (the ``summary --json`` contract in DESIGN.md).

    Keys: ``total_params``, ``total_macs`` (one sample), ``param_bytes`` (float32),
    ``activation_bytes`` (what backward keeps at ``batch_size``, see `graph.cost`),
    ``batch_size`` and ``layers``: one object per table row with ``network``, ``name``,
    ``type``, ``output_shape`` (the table's text), ``params``, ``macs`` (null when
    unknown) and ``depth`` (> 0 inside a block, with ``expand``).

    Returns:
        The object and the validation report of each network (for its problems).
    """
    reports = validate_project(project)
    costs = project_cost(project, reports)
    batch_size = activation_batch_size(project)
    layers = []
    for name, network in project.networks.items():
        for row in network_rows(network, reports[name], expand):
            fields = asdict(row)
            layers.append(
                {
                    "network": name,
                    "name": fields["name"],
                    "type": fields["type"],
                    "output_shape": fields["shape"],
                    "params": fields["params"],
                    "macs": fields["macs"],
                    "depth": fields["depth"],
                }
            )
    total_params = sum(report.total_params for report in reports.values())
    summary = {
        "total_params": total_params,
        "total_macs": sum(cost.total_macs for cost in costs.values()),
        "param_bytes": sum(cost.param_bytes for cost in costs.values()),
        "activation_bytes": sum(cost.activation_bytes(batch_size) for cost in costs.values()),
        "batch_size": batch_size,
        "layers": layers,
    }
    return summary, reports
