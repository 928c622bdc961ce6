"""The registry of layer types: type name -> `LayerSpec`.

Layer modules in ``graph/layers`` call `register`; everything else asks `get_spec`.
"""

from __future__ import annotations

from graph.spec import LayerSpec

_SPECS: dict[str, LayerSpec] = {}

BLOCK_TYPE = "Block"


def register(spec: LayerSpec) -> LayerSpec:
    if spec.type in _SPECS:
        raise ValueError(f"layer type {spec.type!r} registered twice")
    _SPECS[spec.type] = spec
    return spec


def _load() -> None:
    if not _SPECS:
        import graph.layers  # noqa: F401  (registers every built-in spec)


def get_spec(type_name: str) -> LayerSpec | None:
    _load()
    return _SPECS.get(type_name)


def all_specs() -> list[LayerSpec]:
    _load()
    return list(_SPECS.values())


def categories() -> dict[str, list[LayerSpec]]:
    """Specs grouped by category, in registration order (the palette's order)."""
    groups: dict[str, list[LayerSpec]] = {}
    for spec in all_specs():
        groups.setdefault(spec.category, []).append(spec)
    return groups
