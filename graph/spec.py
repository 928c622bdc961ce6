"""Layer specs: everything NetCanvas knows about one layer type, in one place.

A `LayerSpec` is data (typed parameters, named ports, an explanation) plus small
pure functions: a shape rule (`infer`), a parameter count, a cost (`count_macs`,
the multiply-accumulates of one sample), and the code template (`build` gives the
``nn`` constructor, `forward` the lines of ``forward``). Adding a layer type means
adding one spec and registering it; nothing else changes.

Shape rules receive ``inputs``: for each input port, the list of shapes connected to
it (one entry for ordinary ports, 2..N for ``Add``/``Concat``), and ``params``: the
checked parameter values. Code templates may receive `graph.params.Ref` values
inside a block definition; they must only format them (``render``), never compute
with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph.params import Param, Ref
from graph.shapes import Shape

Inputs = dict[str, list[Shape]]


@dataclass(frozen=True)
class Port:
    """A named input port; ``max_count`` None means any number of edges."""

    name: str
    doc: str = ""
    min_count: int = 1
    max_count: int | None = 1


@dataclass(frozen=True)
class ForwardContext:
    """What a code template needs to write the ``forward`` lines of one node.

    Attributes:
        module: the expression of the node's submodule (``self.conv1``), or "" if none.
        inputs: per input port, the variable names connected to it (in edge order).
        outputs: per output port, the variable to assign (``_`` when unused).
        params: parameter values (may hold `Ref`).
        shapes: per input port, the input shapes.
        out_shapes: per output port, the inferred output shape (for templates that
            must write a size, e.g. Reshape, without computing with a `Ref`).
    """

    module: str
    inputs: dict[str, list[str]]
    outputs: dict[str, str]
    params: dict[str, Any]
    shapes: Inputs
    out_shapes: dict[str, Any] = field(default_factory=dict)

    @property
    def x(self) -> str:
        """The variable of the first input (for single-input layers)."""
        first = next(iter(self.inputs.values()))
        return first[0]

    @property
    def out(self) -> str:
        return next(iter(self.outputs.values()))


def call_module(ctx: ForwardContext) -> list[str]:
    """The usual forward line: ``out = self.layer(x)``."""
    return [f"{ctx.out} = {ctx.module}({ctx.x})"]


def no_params(inputs: Inputs, params: dict[str, Any]) -> int:
    return 0


def no_macs(inputs: Inputs, params: dict[str, Any], out_shapes: dict[str, Shape]) -> int | None:
    """Mult-adds of layers that torchvision's tables do not count (activations, pooling, norms...)."""
    return 0


@dataclass(frozen=True)
class LayerSpec:
    type: str
    category: str
    doc: str
    infer: Callable[[Inputs, dict[str, Any]], Any]
    build: Callable[[Inputs, dict[str, Any]], str | None] | None
    params: tuple[Param, ...] = ()
    inputs: tuple[Port, ...] = (Port("x"),)
    outputs: tuple[str, ...] = ("out",)
    count_params: Callable[[Inputs, dict[str, Any]], int] = no_params
    # What the parameters left on auto (None) stand for: (input shapes, params) -> {name: value}.
    # The layer's shape rule, count and code template read the same values.
    auto: Callable[[Inputs, dict[str, Any]], dict[str, Any]] | None = None
    # Multiply-accumulates for ONE sample: (input shapes, params, output shapes) -> count,
    # None when a size is only known at run time. See graph/cost.py for the convention.
    count_macs: Callable[[Inputs, dict[str, Any], dict[str, Shape]], int | None] = no_macs
    # True when the output shares the input's memory (a view): it adds no activation memory.
    output_is_view: bool = False
    forward: Callable[[ForwardContext], list[str]] = call_module
    # What generated code must import to name what `build` constructs: (folder searched first or "", module, name).
    imports: Callable[[dict[str, Any]], tuple[tuple[str, str, str], ...]] | None = None
    face: tuple[str, ...] = ()
    icon: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def param(self, name: str) -> Param:
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def input_port(self, name: str) -> Port | None:
        for port in self.inputs:
            if port.name == name:
                return port
        return None

    def auto_values(self, inputs: Inputs, params: dict[str, Any]) -> dict[str, Any]:
        """The value each parameter left on auto stands for, given input shapes the shape rule accepted."""
        if self.auto is None:
            return {}
        return {name: value for name, value in self.auto(inputs, params).items() if params.get(name) is None}

    def infer_outputs(self, inputs: Inputs, params: dict[str, Any]) -> dict[str, Shape]:
        """Run the shape rule; a single returned shape is the only output's."""
        result = self.infer(inputs, params)
        if isinstance(result, dict):
            return result
        return {self.outputs[0]: tuple(result)}


def render(value: Any) -> str:
    """Python source for a parameter value in generated code (refs by name)."""
    if isinstance(value, Ref):
        return value.name
    if isinstance(value, tuple):
        if len(value) == 1:
            return f"({render(value[0])},)"
        return "(" + ", ".join(render(v) for v in value) + ")"
    if isinstance(value, float):
        return repr(value)
    return repr(value)


def kwargs(params: dict[str, Any], defaults: dict[str, Any], names: tuple[str, ...], rename: dict | None = None) -> str:
    """``, stride=2, padding=1`` for the params whose value differs from the default.

    Tuples whose elements are all equal are written as one int, as people write them.
    """
    parts = []
    for name in names:
        value = params[name]
        if not isinstance(value, Ref) and value == defaults.get(name, object()):
            continue
        if isinstance(value, tuple) and len(set(value)) == 1 and not isinstance(value[0], Ref):
            value = value[0]
        key = (rename or {}).get(name, name)
        parts.append(f"{key}={render(value)}")
    return "".join(", " + p for p in parts)


def squeeze(value: Any) -> Any:
    """A tuple of equal ints as one int (``(3, 3)`` -> ``3``), else unchanged."""
    if isinstance(value, tuple) and len(set(value)) == 1 and not isinstance(value[0], Ref):
        return value[0]
    return value
