"""A project: named networks, shared block definitions, training settings, layout.

A GAN project holds two networks (``generator``, ``discriminator``); most hold one.
Block definitions live at project level so every network can use them; a block
instance is a node of type ``Block`` whose ``block`` parameter names its definition.

After loading or building, the project changes only through its methods
(`set_training`, `add_block`, `remove_block`) and its networks' methods; each
tells the project's listeners with one `graph.events` event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.events import BlockAdded, BlockRemoved, ProjectEvent, ProjectListener, TrainingChanged
from graph.network import Network
from graph.params import Param
from graph.training_config import coerce_training_value, default_training_config


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
    _listeners: list[ProjectListener] = field(default_factory=list, init=False, repr=False, compare=False)

    # -- listeners -----------------------------------------------------------------
    def subscribe(self, listener: ProjectListener) -> None:
        """Call `listener` with one `graph.events` event after every change of the project itself."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: ProjectListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: ProjectEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- changes ---------------------------------------------------------------------
    def set_training(self, name: str, value: Any) -> Any:
        """Change one training setting; returns its old value (to undo with).

        Raises:
            graph.params.ParamError: an unknown setting or a value it refuses (nothing changes).
        """
        value = coerce_training_value(name, value)
        old = self.training.get(name)
        self.training[name] = value
        self._emit(TrainingChanged(name, old, value))
        return old

    def add_network(self, network: Network) -> Network:
        if network.name in self.networks:
            raise ValueError(f"a network named {network.name!r} already exists")
        network.blocks = self.blocks
        self.networks[network.name] = network
        return network

    def add_block(self, definition: BlockDefinition) -> BlockDefinition:
        if definition.name in self.blocks:
            raise ValueError(f"a block named {definition.name!r} already exists")
        definition.body.blocks = self.blocks
        self.blocks[definition.name] = definition
        self._emit(BlockAdded(definition))
        return definition

    def remove_block(self, name: str) -> BlockDefinition:
        """Drop a block definition (undo of a grouping); returns it."""
        definition = self.blocks.pop(name)
        self._emit(BlockRemoved(definition))
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
