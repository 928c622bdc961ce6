"""Typed model events: what changed in a network or a project, one small frozen class per kind.

After every change the model calls each subscribed listener with one event object:
a `graph.network.Network` sends `NetworkEvent`s, a `graph.project.Project` sends
`ProjectEvent`s. Listeners dispatch on the event's type (``match event: case
NodeAdded(node=node): ...``), never on a string. An event describes a change that
has already happened: it carries the objects involved as they are now and, for a
changed value, the old one, so no listener has to ask what was there before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graph.network import Edge, Node
    from graph.project import BlockDefinition


@dataclass(frozen=True, slots=True)
class NodeAdded:
    node: Node


@dataclass(frozen=True, slots=True)
class NodeRemoved:
    node: Node


@dataclass(frozen=True, slots=True)
class EdgeAdded:
    edge: Edge


@dataclass(frozen=True, slots=True)
class EdgeRemoved:
    edge: Edge


@dataclass(frozen=True, slots=True)
class ParamChanged:
    node: Node
    name: str
    old: Any
    value: Any


@dataclass(frozen=True, slots=True)
class NodeMoved:
    node: Node
    old: tuple[float, float]


@dataclass(frozen=True, slots=True)
class NodeRenamed:
    node: Node
    old: str


@dataclass(frozen=True, slots=True)
class TrainingChanged:
    name: str
    old: Any
    value: Any


@dataclass(frozen=True, slots=True)
class BlockAdded:
    definition: BlockDefinition


@dataclass(frozen=True, slots=True)
class BlockRemoved:
    definition: BlockDefinition


NetworkEvent = NodeAdded | NodeRemoved | EdgeAdded | EdgeRemoved | ParamChanged | NodeMoved | NodeRenamed
ProjectEvent = TrainingChanged | BlockAdded | BlockRemoved
NetworkListener = Callable[[NetworkEvent], None]
ProjectListener = Callable[[ProjectEvent], None]
