"""What every preset shares: the `Preset` record, its error, and small builders.

A preset is a function from checked options to a finished `Project`: networks
wired with the builder shortcuts (`Network.add`, `chain`), training settings that
work on built-in data, and positions from `graph.layout.auto_layout`. This module
holds the pieces the family modules (``mlp``, ``lenet`` ...) have in common.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.layout import apply_layout
from graph.network import Network, Node
from graph.params import Param, ParamError, Ref
from graph.project import Project
from graph.training_config import coerce_training_config

MAX_CLASSES = 100_000
MAX_CHANNELS = 4096
MAX_IMAGE_SIZE = 4096


class PresetError(ParamError):
    """An unknown preset or option, or an option value that cannot be used."""


@dataclass(frozen=True)
class Preset:
    """One architecture in the gallery.

    Attributes:
        name: the identifier used by ``--preset`` and in project files.
        title: a short display name ("ResNet").
        description: one or two sentences for the gallery.
        category: gallery section ("Dense", "Convolutional", "Recurrent", "Generative").
        options: the typed options `build` accepts; their defaults train on built-in data.
        build: checked options (every option present) -> a new `Project`.
    """

    name: str
    title: str
    description: str
    category: str
    options: tuple[Param, ...]
    build: Callable[[dict[str, Any]], Project]

    def option(self, name: str) -> Param | None:
        for param in self.options:
            if param.name == name:
                return param
        return None

    def defaults(self) -> dict[str, Any]:
        return {param.name: param.default for param in self.options}

    def coerce_options(self, options: dict[Any, Any] | None) -> dict[str, Any]:
        """Every option checked, defaults filled in; raises `PresetError` naming the option."""
        values = self.defaults()
        for key, raw in (options or {}).items():
            param = self.option(key) if isinstance(key, str) else None
            if param is None:
                known = ", ".join(p.name for p in self.options)
                raise PresetError(f"preset '{self.name}' has no option {_short(key)} (options: {known})")
            try:
                value = param.coerce(raw)
            except ParamError as error:
                raise PresetError(str(error)) from None
            if isinstance(value, Ref):
                # "$name" only means something inside a block definition.
                raise PresetError(f"{param.name} must be a value, not a reference; got {_short(raw)}")
            values[param.name] = value
        return values


def image_options(image_size: int = 32, min_size: int = 1) -> tuple[Param, ...]:
    """The options every image classifier takes: channels, square size and classes."""
    return (
        Param(
            "in_channels",
            "int",
            1,
            "Colour channels of the input images (1: grayscale, 3: RGB).",
            minimum=1,
            maximum=MAX_CHANNELS,
        ),
        Param(
            "image_size",
            "int",
            image_size,
            "Height and width of the input images; the data loader resizes to it.",
            minimum=min_size,
            maximum=MAX_IMAGE_SIZE,
        ),
        Param("num_classes", "int", 10, "Number of classes to tell apart.", minimum=1, maximum=MAX_CLASSES),
    )


def classifier_training(**overrides: Any) -> dict[str, Any]:
    """Training settings for an image or feature classifier on the digits data."""
    values = {
        "dataset": "digits",
        "task": "classification",
        "loss": "cross_entropy",
        "optimizer": "adam",
        "lr": 1e-3,
        "batch_size": "64",
        "epochs": 10,
    }
    values.update(overrides)
    return coerce_training_config(values)


def training(**values: Any) -> dict[str, Any]:
    """A full training configuration: the given settings checked, the rest defaults."""
    return coerce_training_config(values)


def new_project(name: str, description: str, preset: str, training_config: dict[str, Any]) -> Project:
    """An empty project carrying a preset's name, description and training settings.

    Builders add blocks and networks to it (so block instances find their
    definitions) and end with `finish`.
    """
    project = Project(networks={}, blocks={}, training=training_config, layout={})
    project.name = name
    project.description = description
    project.preset = preset
    return project


def finish(project: Project) -> Project:
    """Lay out every network and block body top down (`graph.layout`); returns `project`."""
    for definition in project.blocks.values():
        apply_layout(definition.body)
    for network in project.networks.values():
        apply_layout(network)
    return project


def sequential(network: Network, first: Node, *layers: tuple[str, str, dict[str, Any]]) -> Node:
    """Add `layers` (type, name, params) after `first` as a chain; returns the last node."""
    previous = first
    for type_name, name, params in layers:
        node = network.add(type_name, name=name, **params)
        network.wire(previous, node)
        previous = node
    return previous


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
