"""Sub-modules of one class as block definitions, one per class and structure, with parameters.

Every sub-module of the user's classes was converted on its own into an `Instance`
(its class, constructor arguments and body). Instances whose bodies have the same
nodes and connections share one definition, innermost first (a block's structure
includes which definitions its own blocks use). Where the instances' settings differ
(``BasicBlock(64)``, ``BasicBlock(128)``), a setting becomes a ``$`` reference to the
constructor argument that equals it in every instance (one of the same name first), so
generated code again has one class taking that argument. A setting equal in every
instance stays a constant: an argument that happens to equal it proves nothing. When
no argument explains a difference (``out_channels = 4 * width``), the instances are
split by that setting and each group gets its own definition (``Bottleneck``,
``Bottleneck2``).
"""

from __future__ import annotations

import dataclasses
import keyword
from collections import defaultdict
from typing import Any

from torch import nn

from backend.importers.common import Body, Definition, IRNode
from graph.params import Param
from graph.registry import BLOCK_TYPE

Position = tuple[str, str]  # (node name, parameter)
_FIXED_TYPES = ("Input", "Output", "Module")  # their settings are part of the structure, never references
_RESERVED = {"self", "nn", "torch", "F", "training"}


def define_blocks(root: Body) -> list[Definition]:
    """Group every block instance under `root` into definitions and set each Block node's parameters.

    Returns the definitions, inner ones first (the order they must be created in).
    """
    heights: dict[int, int] = {}
    nodes_by_height: dict[int, list[IRNode]] = defaultdict(list)
    for node in _block_nodes(root):
        nodes_by_height[_height(node, heights)].append(node)
    definitions: list[Definition] = []
    taken: set[str] = set()
    for height in sorted(nodes_by_height):
        groups: dict[tuple, list[IRNode]] = defaultdict(list)
        for node in nodes_by_height[height]:
            groups[(node.instance.class_key, _structure(node.instance.body))].append(node)
        for members in groups.values():
            for subgroup, assignment in _parametrize(members):
                definitions.append(_define(subgroup, assignment, taken))
    return definitions


def _block_nodes(body: Body) -> list[IRNode]:
    found = []
    for node in body.nodes:
        if node.type == BLOCK_TYPE:
            found += _block_nodes(node.instance.body)
            found.append(node)
    return found


def _height(node: IRNode, heights: dict[int, int]) -> int:
    if id(node) not in heights:
        inner = [_height(n, heights) + 1 for n in node.instance.body.nodes if n.type == BLOCK_TYPE]
        heights[id(node)] = max(inner, default=0)
    return heights[id(node)]


def _structure(body: Body) -> tuple:
    """What must be equal for two bodies to share a definition: everything but the settings that may differ."""
    parts = []
    for node in body.nodes:
        fixed: Any = ()
        if node.type in _FIXED_TYPES:
            fixed = tuple(sorted((k, repr(v)) for k, v in node.params.items() if (node.type, k) != ("Input", "shape")))
        links = tuple((link.port, link.source, link.source_port) for link in node.links)
        parts.append((node.name, node.type, node.params.get("block"), tuple(sorted(node.params)), links, fixed))
    return tuple(parts)


def _positions(body: Body) -> dict[Position, Any]:
    return {
        (node.name, key): value
        for node in body.nodes
        if node.type not in _FIXED_TYPES
        for key, value in node.params.items()
        if key != "block"
    }


def _matches(value: Any, argument: Any) -> bool:
    """Whether a setting equals a constructor argument (``(2, 2)`` equals ``2``; booleans only booleans)."""
    if isinstance(argument, bool) or isinstance(value, bool):
        return type(argument) is bool and type(value) is bool and argument == value
    if isinstance(argument, (int, float)):
        if isinstance(value, tuple):
            return bool(value) and all(type(v) is int and v == argument for v in value)
        return isinstance(value, (int, float)) and value == argument
    return isinstance(argument, str) and isinstance(value, str) and value == argument


def _usable_arguments(members: list[IRNode]) -> list[str]:
    """Constructor arguments every instance has as a plain number, flag or text, and that can name a parameter."""
    first = members[0].instance
    names = {n.name for n in first.body.nodes}
    usable = []
    for name, value in first.arguments.items():
        kinds = {type(m.instance.arguments.get(name)) for m in members}
        plain = len(kinds) == 1 and kinds.pop() in (int, float, bool, str) and isinstance(value, (int, float, str))
        clash = name in _RESERVED or name in names or keyword.iskeyword(name) or hasattr(nn.Module, name)
        if plain and not clash and name.isidentifier() and not name.startswith("_"):
            usable.append(name)
    return usable


def _parametrize(members: list[IRNode]) -> list[tuple[list[IRNode], dict[Position, str]]]:
    """Groups of instances that can share a definition, each with its settings tied to arguments."""
    values = [_positions(m.instance.body) for m in members]
    arguments = [m.instance.arguments for m in members]
    names = _usable_arguments(members)
    assignment: dict[Position, str] = {}
    unexplained: list[Position] = []
    for position in values[0]:
        column = [v[position] for v in values]
        varies = any(repr(c) != repr(column[0]) for c in column)
        fitting = [a for a in names if all(_matches(c, args[a]) for c, args in zip(column, arguments, strict=True))]
        if varies and fitting:
            same_name = [a for a in fitting if a == position[1]]
            assignment[position] = (same_name or fitting)[0]
        elif varies:
            unexplained.append(position)
    if not unexplained:
        return [(members, assignment)]
    split: dict[str, list[IRNode]] = defaultdict(list)
    for member, value in zip(members, values, strict=True):
        split[repr([value[p] for p in unexplained])].append(member)
    return [group for subgroup in split.values() for group in _parametrize(subgroup)]


def _define(members: list[IRNode], assignment: dict[Position, str], taken: set[str]) -> Definition:
    first = members[0].instance
    name, index = first.class_name, 2
    while name in taken:
        name, index = f"{first.class_name}{index}", index + 1
    taken.add(name)
    used = [a for a in first.arguments if a in set(assignment.values())]
    params = tuple(_param(a, first.arguments[a], first.defaults.get(a), first.class_name) for a in used)
    nodes = []
    for node in first.body.nodes:
        refs = {key: f"${assignment[(node.name, key)]}" for key in node.params if (node.name, key) in assignment}
        nodes.append(dataclasses.replace(node, params={**node.params, **refs}, state={}, instance=None))
    for member in members:
        member.params = {"block": name, **{a: member.instance.arguments[a] for a in used}}
    doc = first.doc or f"{first.class_name}, imported from {first.class_key}."
    return Definition(name, params, doc, Body(name, nodes))


def _param(name: str, value: Any, default: Any, class_name: str) -> Param:
    kind = {bool: "bool", int: "int", float: "float", str: "str"}[type(value)]
    usable_default = default if type(default) is type(value) else value
    return Param(name, kind, usable_default, f"The {name} argument of {class_name}.")
