"""Function and method calls in a traced ``forward`` as NetCanvas layers.

`map_call` turns one ``call_function``/``call_method`` node of a torch.fx graph into a
`Mapped` layer (type, checked params and which argument feeds which port) or an
`Alias` (``x.contiguous()`` is ``x`` as far as a drawing goes). Shapes come from the
values seen while the model ran (full shapes, batch first): a ``view``/``reshape``
becomes Flatten or Reshape by what it produced, and one that mixes the batch into a
sample is refused. A few idioms span several calls and are recognised whole:
``mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)`` (Reparameterize) and
``x.unsqueeze(1).repeat(1, T, 1)`` (RepeatVector). Anything else raises `Unmappable`
naming the call.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx

from backend.importers.common import Unmappable, checked_params, multiplies
from backend.importers.fx_layers import pool_params, upsample_params

Shape = tuple[int, ...]
ShapeOf = Callable[[Any], Shape | None]
_MISSING = object()


@dataclass
class Mapped:
    """A layer for a call: its type, checked params and ``(port, fx node)`` per tensor input."""

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    inputs: list[tuple[str, fx.Node]] = field(default_factory=list)


@dataclass
class Alias:
    """A call that hands back the same values (``contiguous``, ``clone``)."""

    source: fx.Node


def call_name(node: fx.Node) -> str:
    """``torch.cat``, ``F.relu``, ``x.view``, ``+``: how the call reads in the user's code."""
    if node.op == "call_method":
        return f"x.{node.target}"
    target = node.target
    symbol = {operator.add: "+", operator.mul: "*", operator.sub: "-", operator.truediv: "/", operator.getitem: "[]"}
    if target in symbol:
        return symbol[target]
    module = getattr(target, "__module__", "") or ""
    name = getattr(target, "__name__", str(target))
    if module.startswith("torch.nn.functional"):
        return f"F.{name}"
    return f"torch.{name}" if module.startswith("torch") else name


def argument(node: fx.Node, index: int, name: str, default: Any = _MISSING) -> Any:
    """A call's argument by position or keyword (the method's ``self`` is position 0)."""
    if index < len(node.args):
        return node.args[index]
    if name in node.kwargs:
        return node.kwargs[name]
    if default is _MISSING:
        raise Unmappable(f"{call_name(node)} without its {name} argument")
    return default


def _is(node: Any, functions: tuple, methods: tuple = ()) -> bool:
    if not isinstance(node, fx.Node):
        return False
    if node.op == "call_function":
        return node.target in functions
    return node.op == "call_method" and node.target in methods


def _tensor(value: Any, shape_of: ShapeOf, node: fx.Node) -> fx.Node:
    if not isinstance(value, fx.Node) or shape_of(value) is None:
        raise Unmappable(f"{call_name(node)} on something other than a tensor ({value!r:.40})")
    return value


def _layer(type_name: str, values: dict, *inputs: tuple[str, fx.Node]) -> Mapped:
    return Mapped(type_name, checked_params(type_name, values), list(inputs))


# -- one handler per kind of call ----------------------------------------------------------------------
ACTIVATIONS = {
    "ReLU": ((torch.relu, torch.relu_, F.relu), ("relu", "relu_")),
    "Sigmoid": ((torch.sigmoid, F.sigmoid), ("sigmoid",)),
    "Tanh": ((torch.tanh, F.tanh), ("tanh",)),
}


def _activation(type_name: str) -> Callable:
    def handle(node: fx.Node, shape_of: ShapeOf) -> Mapped:
        return _layer(type_name, {}, ("x", _tensor(node.args[0], shape_of, node)))

    return handle


def _gelu(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    if argument(node, 1, "approximate", "none") != "none":
        raise Unmappable("F.gelu with approximate='tanh' has no NetCanvas layer")
    return _layer("GELU", {}, ("x", _tensor(node.args[0], shape_of, node)))


def _leaky_relu(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    slope = argument(node, 1, "negative_slope", 0.01)
    return _layer("LeakyReLU", {"negative_slope": slope}, ("x", _tensor(node.args[0], shape_of, node)))


def _softmax(type_name: str) -> Callable:
    def handle(node: fx.Node, shape_of: ShapeOf) -> Mapped:
        dim = argument(node, 1, "dim", None)
        if not isinstance(dim, int):
            raise Unmappable(f"{call_name(node)} without a whole-number dim")
        return _layer(type_name, {"dim": dim}, ("x", _tensor(node.args[0], shape_of, node)))

    return handle


def _dropout(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    p = argument(node, 1, "p", 0.5)
    return _layer("Dropout", {"p": p}, ("x", _tensor(node.args[0], shape_of, node)))


def reshape_layer(source: fx.Node, node: fx.Node, shape_of: ShapeOf) -> Mapped:
    """Flatten or Reshape for a call that changed `source`'s shape into this node's, batch kept."""
    before, after = shape_of(source), shape_of(node)
    if after is None or before is None or not after or after[0] != before[0]:
        raise Unmappable(f"{call_name(node)} mixes the batch into the samples ({before} -> {after})")
    if len(after) == 2 and len(before) >= 2:
        return _layer("Flatten", {}, ("x", source))
    return _layer("Reshape", {"shape": after[1:]}, ("x", source))


def _reshape(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    return reshape_layer(_tensor(node.args[0], shape_of, node), node, shape_of)


def _add_or_multiply(type_name: str) -> Callable:
    def handle(node: fx.Node, shape_of: ShapeOf) -> Mapped:
        a, b = argument(node, 0, "input"), argument(node, 1, "other")
        if type_name == "Add":
            if argument(node, 2, "alpha", 1) != 1:
                raise Unmappable("torch.add with alpha has no NetCanvas layer")
            pair = reparameterize_inputs(a, b) or reparameterize_inputs(b, a)
            if pair is not None:
                return _layer("Reparameterize", {}, ("mu", pair[0]), ("logvar", pair[1]))
        for value in (a, b):
            if not isinstance(value, fx.Node) or shape_of(value) is None:
                raise Unmappable(f"{call_name(node)} with a constant ({value!r:.40}) has no NetCanvas layer")
        if shape_of(a) != shape_of(b) and not (type_name == "Multiply" and multiplies([shape_of(a), shape_of(b)])):
            raise Unmappable(f"{call_name(node)} broadcasts {shape_of(a)} with {shape_of(b)}")
        return _layer(type_name, {}, ("x", a), ("x", b))

    return handle


_MUL = ((operator.mul, torch.mul), ("mul",))
_EXP = ((torch.exp,), ("exp",))


def reparameterize_inputs(mu: Any, noise: Any) -> tuple[fx.Node, fx.Node] | None:
    """``(mu, logvar)`` when ``mu + noise`` is ``mu + exp(0.5 * logvar) * randn_like(...)``."""
    if not isinstance(mu, fx.Node) or not _is(noise, *_MUL) or len(noise.args) != 2:
        return None
    for std, eps in (noise.args, reversed(noise.args)):
        if _is(eps, (torch.randn_like,)) and _is(std, *_EXP) and _is(std.args[0], *_MUL):
            factors = list(std.args[0].args)
            for half, logvar in (factors, reversed(factors)):
                if half == 0.5 and isinstance(logvar, fx.Node):
                    return mu, logvar
    return None


def _concat(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    tensors = argument(node, 0, "tensors")
    dim = argument(node, 1, "dim", 0)
    if not isinstance(tensors, (list, tuple)) or len(tensors) < 2:
        raise Unmappable("torch.cat of fewer than two tensors has no NetCanvas layer")
    if dim == 0:
        raise Unmappable("torch.cat along dim 0 joins batches, which a drawing cannot show")
    inputs = [("x", _tensor(t, shape_of, node)) for t in tensors]
    return _layer("Concat", {"dim": dim}, *inputs)


def _reduce(type_name: str) -> Callable:
    def handle(node: fx.Node, shape_of: ShapeOf) -> Mapped:
        source = _tensor(node.args[0], shape_of, node)
        rank = len(shape_of(source))
        dims = argument(node, 1, "dim", None)
        dims = {d % rank for d in (dims if isinstance(dims, (tuple, list)) else [dims])} if dims is not None else None
        if argument(node, 2, "keepdim", False) or dims != set(range(2, rank)) or rank not in (3, 4):
            raise Unmappable(f"{call_name(node)} over dims other than the spatial ones has no NetCanvas layer")
        return _layer(type_name, {}, ("x", source))

    return handle


def _adaptive(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    size = argument(node, 1, "output_size")
    size = tuple(size) if isinstance(size, (tuple, list)) else (size, size)
    return _layer("AdaptiveAvgPool2d", {"output_size": size}, ("x", _tensor(node.args[0], shape_of, node)))


def _max_pool(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    dilation = argument(node, 4, "dilation", 1)
    if dilation not in (1, (1, 1), [1, 1]):
        raise Unmappable("F.max_pool2d with dilation has no NetCanvas layer")
    if argument(node, 6, "return_indices", False):
        raise Unmappable("F.max_pool2d with return_indices has no NetCanvas layer")
    kernel, stride = argument(node, 1, "kernel_size"), argument(node, 2, "stride", None)
    values = pool_params(kernel, stride, argument(node, 3, "padding", 0), argument(node, 5, "ceil_mode", False))
    return _layer("MaxPool2d", values, ("x", _tensor(node.args[0], shape_of, node)))


def _avg_pool(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    if not argument(node, 5, "count_include_pad", True):
        raise Unmappable("F.avg_pool2d with count_include_pad=False has no NetCanvas layer")
    if argument(node, 6, "divisor_override", None) is not None:
        raise Unmappable("F.avg_pool2d with divisor_override has no NetCanvas layer")
    kernel, stride = argument(node, 1, "kernel_size"), argument(node, 2, "stride", None)
    values = pool_params(kernel, stride, argument(node, 3, "padding", 0), argument(node, 4, "ceil_mode", False))
    return _layer("AvgPool2d", values, ("x", _tensor(node.args[0], shape_of, node)))


def _interpolate(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    if argument(node, 1, "size", None) is not None:
        raise Unmappable("F.interpolate to a fixed size has no NetCanvas layer")
    scale = argument(node, 2, "scale_factor", None)
    mode = argument(node, 3, "mode", "nearest")
    values = upsample_params("F.interpolate", scale, mode, argument(node, 4, "align_corners", None))
    return _layer("Upsample", values, ("x", _tensor(node.args[0], shape_of, node)))


def _repeat(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    """``x.unsqueeze(1).repeat(1, T, 1)`` (or ``.expand(-1, T, -1)``) on an (N, F) x: RepeatVector(T)."""
    inner = node.args[0]
    sizes = node.args[1:]
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    unsqueezed = _is(inner, (torch.unsqueeze,), ("unsqueeze",)) and tuple(inner.args[1:2]) == (1,)
    source = inner.args[0] if unsqueezed else None
    kept = (1, 1) if node.target == "repeat" else (-1, -1)
    fits = source is not None and shape_of(source) is not None and len(shape_of(source)) == 2
    if fits and len(sizes) == 3 and (sizes[0], sizes[2]) == kept and isinstance(sizes[1], int):
        return _layer("RepeatVector", {"times": sizes[1]}, ("x", source))
    raise Unmappable(f"{call_name(node)} has no NetCanvas layer")


def _getitem(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    """``x[:, a:b]`` (a range along one axis, step 1): Slice; ``x[:, -1]`` on a sequence: LastTimestep."""
    source, index = node.args
    shape = shape_of(source) if isinstance(source, fx.Node) else None
    sliced = _one_range(index, len(shape)) if shape is not None else None
    if sliced is not None:
        return _layer("Slice", sliced, ("x", source))
    return _last_step(node, shape_of)


def _one_range(index: Any, rank: int) -> dict[str, Any] | None:
    """Slice's params for an index that keeps the batch whole and takes a range of one other axis, else None."""
    parts = list(index) if isinstance(index, tuple) else [index]
    if parts.count(Ellipsis) == 1:
        at = parts.index(Ellipsis)
        parts = parts[:at] + [slice(None)] * (rank - len(parts) + 1) + parts[at + 1 :]
    if len(parts) > rank or not all(isinstance(p, slice) for p in parts):
        return None
    ranges = [(axis, p) for axis, p in enumerate(parts) if p != slice(None)]
    if len(ranges) != 1 or ranges[0][0] == 0:
        return None
    axis, chosen = ranges[0]
    bounds = (chosen.start, chosen.stop)
    if chosen.step not in (None, 1) or not all(b is None or isinstance(b, int) for b in bounds):
        return None
    return {"dim": axis, "start": chosen.start or 0, "end": chosen.stop}


def _last_step(node: fx.Node, shape_of: ShapeOf) -> Mapped:
    """``x[:, -1]`` (or ``x[:, -1, :]``) on an (N, T, F) tensor: LastTimestep."""
    source, index = node.args
    whole = slice(None, None, None)
    shape = shape_of(source) if isinstance(source, fx.Node) else None
    if shape is not None and len(shape) == 3 and index in ((whole, -1), (whole, -1, whole)):
        return _layer("LastTimestep", {}, ("x", source))
    raise Unmappable(f"indexing a tensor with [{_index_text(index)}] has no NetCanvas layer")


def _index_text(index: Any) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    return ", ".join(":" if p == slice(None, None, None) else repr(p) for p in parts)


HANDLERS: list[tuple[tuple, tuple, Callable]] = [
    *[(functions, methods, _activation(name)) for name, (functions, methods) in ACTIVATIONS.items()],
    ((F.gelu,), ("gelu",), _gelu),
    ((F.leaky_relu,), (), _leaky_relu),
    ((F.softmax, torch.softmax), ("softmax",), _softmax("Softmax")),
    ((F.log_softmax, torch.log_softmax), ("log_softmax",), _softmax("LogSoftmax")),
    ((F.dropout, torch.dropout), (), _dropout),
    ((torch.flatten, torch.reshape), ("view", "reshape", "flatten"), _reshape),
    ((operator.add, operator.iadd, torch.add), ("add",), _add_or_multiply("Add")),
    ((operator.mul, operator.imul, torch.mul), ("mul",), _add_or_multiply("Multiply")),
    ((torch.cat, torch.concat, torch.concatenate), (), _concat),
    ((torch.mean,), ("mean",), _reduce("GlobalAvgPool")),
    ((torch.amax,), ("amax",), _reduce("GlobalMaxPool")),
    ((F.adaptive_avg_pool2d,), (), _adaptive),
    ((F.max_pool2d,), (), _max_pool),
    ((F.avg_pool2d,), (), _avg_pool),
    ((F.interpolate,), (), _interpolate),
    ((), ("repeat", "expand"), _repeat),
    ((operator.getitem,), (), _getitem),
]
ALIASES = ((), ("contiguous", "clone"))


def map_call(node: fx.Node, shape_of: ShapeOf) -> Mapped | Alias:
    """The layer (or alias) for one call node; `Unmappable` naming the call when there is none."""
    if _is(node, *ALIASES):
        return Alias(node.args[0])
    for functions, methods, handle in HANDLERS:
        if _is(node, functions, methods):
            return handle(node, shape_of)
    raise Unmappable(f"{call_name(node)} has no NetCanvas layer")
