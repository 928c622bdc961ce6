"""Module: a PyTorch module kept as it is, for what NetCanvas has no layer for.

An imported model may use a module NetCanvas cannot draw as its own layers (an
attention block, a custom activation, ``nn.PixelShuffle``). It is kept whole: the
node names the class by its import path (``mymodel:Swish``, ``torch.nn:PixelShuffle``)
and holds the constructor's arguments as Python literals (``64, heads=4``), so the
generated code constructs the very same class and the network still exports and
trains. Its shape rule cannot look inside, so it repeats what was seen when the
model was imported: it checks its inputs against the recorded input shapes and
gives the recorded output shape (auto: the shape of its first input).

Every text is checked before it reaches generated code: the class path must be
dotted identifiers and the arguments literals only (``ast.literal_eval``), so a
project file cannot smuggle statements into the model's source. Building a model
with such a node imports the named module, which runs its code: the same trust as
importing the original model.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from graph.params import MAX_DIM, MAX_RANK, Param
from graph.registry import register
from graph.shapes import Shape, ShapeError, format_shape
from graph.spec import LayerSpec, Port

TORCH_NN = "torch.nn"
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_CLASS_PATH = re.compile(rf"({_DOTTED}):({_DOTTED})")


def split_class_path(text: str) -> tuple[str, str]:
    """``"pkg.mod:Outer.Inner"`` -> ``("pkg.mod", "Outer.Inner")``; a `ShapeError` when malformed."""
    match = _CLASS_PATH.fullmatch(text.strip())
    if match is None:
        raise ShapeError(f"module must name a class as package.module:ClassName, got {text!r:.60}")
    return match.group(1), match.group(2)


def parse_arguments(text: str) -> tuple[tuple, dict[str, Any]]:
    """Constructor arguments written as Python literals: ``"64, heads=4"`` -> ``((64,), {"heads": 4})``."""
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        raise ShapeError(f"args must be Python literals such as 64, heads=4; got {text!r:.60}") from None
    if not isinstance(call, ast.Call) or any(isinstance(a, ast.Starred) for a in call.args):
        raise ShapeError(f"args must be Python literals such as 64, heads=4; got {text!r:.60}")
    try:
        args = tuple(ast.literal_eval(a) for a in call.args)
        if any(k.arg is None for k in call.keywords):
            raise ValueError("**")
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ShapeError(f"args may hold only literals (numbers, text, lists, True/None); got {text!r:.60}") from None
    return args, kwargs


def format_arguments(args: tuple | list, kwargs: dict[str, Any]) -> str:
    """The canonical text of constructor arguments (what `parse_arguments` reads back)."""
    return ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])


def parse_shapes(text: str) -> list[Shape] | None:
    """``"64x8x8; 10"`` -> ``[(64, 8, 8), (10,)]``; an empty text means "not recorded" (None)."""
    if not text.strip():
        return None
    shapes = []
    for part in text.split(";"):
        try:
            sizes = tuple(int(s) for s in part.strip().split("x"))
        except ValueError:
            raise ShapeError(f"input_shapes must read like 64x8x8 (several separated by ;), got {text!r:.60}") from None
        if not 1 <= len(sizes) <= MAX_RANK or not all(1 <= s <= MAX_DIM for s in sizes):
            raise ShapeError(f"input_shapes has a shape NetCanvas cannot hold: {part.strip()!r:.40}")
        shapes.append(sizes)
    return shapes


def format_shapes(shapes: list[Shape]) -> str:
    return "; ".join("x".join(str(s) for s in shape) for shape in shapes)


def _infer(inputs: dict, p: dict) -> Shape:
    split_class_path(p["module"])
    parse_arguments(p["args"])
    received = inputs["x"]
    expected = parse_shapes(p["input_shapes"])
    if expected is not None:
        if len(received) != len(expected):
            raise ShapeError(f"was imported with {len(expected)} input(s) but has {len(received)} connected", "x")
        for got, want in zip(received, expected, strict=True):
            same = len(got) == len(want) and all(g is None or g == w for g, w in zip(got, want, strict=True))
            if not same:
                raise ShapeError(
                    f"was imported for an input of {format_shape(want)} but gets {format_shape(got)}; "
                    "import the model again with the new input shape",
                    "x",
                )
    return tuple(p["output_shape"]) if p["output_shape"] is not None else received[0]


def constructor(p: dict) -> str:
    """The expression that names the class in generated code (``nn.PixelShuffle``, ``Swish``)."""
    module, qualname = split_class_path(p["module"])
    return f"nn.{qualname}" if module == TORCH_NN else qualname


def _build(inputs: dict, p: dict) -> str:
    args, kwargs = parse_arguments(p["args"])
    return f"{constructor(p)}({format_arguments(args, kwargs)})"


def _imports(p: dict) -> tuple[tuple[str, str, str], ...]:
    """What generated code must import to name the class: (folder to search first, module, name)."""
    module, qualname = split_class_path(p["module"])
    if module == TORCH_NN:
        return ()
    return ((p["path"], module, qualname.split(".")[0]),)


def _forward(ctx) -> list[str]:
    return [f"{ctx.out} = {ctx.module}({', '.join(ctx.inputs['x'])})"]


register(
    LayerSpec(
        type="Module",
        category="Imported",
        doc="A PyTorch module kept exactly as it is, for a part of an imported model that NetCanvas has no layer "
        "for. The generated code imports the class named by module and constructs it with args, so the network "
        "still trains and exports; its shapes are the ones seen when it was imported. Building the model imports "
        "and runs that module's code.",
        params=(
            Param("module", "str", "torch.nn:Identity", "The class, as package.module:ClassName."),
            Param("path", "str", "", "Folder the module is imported from (empty: the installed packages)."),
            Param("args", "str", "", "Constructor arguments as Python literals, e.g. 64, heads=4."),
            Param(
                "input_shapes",
                "str",
                "",
                "Shape of each input seen when imported, e.g. 64x8x8 (several: separated by ;); empty: any.",
            ),
            Param(
                "output_shape", "shape", None, "Shape of one output sample (auto: the shape of the input).", auto=True
            ),
            Param("parameters", "int", 0, "How many learnable parameters the module has.", minimum=0, maximum=1 << 40),
        ),
        inputs=(Port("x", "the tensors passed to the module, in order", min_count=1, max_count=None),),
        infer=_infer,
        auto=lambda inputs, p: {"output_shape": tuple(inputs["x"][0])},
        count_params=lambda inputs, p: p["parameters"],
        # What it computes is not known: with weights it multiplies (count unknown), without it is an activation.
        count_macs=lambda inputs, p, out_shapes: 0 if p["parameters"] == 0 else None,
        build=_build,
        forward=_forward,
        imports=_imports,
        face=("module",),
        icon="imported",
    )
)
