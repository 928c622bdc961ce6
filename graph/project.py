"""A project: named networks, shared block definitions, training settings, layout.

A GAN project holds two networks (``generator``, ``discriminator``); most hold one.
Block definitions live at project level so every network can use them; a block
instance is a node of type ``Block`` whose ``block`` parameter names its definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.network import Network
from graph.params import Param
from graph.training_config import default_training_config


@dataclass
class BlockDefinition:
    """A reusable sub-network with its own parameters and ports.

    Its body's ``Input`` nodes are the block's input ports and its ``Output`` nodes
    its output ports (both by node name, in insertion order). Layers inside may
    refer to the block's parameters with ``"$name"`` values.
    """

    name: str
    body: Network
    params: tuple[Param, ...] = ()
    doc: str = ""

    def input_names(self) -> list[str]:
        return [n.name for n in self.body.input_nodes()]

    def output_names(self) -> list[str]:
        return [n.name for n in self.body.output_nodes()]


@dataclass
class Project:
    networks: dict[str, Network] = field(default_factory=dict)
    blocks: dict[str, BlockDefinition] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=default_training_config)
    layout: dict[str, Any] = field(default_factory=dict)
    name: str = "untitled"
    description: str = ""
    preset: str = ""

    def add_network(self, network: Network) -> Network:
        if network.name in self.networks:
            raise ValueError(f"a network named {network.name!r} already exists")
        network.blocks = self.blocks
        self.networks[network.name] = network
        return network

    def add_block(self, definition: BlockDefinition) -> BlockDefinition:
        definition.body.blocks = self.blocks
        self.blocks[definition.name] = definition
        return definition

    def __post_init__(self) -> None:
        for network in self.networks.values():
            network.blocks = self.blocks
        for definition in self.blocks.values():
            definition.body.blocks = self.blocks

    @property
    def main(self) -> Network:
        """The first network (the one a single-network project is about)."""
        return next(iter(self.networks.values()))
