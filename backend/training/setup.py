"""Turning a project and its settings into what the engine needs, with one-line errors.

Decides the task (``auto``: a VAE or GAN by its network names, else from the data
set), finds the network whose Input the data must fit, and reads the Outputs'
names and shapes from validation. Nothing here trains or touches the device.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.data import NetworkFacts
from graph.network import Network
from graph.params import ParamError
from graph.project import Project
from graph.training_config import coerce_training_config, coerce_training_value
from graph.validation import NetworkReport, validate_project

VAE_NETWORKS = ("encoder", "decoder")
GAN_NETWORKS = ("generator", "discriminator")


class TrainingSetupError(ValueError):
    """A training setup that cannot run: bad settings, data, loss, device or network. One line."""


@dataclass
class NetworkInfo:
    """A validated network: its report and its Outputs in the order forward returns them."""

    network: Network
    report: NetworkReport
    outputs: list[str]
    output_shapes: dict[str, tuple | None]


def resolve_config(training: dict, overrides: dict | None) -> dict:
    """The project's training settings with `overrides` applied, every value checked."""
    try:
        config = coerce_training_config(dict(training))
        for name, value in (overrides or {}).items():
            config[name] = coerce_training_value(name, value)
    except ParamError as error:
        raise TrainingSetupError(str(error)) from None
    return config


def structural_task(project: Project) -> str | None:
    """``vae`` or ``gan`` when the project's networks follow those conventions, else None."""
    names = set(project.networks)
    if set(VAE_NETWORKS) <= names:
        return "vae"
    if set(GAN_NETWORKS) <= names:
        return "gan"
    return None


def check_networks(project: Project) -> dict[str, NetworkInfo]:
    """Validate every network; raise `TrainingSetupError` with the first error (and how many more)."""
    if not project.networks:
        raise TrainingSetupError("the project has no network to train")
    infos = {}
    reports = validate_project(project)
    errors = [problem for report in reports.values() for problem in report.errors]
    if errors:
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise TrainingSetupError(f"the network has errors, fix them first: {errors[0].line()}{more}")
    for name, network in project.networks.items():
        report = reports[name]
        outputs = [n.name for n in network.output_nodes() if network.edges_into(n.id)]
        if not outputs:
            raise TrainingSetupError(f"network '{name}' has no connected Output")
        shapes = report.output_shapes(network)
        infos[name] = NetworkInfo(network, report, outputs, {k: _tuple(v) for k, v in shapes.items()})
    return infos


def _tuple(shape) -> tuple | None:
    return None if shape is None else tuple(shape)


def network_facts(info: NetworkInfo, output_shape: tuple | None = None) -> NetworkFacts:
    """Input/Output facts of a network with exactly one Input."""
    network = info.network
    inputs = [n for n in network.input_nodes() if n.id in info.report.live]
    if len(inputs) != 1:
        raise TrainingSetupError(
            f"network '{network.name}' has {len(inputs)} connected Inputs; training feeds exactly one"
        )
    node = inputs[0]
    vocabs = [
        network.nodes[e.dst].params.get("num_embeddings")
        for e in network.edges_from(node.id)
        if network.nodes[e.dst].type == "Embedding"
    ]
    vocabs = [v for v in vocabs if isinstance(v, int)]
    if output_shape is None:
        output_shape = info.output_shapes.get(info.outputs[0])
    return NetworkFacts(
        input_name=node.name,
        input_shape=tuple(node.params["shape"]),
        input_dtype=node.params.get("dtype", "float32"),
        output_shape=output_shape,
        vocab=min(vocabs) if vocabs else 0,
    )


def require_outputs(info: NetworkInfo, names: tuple[str, ...], role: str) -> None:
    missing = [n for n in names if n not in info.outputs]
    if missing:
        raise TrainingSetupError(
            f"the {role} network '{info.network.name}' needs Outputs named {', '.join(names)}; "
            f"missing: {', '.join(missing)} (has: {', '.join(info.outputs)})"
        )
