"""What every check works on: a training session set up for a project, and where its nodes are.

`CheckContext` wraps a `TrainingSession` (data, model, loss and optimizer exactly as
training would set them up) with the network's validation report, so checks can
name and pin nodes: by module name (the generated module's attributes are node
names; ``block.layer`` is a layer inside a block, pinned on the block node), and by
role (the node that feeds the Output, the layer that sets the Output's width).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from backend.diagnostics.findings import Finding
from backend.training import TrainingSession
from graph.network import Network, Node
from graph.registry import get_spec
from graph.validation import NetworkReport, validate_project

SUPERVISED_TASKS = ("classification", "regression", "sequence")


@dataclass
class CheckContext:
    """A session and the drawing behind it.

    Attributes:
        session: the training session (its models are modified by checks that train).
        network: the main network (the one the data feeds; the discriminator of a GAN).
        report: its validation report.
        initial: the models' and optimizers' states as set up (see `restore`).
    """

    session: TrainingSession
    network: Network
    report: NetworkReport
    initial: dict = field(default_factory=dict)

    @classmethod
    def of(cls, session: TrainingSession) -> CheckContext:
        name = getattr(session.recipe, "name", None) or next(iter(session.models))
        if session.task == "gan":
            name = "discriminator"
        elif session.task == "vae":
            name = "decoder"
        network = session.project.networks[name]
        initial = {
            "models": {key: copy.deepcopy(model.state_dict()) for key, model in session.models.items()},
            "optimizers": [copy.deepcopy(optimizer.state_dict()) for optimizer in session.recipe.optimizers],
        }
        return cls(session, network, validate_project(session.project)[name], initial)

    def restore(self) -> None:
        """Put the models and optimizers back as they were set up, so a check starts from initialisation."""
        for key, model in self.session.models.items():
            model.load_state_dict(self.initial["models"][key])
        for optimizer, state in zip(self.session.recipe.optimizers, self.initial["optimizers"], strict=True):
            optimizer.load_state_dict(state)

    @property
    def supervised(self) -> bool:
        return self.session.task in SUPERVISED_TASKS

    def finding(self, severity: str, check: str, node: Node | None, message: str) -> Finding:
        return Finding(severity, check, self.network.name, node.id if node else "", node.name if node else "", message)

    def node_of_module(self, module_name: str) -> tuple[Node | None, str]:
        """The node a module belongs to and, for a layer inside a block, that layer's name ("" otherwise)."""
        outer, _, inner = module_name.partition(".")
        return self.network.node_by_name(outer), inner

    def output_feeder(self) -> Node | None:
        return output_feeder(self.network)

    def width_layer(self) -> Node | None:
        return width_layer(self.network, self.report)

    def feeder_before_views(self) -> Node | None:
        return feeder_before_views(self.network)


def output_feeder(network: Network) -> Node | None:
    """The node connected to the network's first Output (what the loss reads)."""
    for output in network.output_nodes():
        edges = network.edges_into(output.id)
        if edges:
            return network.nodes[edges[0].src]
    return None


def width_layer(network: Network, report: NetworkReport) -> Node | None:
    """The layer that decides the Output's width: back from the Output past parameter-free layers."""
    node = output_feeder(network)
    while node is not None and report.nodes[node.id].param_count == 0:
        edges = network.edges_into(node.id)
        if len(edges) != 1:
            break
        node = network.nodes[edges[0].src]
    return node or output_feeder(network)


def feeder_before_views(network: Network) -> Node | None:
    """The Output's feeder, looking through layers that only reshape (Flatten, Reshape, Identity...)."""
    node = output_feeder(network)
    while node is not None:
        spec = get_spec(node.type)
        edges = network.edges_into(node.id)
        if spec is None or not spec.output_is_view or len(edges) != 1:
            return node
        node = network.nodes[edges[0].src]
    return node
