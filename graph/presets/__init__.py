"""Preset architectures: one click (or ``--preset NAME``) to a network that trains.

`PRESETS` maps a preset name to its `Preset` (title, description, typed options and
builder). `build_preset` checks the options — strings from ``--set K=V`` included —
and returns a new `Project` whose training settings work on built-in data. Every
mistake is a `PresetError` (a `graph.params.ParamError`) naming the preset or option.
`split_settings` is the one place that tells a preset's options from training
settings in a ``--set`` list (``netcanvas new`` and ``netcanvas gui`` both use it).
"""

from __future__ import annotations

from typing import Any

from graph.presets import alexnet, generative, lenet, mlp, recurrent, resnet, vgg
from graph.presets.base import Preset, PresetError
from graph.project import Project
from graph.training_config import TRAINING_PARAM_BY_NAME
from graph.validation import validate_project

__all__ = [
    "PRESETS",
    "Preset",
    "PresetError",
    "build_preset",
    "build_preset_with_settings",
    "list_presets",
    "split_settings",
]

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


def split_settings(name: str | None, settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``--set`` values split into preset `name`'s options and training settings.

    A name that is both is the preset's option. With `name` None (a project file, no
    preset) every setting must be a training setting.

    Raises:
        PresetError: an unknown preset, or a setting that is neither.
    """
    option_names: set[str] = set()
    if name is not None:
        preset = PRESETS.get(name)
        if preset is None:
            raise PresetError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
        option_names = {p.name for p in preset.options}
    options = {k: v for k, v in settings.items() if k in option_names}
    training = {k: v for k, v in settings.items() if k not in option_names}
    for key in training:
        if key not in TRAINING_PARAM_BY_NAME:
            if name is None:
                raise PresetError(f"unknown setting {key!r}: not a training setting")
            known = ", ".join(sorted(option_names)) or "none"
            raise PresetError(
                f"unknown setting {key!r}: not an option of preset {name} ({known}) nor a training setting"
            )
    return options, training


def build_preset_with_settings(name: str, settings: dict[str, Any]) -> Project:
    """Preset `name` built with the options among `settings`, the rest set as training settings.

    Raises:
        graph.params.ParamError: an unknown preset or setting, or a bad value (`PresetError` is one).
    """
    options, training = split_settings(name, settings)
    project = build_preset(name, options)
    for key, value in training.items():
        project.set_training(key, value)
    return project
