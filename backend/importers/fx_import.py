"""PyTorch code as a NetCanvas body, through torch.fx.

One level at a time: a module's ``forward`` is traced with every sub-module as a leaf
(containers such as ``nn.Sequential`` are traced through), then run on example inputs
by a torch.fx `Interpreter` that records the shape of every value, as torch.fx's
``ShapeProp`` does, and converts each sub-module of the user's own classes when it
meets it, with the very tensors it is called with. Such a sub-module becomes a
``Block`` node holding an `Instance` (its class, constructor arguments and body), or,
when its ``forward`` cannot be traced (it branches on tensor values) or holds a call
NetCanvas has no layer for, a ``Module`` node that keeps it whole. PyTorch's own
modules become their layers (`fx_layers`), calls become theirs (`fx_functions`), and
a torch module without a layer becomes a ``Module`` node too. If the top-level model
itself cannot be converted, the import is refused with the reason and the line.

The model runs in eval mode, so batch norm statistics and weights stay as they were;
each ``forward`` is traced with its own ``training`` flag on, so code that depends on
it (a VAE's sampling step) is drawn as it trains.
"""

from __future__ import annotations

import operator
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import fx, nn

from backend.importers.common import (
    Body,
    Instance,
    IRNode,
    Link,
    Port,
    Shuffled,
    Unmappable,
    Unmapped,
    prune,
    shuffle_groups,
)
from backend.importers.fx_functions import Alias, argument, call_name, map_call
from backend.importers.fx_layers import RECURRENT, layer_for_module
from backend.importers.module_loading import (
    Construction,
    describe,
    is_literal,
    is_user_file,
    let_interrupts_through,
    rebuild,
    user_location,
)
from graph.layers.opaque import TORCH_NN, format_arguments, format_shapes
from graph.registry import get_spec

CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
BATCH = 2  # two samples: a reshape that mixes the batch into a sample shows up
INDEXING_NAMES = {"Slice": "slice", "LastTimestep": "last_step"}  # for x[...], which torch.fx names "getitem"


class ConversionFailure(Exception):
    """A module that cannot be drawn layer by layer; `location` is ``file.py:line`` when known."""

    def __init__(self, message: str, location: str = ""):
        super().__init__(message)
        self.message = message
        self.location = location

    def line(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class RunFailure(ConversionFailure):
    """Running the model on the example inputs failed (usually: an input shape it cannot take)."""


def is_torch_module(module: nn.Module) -> bool:
    return type(module).__module__.startswith("torch.")


# -- values flowing through a forward ----------------------------------------------------------------
@dataclass(frozen=True)
class Recurrent:
    """What a recurrent layer returns, or a part of it (`part`: ``all``, ``hidden``, ``pair``, ``layer``)."""

    node: IRNode
    part: str
    index: int = 0


@dataclass(frozen=True)
class Several:
    """The tuple a block returns: one `Port` per output."""

    ports: tuple[Port, ...]


@dataclass
class Child:
    """A user sub-module met while running: the node standing for it and what it returned."""

    node_type: str
    params: dict[str, Any]
    instance: Instance | None
    inputs: list[str]
    outputs: list[str]
    state: dict[str, Any]
    output: Any


@dataclass
class ImportContext:
    """What every level needs: constructor calls, where the user's code lives, and what was kept whole."""

    construction: Construction
    folder: str = ""
    importable: bool = True
    kept: list[str] = field(default_factory=list)


def node_location(node: fx.Node) -> str:
    """``model.py:12``: the innermost line of the user's code that made `node` (see `_Tracer`)."""
    return node.meta.get("location", "")


def shape_tree(value: Any) -> Any:
    """Shapes (batch first) of a value: a tuple per tensor, nested like the value; None for the rest."""
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)):
        return tuple(shape_tree(v) for v in value)
    return None


def _is_number(value: Any) -> bool:
    """An int, float or bool, or a tuple of ints (a ``torch.Size``): what reading a tensor's size gives."""
    if isinstance(value, (bool, int, float)):
        return True
    return isinstance(value, tuple) and all(isinstance(v, int) for v in value)


def _is_shape(tree: Any) -> bool:
    return isinstance(tree, tuple) and all(isinstance(s, int) for s in tree)


# -- tracing and running one level -------------------------------------------------------------------
class _Tracer(fx.Tracer):
    """Every sub-module but a container is a leaf: it is converted on its own, level by level.

    Sub-modules in `through` are traced through as containers are: their layers are drawn
    in this level (one the user's code calls with a list of tensors cannot be a block).
    Each node notes the line of the user's code that made it. (torch.fx's own
    ``record_stack_traces`` symbolizes whole stacks and costs seconds on first use.)
    """

    def __init__(self, through: frozenset[int] = frozenset()):
        super().__init__()
        self.through = through

    def is_leaf_module(self, m: nn.Module, _qualified_name: str) -> bool:
        return type(m) not in CONTAINERS and id(m) not in self.through

    def create_node(self, *args: Any, **kwargs: Any) -> fx.Node:
        node = super().create_node(*args, **kwargs)
        frame = sys._getframe(1)
        while frame is not None and not is_user_file(frame.f_code.co_filename):
            frame = frame.f_back
        if frame is not None:
            node.meta["location"] = f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
        return node


def trace(module: nn.Module, through: frozenset[int] = frozenset()) -> fx.Graph:
    """The module's forward as a graph, traced with its training flag on (only its own); sub-modules whose
    ids are in `through` are traced through."""
    training = module.training
    module.training = True
    try:
        return _Tracer(through).trace(module)
    except BaseException as error:
        let_interrupts_through(error)
        name = type(module).__name__
        where = user_location(error)
        if isinstance(error, fx.proxy.TraceError) and "control flow" in str(error):
            raise ConversionFailure(f"{name}.forward branches on tensor values, which cannot be drawn", where) from None
        raise ConversionFailure(f"{name}.forward cannot be followed by torch.fx ({describe(error)})", where) from None
    finally:
        module.training = training


class _Run(fx.Interpreter):
    """Runs a traced level, recording shapes and converting user sub-modules as they are called."""

    def __init__(self, module: nn.Module, graph: fx.Graph, level: _Level):
        super().__init__(module, graph=graph)  # the module itself: no GraphModule (its code) is needed
        self.extra_traceback = False  # it would rewrite the message of the user's own error
        self.level = level
        self.shapes: dict[fx.Node, Any] = {}
        self.dtypes: dict[fx.Node, torch.dtype] = {}
        self.children: dict[fx.Node, Child] = {}
        self.layers: dict[fx.Node, tuple[str, dict]] = {}
        self.numbers: dict[fx.Node, Any] = {}  # sizes read from tensors while running: x.size(2), x.shape
        self.current: fx.Node | None = None

    def run_node(self, n: fx.Node) -> Any:
        self.current = n
        try:
            result = super().run_node(n)
        except (ConversionFailure, _TraceThrough):
            raise
        except BaseException as error:
            let_interrupts_through(error)
            raise RunFailure(f"running it failed: {describe(error)}", node_location(n)) from None
        self.shapes[n] = shape_tree(result)
        if isinstance(result, torch.Tensor):
            self.dtypes[n] = result.dtype
        elif _is_number(result):
            self.numbers[n] = result
        return result

    def call_module(self, target: str, args: tuple, kwargs: dict) -> Any:
        module = self.fetch_attr(target)
        node = self.current
        if is_torch_module(module):
            try:
                self.layers[node] = layer_for_module(module)
                return super().call_module(target, args, kwargs)
            except Unmappable as reason:
                child = self.level.kept_torch_module(module, target, args, kwargs, node, str(reason))
        else:
            child = self.level.child(module, target, args, kwargs, node)
        self.children[node] = child
        return child.output


class _TraceThrough(Exception):
    """A user sub-module that can be neither a block nor kept whole: its level traces through it instead."""

    def __init__(self, module: nn.Module, failure: ConversionFailure):
        super().__init__(failure.message)
        self.module = module
        self.failure = failure


class _Level:
    """One module's forward turned into a `Body`."""

    def __init__(self, context: ImportContext, module: nn.Module, name: str):
        self.context = context
        self.module = module
        self.name = name
        self.through: frozenset[int] = frozenset()

    def convert(self, args: tuple) -> tuple[list[str], list[str], Any]:
        """Trace, run on `args` and build the body; returns input port names, output port names, the output.

        A sub-module that can be neither a block nor kept whole is traced through, and the level done again.
        """
        kept = len(self.context.kept)
        first: ConversionFailure | None = None  # why the first sub-module traced through could not be a block
        while True:
            self.body = Body(self.name)
            self.values: dict[fx.Node, Any] = {}
            self.called: set[int] = set()
            del self.context.kept[kept:]
            try:
                return self._convert_once(args)
            except _TraceThrough as through:
                if id(through.module) in self.through:  # traced through already and still failing
                    raise through.failure from None
                first = first or through.failure
                self.through |= {id(through.module)}
            except RunFailure:
                raise
            except ConversionFailure:
                if first is not None:  # tracing through did not help: the first reason says most
                    raise first from None
                raise

    def _convert_once(self, args: tuple) -> tuple[list[str], list[str], Any]:
        graph = trace(self.module, self.through)
        run = _Run(self.module, graph, self)
        with torch.no_grad():
            output = run.run(*args)
        self.run = run
        try:
            inputs, outputs = self._build(graph)
        except Unmappable as error:
            raise ConversionFailure(str(error), getattr(error, "location", "")) from None
        return inputs, outputs, output

    # -- sub-modules of the user's classes ---------------------------------------------------------
    def child(self, module: nn.Module, target: str, args: tuple, kwargs: dict, node: fx.Node) -> Child:
        """A Block node for a sub-module of the user's classes, or a Module node when it cannot be drawn."""
        name = type(module).__name__
        if kwargs or not all(isinstance(a, torch.Tensor) for a in args):
            message = f"self.{target} ({name}) is called with values other than tensors, in order"
            raise _TraceThrough(module, ConversionFailure(message, node_location(node)))
        level = _Level(self.context, module, name)
        try:
            ports, outputs, output = level.convert(args)
        except RunFailure:
            raise
        except ConversionFailure as failure:
            try:
                return self.kept(module, target, args, node)
            except Unmappable as reason:
                message = f"self.{target} ({name}): {failure.message}; it cannot be kept whole either: {reason}"
                failure = ConversionFailure(message, failure.location or node_location(node))
                raise _TraceThrough(module, failure) from None
        call = self.context.construction.call(module)
        arguments = {k: v for k, v in call.bound.items() if is_literal(v)}
        cls = type(module)
        doc = (cls.__dict__.get("__doc__") or "").strip().split("\n")[0]
        instance = Instance(f"{cls.__module__}:{cls.__qualname__}", name, doc, arguments, call.defaults, level.body)
        return Child("Block", {}, instance, ports, outputs, {}, output)

    def kept_torch_module(
        self, module: nn.Module, target: str, args: tuple, kwargs: dict, node: fx.Node, reason: str
    ) -> Child:
        """A Module node for a PyTorch module NetCanvas has no layer for."""
        try:
            if kwargs or not all(isinstance(a, torch.Tensor) for a in args):
                raise Unmappable("it is called with values other than tensors, in order")
            return self.kept(module, target, args, node)
        except Unmappable as why:
            raise ConversionFailure(
                f"self.{target}: {reason}, and it cannot be kept whole: {why}", node_location(node)
            ) from None

    def kept(self, module: nn.Module, target: str, args: tuple, node: fx.Node) -> Child:
        """A Module node for `module`: generated code builds it again from its class and arguments."""
        with torch.no_grad():
            try:
                output = module(*args)
            except BaseException as error:
                let_interrupts_through(error)
                raise RunFailure(f"running self.{target} failed: {describe(error)}", node_location(node)) from None
        if not isinstance(output, torch.Tensor) or output.dim() < 2:
            raise Unmappable(f"{type(module).__name__} returns something other than one tensor per sample")
        params = self._kept_params(module, args, output)
        self.context.kept.append(f"{target} ({params['module']})")
        return Child("Module", params, None, ["x"] * len(args), ["out"], dict(module.state_dict()), output)

    def _kept_params(self, module: nn.Module, args: tuple, output: torch.Tensor) -> dict[str, Any]:
        cls = type(module)
        if "<locals>" in cls.__qualname__:
            raise Unmappable(f"{cls.__name__} is defined inside a function, so it cannot be imported again")
        call = self.context.construction.call(module)
        if not all(map(is_literal, (*call.args, *call.kwargs.values()))):
            raise Unmappable(f"{cls.__name__} takes constructor arguments that are not plain values")
        folder = self._folder_of(cls)
        rebuild(module, call, folder)
        module_name = TORCH_NN if getattr(nn, cls.__name__, None) is cls else cls.__module__
        shapes = [tuple(a.shape[1:]) for a in args]
        if any(not s for s in shapes):
            raise Unmappable(f"{cls.__name__} takes one number per sample")
        return {
            "module": f"{module_name}:{cls.__qualname__}",
            "path": folder,
            "args": format_arguments(call.args, call.kwargs),
            "input_shapes": format_shapes(shapes),
            "output_shape": tuple(output.shape[1:]),
            "parameters": sum(p.numel() for p in module.parameters()),
        }

    def _folder_of(self, cls: type) -> str:
        """The folder generated code must import `cls` from ("" when installed or part of torch)."""
        home = sys.modules.get(cls.__module__)
        file = getattr(home, "__file__", None)
        if cls.__module__ == "__main__" or home is None:
            raise Unmappable(f"{cls.__name__} lives in no module that can be imported again")
        if file and self.context.folder and Path(file).resolve().is_relative_to(Path(self.context.folder)):
            if not self.context.importable or not cls.__module__.split(".")[0].isidentifier():
                raise Unmappable(f"{cls.__name__}'s file name is not a Python module name")
            return self.context.folder
        return ""

    # -- building the body ----------------------------------------------------------------------------
    def _shape(self, value: Any) -> tuple | None:
        tree = self.run.shapes.get(value) if isinstance(value, fx.Node) else None
        return tree if _is_shape(tree) else None

    def _port(self, value: Any, user: fx.Node) -> Port:
        found = self.values.get(value) if isinstance(value, fx.Node) else None
        if isinstance(found, Port):
            return found
        if isinstance(found, Unmapped):
            error = Unmappable(found.reason)
            error.location = found.location
            raise error
        what = "the whole result of a recurrent layer" if isinstance(found, Recurrent) else repr(value)[:40]
        error = Unmappable(f"{call_name(user) if user.op != 'call_module' else user.target} uses {what}")
        error.location = node_location(user)
        raise error

    def _add(self, wanted: str, type_name: str, params: dict, links: list[Link], **extra: Any) -> IRNode:
        return self.body.add(wanted, type_name, params, links=links, **extra)

    def _build(self, graph: fx.Graph) -> tuple[list[str], list[str]]:
        inputs: list[str] = []
        outputs: list[str] = []
        for n in graph.nodes:
            try:
                if n.op == "placeholder":
                    inputs.append(self._placeholder(n))
                elif n.op == "output":
                    outputs = self._outputs(n)
                elif n.op == "call_module":
                    self._call_module(n)
                elif n.op in ("call_function", "call_method"):
                    self._call(n)
                else:
                    self.values[n] = Unmapped(
                        f"the tensor attribute self.{n.target} is used directly", node_location(n)
                    )
            except Unmappable as error:
                if not getattr(error, "location", ""):
                    error.location = node_location(n)
                raise
        prune(self.body)
        return [i for i in inputs if i], outputs

    def _placeholder(self, n: fx.Node) -> str:
        shape = self._shape(n)
        if shape is None:
            self.values[n] = Unmapped(f"{n.target} is not a tensor")
            return ""
        if len(shape) < 2:
            raise Unmappable(f"forward's {n.target} holds one number per sample; NetCanvas needs a shape per sample")
        dtype = "int64" if not self.run.dtypes[n].is_floating_point else "float32"
        node = self._add(n.target, "Input", {"shape": shape[1:], "dtype": dtype}, [], shapes={"out": shape[1:]})
        self.values[n] = Port(node, "out")
        return node.name

    def _outputs(self, n: fx.Node) -> list[str]:
        result = n.args[0]
        if isinstance(result, dict):
            raise Unmappable("forward returns a dict; NetCanvas networks return tensors")
        items = list(result) if isinstance(result, (tuple, list)) else [result]
        ports: list[Port] = []
        for item in items:
            found = self.values.get(item) if isinstance(item, fx.Node) else None
            ports += list(found.ports) if isinstance(found, Several) else [self._port(item, n)]
        names = []
        for index, port in enumerate(ports, start=1):
            wanted = "out" if len(ports) == 1 else f"out{index}"
            names.append(self._add(wanted, "Output", {}, [Link("x", port.node.name, port.port)]).name)
        return names

    def _shared(self, n: fx.Node, module: nn.Module) -> None:
        if id(module) in self.called and any(True for _ in module.parameters()):
            raise Unmappable(f"self.{n.target} is called twice, sharing its weights, which a drawing cannot show")
        self.called.add(id(module))

    def _call_module(self, n: fx.Node) -> None:
        module = self.module.get_submodule(n.target)
        self._shared(n, module)
        child = self.run.children.get(n)
        if child is None and type(module) in RECURRENT:
            self._recurrent(n, module)
        elif child is None:
            type_name, params = self.run.layers[n]
            (x,) = self._tensor_args(n) if len(self._tensor_args(n)) == 1 else (None,)
            if x is None:
                raise Unmappable(f"self.{n.target} is called with more than one tensor")
            port = get_spec(type_name).inputs[0].name
            shape = self._shape(n)
            shapes = {"out": shape[1:]} if shape else {}
            links = [Link(port, *self._port_pair(x, n))]
            node = self._add(n.target, type_name, params, links, state=dict(module.state_dict()), shapes=shapes)
            self.values[n] = Port(node, "out")
        else:
            self._child_node(n, child)

    def _child_node(self, n: fx.Node, child: Child) -> None:
        args = self._tensor_args(n)
        links = [Link(port, *self._port_pair(a, n)) for port, a in zip(child.inputs, args, strict=True)]
        if child.node_type == "Block":
            node = self._add(n.target, "Block", {}, links, instance=child.instance)
        else:
            node = self._add(n.target, "Module", child.params, links, state=child.state)
        ports = tuple(Port(node, name) for name in child.outputs)
        tree = self.run.shapes.get(n)
        if _is_shape(tree) and len(ports) == 1:
            node.shapes = {ports[0].port: tree[1:]}
            self.values[n] = ports[0]
        else:
            node.shapes = {p.port: s[1:] for p, s in zip(ports, tree or (), strict=False) if _is_shape(s)}
            self.values[n] = Several(ports)

    def _port_pair(self, value: Any, user: fx.Node) -> tuple[str, str]:
        port = self._port(value, user)
        return port.node.name, port.port

    def _tensor_args(self, n: fx.Node) -> list[fx.Node]:
        args = [*n.args, *n.kwargs.values()]
        if not all(isinstance(a, fx.Node) for a in args):
            raise Unmappable(f"self.{n.target} is called with values other than tensors")
        return args

    def _recurrent(self, n: fx.Node, module: nn.Module) -> None:
        type_name, params = layer_for_module(module)
        x = self._port(n.args[0], n)
        links = [Link("x", x.node.name, x.port)]
        start = argument(n, 1, "hx", None)
        if start is not None:
            state = self._initial_state(start, isinstance(module, nn.LSTM), n)
            links.append(Link("initial_state", state.node.name, state.port))
        sequence = self._shape(n.args[0])
        width = params["hidden_size"] * (2 if params["bidirectional"] else 1)
        shapes = {"sequence": (sequence[1], width), "state": (width,)} if sequence else {}
        node = self._add(n.target, type_name, params, links, state=dict(module.state_dict()), shapes=shapes)
        self.values[n] = Recurrent(node, "all")

    def _initial_state(self, start: Any, lstm: bool, n: fx.Node) -> Port:
        """The (N, H) tensor an RNN starts from: ``s.unsqueeze(0)[.expand(L, -1, -1)][.contiguous()]``."""
        if lstm:
            pair = start if isinstance(start, (tuple, list)) and len(start) == 2 else None
            cell = pair[1] if pair else None
            zeros = isinstance(cell, fx.Node) and cell.target in (torch.zeros_like, torch.zeros, "new_zeros")
            if not zeros:
                raise Unmappable("starts an LSTM from a cell state other than zeros, which NetCanvas cannot draw")
            start = pair[0]
        value = start
        while isinstance(value, fx.Node) and value.op == "call_method" and value.target in ("contiguous", "expand"):
            value = value.args[0]
        is_unsqueeze = isinstance(value, fx.Node) and value.target in ("unsqueeze", torch.unsqueeze)
        if not is_unsqueeze or tuple(value.args[1:2]) != (0,):
            raise Unmappable("starts a recurrent layer from a state NetCanvas cannot draw (use h0 = s.unsqueeze(0))")
        return self._port(value.args[0], n)

    def _fold_numbers(self, n: fx.Node) -> None:
        """Sizes read from tensors (``F.avg_pool2d(x, x.size(2))``) become the numbers they were for these inputs,
        as a drawing's layers hold numbers; tensors stay as they are."""
        numbers = self.run.numbers
        if any(isinstance(a, fx.Node) and a in numbers for a in [*n.args[1:], *n.kwargs.values()]):
            n.args = (n.args[0], *fx.node.map_arg(n.args[1:], lambda a: numbers.get(a, a)))
            n.kwargs = fx.node.map_arg(n.kwargs, lambda a: numbers.get(a, a))

    def _shuffle(self, n: fx.Node) -> bool:
        """ShuffleNet's ``x.view(N, g, C // g, H, W).transpose(1, 2)`` (or ``.permute(0, 2, 1, 3, 4)``): a
        ChannelShuffle, once the result is reshaped back to (N, C, H, W)."""
        axes = [a for a in n.args[1:] if not isinstance(a, fx.Node)]
        axes = list(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        split = n.args[0] if n.args else None
        swapped = (n.target in ("transpose", torch.transpose) and sorted(axes) == [1, 2]) or (
            n.target == "permute" and axes[:3] == [0, 2, 1] and axes[3:] == list(range(3, len(axes)))
        )
        if not swapped or not isinstance(split, fx.Node) or split.target not in ("view", "reshape", torch.reshape):
            return False
        original = split.args[0]
        before, after = self._shape(original), self._shape(split)
        groups = shuffle_groups(before, after) if before and after and len(split.users) == 1 else 0
        if not groups:
            return False
        try:
            port = self._port(original, n)
        except Unmappable:
            return False
        links = [Link("x", port.node.name, port.port)]
        node = self._add("shuffle", "ChannelShuffle", {"groups": groups}, links, shapes={"out": before[1:]})
        self.values[n] = Shuffled(Port(node, "out"), before)
        return True

    def _call(self, n: fx.Node) -> None:
        self._fold_numbers(n)
        source = n.args[0] if n.args else None
        kind = self.values.get(source) if isinstance(source, fx.Node) else None
        if isinstance(kind, Shuffled) and n.target in ("view", "reshape", torch.reshape, torch.flatten, "flatten"):
            shape = self._shape(n)
            self.values[n] = kind.port if shape == kind.shape else Unmapped("shuffled channels reshaped otherwise")
            return
        if self._shuffle(n):
            return
        if n.target is operator.getitem and isinstance(kind, (Recurrent, Several)):
            self.values[n] = self._part(kind, n.args[1], n)
            return
        if n.op == "call_method" and n.target == "squeeze" and isinstance(kind, Recurrent) and kind.part == "hidden":
            self.values[n] = self._part(kind, 0, n)
            return
        if n.target in (torch.cat, torch.concat) and self._state_halves(n) is not None:
            self.values[n] = Port(self._state_halves(n), "state")
            return
        try:
            mapped = map_call(n, self._shape)
        except Unmappable as error:
            self.values[n] = Unmapped(str(error), node_location(n))
            return
        if isinstance(mapped, Alias):
            self.values[n] = self.values.get(mapped.source, Unmapped("a value NetCanvas cannot draw"))
            return
        try:
            links = [Link(port, *self._port_pair(value, n)) for port, value in mapped.inputs]
        except Unmappable as error:  # fed by something not drawn: fails only if this is used in turn
            self.values[n] = Unmapped(str(error), getattr(error, "location", "") or node_location(n))
            return
        previous = self.values.get(mapped.inputs[0][1])
        if mapped.type in ("Add", "Multiply") and self._extends(previous, mapped.type, mapped.inputs[0][1]):
            previous.node.links.append(links[1])
            self.values[n] = previous
            return
        shape = self._shape(n)
        ports = get_spec(mapped.type).outputs
        wanted = INDEXING_NAMES.get(mapped.type, n.name) if n.target is operator.getitem else n.name
        node = self._add(wanted, mapped.type, mapped.params, links, shapes={ports[0]: shape[1:]} if shape else {})
        self.values[n] = Port(node, ports[0])

    def _extends(self, previous: Any, type_name: str, source: fx.Node) -> bool:
        """``a + b + c`` is one Add of three inputs: the first sum feeds only this one."""
        return isinstance(previous, Port) and previous.node.type == type_name and len(source.users) == 1

    def _part(self, value: Recurrent | Several, index: Any, n: fx.Node) -> Any:
        if isinstance(value, Several):
            return value.ports[index] if isinstance(index, int) else Unmapped("a block's outputs sliced")
        node, params = value.node, value.node.params
        layers = params["num_layers"] * (2 if params["bidirectional"] else 1)
        if value.part == "all":
            if index == 0:
                return Port(node, "sequence")
            return Recurrent(node, "pair" if node.type == "LSTM" else "hidden") if index == 1 else Unmapped("?")
        if value.part == "pair":
            return Recurrent(node, "hidden") if index == 0 else Unmapped("the LSTM's cell state c_n is not drawn")
        if value.part == "hidden" and isinstance(index, int) and index in (-1, layers - 1, -2, layers - 2):
            last = index in (-1, layers - 1)
            if not params["bidirectional"]:
                return Port(node, "state") if last else Unmapped("a hidden state below the top layer")
            return Recurrent(node, "layer", -1 if last else -2)
        return Unmapped(f"this part of {node.name}'s result is not drawn", node_location(n))

    def _state_halves(self, n: fx.Node) -> IRNode | None:
        """``torch.cat((h[-2], h[-1]), dim=1)`` of a bidirectional layer: its state."""
        tensors = argument(n, 0, "tensors", None)
        if not isinstance(tensors, (list, tuple)) or len(tensors) != 2:
            return None
        halves = [self.values.get(t) for t in tensors]
        if all(isinstance(h, Recurrent) and h.part == "layer" for h in halves):
            same = halves[0].node is halves[1].node and [h.index for h in halves] == [-2, -1]
            if same and argument(n, 1, "dim", 0) in (1, -1):
                return halves[0].node
        return None


def convert_root(context: ImportContext, model: nn.Module, name: str, inputs: tuple) -> Body:
    """The body of the whole model run on `inputs`; `ConversionFailure` when it cannot be drawn."""
    model.eval()
    level = _Level(context, model, name)
    level.convert(inputs)
    return level.body
