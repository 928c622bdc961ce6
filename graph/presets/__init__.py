"""Preset architectures: one click (or ``--preset NAME``) to a network that trains.

`PRESETS` maps a preset name to its `Preset` (title, description, typed options and
builder). `build_preset` checks the options — strings from ``--set K=V`` included —
and returns a new `Project` whose training settings work on built-in data. Every
mistake is a `PresetError` (a `graph.params.ParamError`) naming the preset or option.
"""

from __future__ import annotations

from typing import Any

from graph.presets import alexnet, generative, lenet, mlp, recurrent, resnet, vgg
from graph.presets.base import Preset, PresetError
from graph.project import Project
from graph.validation import validate_project

__all__ = ["PRESETS", "Preset", "PresetError", "build_preset", "list_presets"]

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        mlp.PRESET,
        lenet.PRESET,
        alexnet.PRESET,
        vgg.PRESET,
        resnet.PRESET,
        *recurrent.PRESETS,
        *generative.PRESETS,
    )
}


def list_presets() -> list[Preset]:
    """Every preset, in gallery order."""
    return list(PRESETS.values())


def build_preset(name: str, options: dict[str, Any] | None = None) -> Project:
    """A new project from preset `name` with `options` (typed values or strings).

    Raises:
        PresetError: unknown preset or option, a bad value, or options that together
            give a network that does not check out (e.g. images too small for it).
    """
    preset = PRESETS.get(name) if isinstance(name, str) else None
    if preset is None:
        raise PresetError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    values = preset.coerce_options(options)
    project = preset.build(values)
    for report in validate_project(project).values():
        if report.errors:
            chosen = ", ".join(f"{key}={value}" for key, value in (options or {}).items())
            raise PresetError(f"{name} with {chosen or 'its defaults'} does not work: {report.errors[0].message}")
    return project
