"""Merge layers: Add, Multiply and Concat, which join two or more branches.

They have one variadic input port ``x`` (2..N edges, in edge order) and no module:
``forward`` gets a plain expression (``add1 = conv3 + shortcut``,
``cat1 = torch.cat((a, b), dim=1)``), as a person would write it. Unknown sizes
(``None``) match anything.

Add wants equal shapes: a residual sum of two different shapes is nearly always a
wiring mistake. Multiply also broadcasts a size of 1 against any size, axis by axis
(same rank per sample, so the batch axes stay aligned): a per-channel gate of shape
(C, 1, 1) scales every position of a (C, H, W) map, as squeeze-and-excitation does.
"""

from __future__ import annotations

from graph.params import Param
from graph.registry import register
from graph.shapes import Shape, ShapeError, format_shape, sample_axis
from graph.spec import ForwardContext, LayerSpec, Port, render


def _listing(shapes: list[Shape]) -> str:
    """``(1, 2) and (3)`` / ``(1), (2) and (3)``."""
    texts = [format_shape(s) for s in shapes]
    return ", ".join(texts[:-1]) + " and " + texts[-1]


def _unify(a: int | None, b: int | None) -> int | None | bool:
    """The common size of two axes (unknown matches anything); False when they differ."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    return False


def _stretch(a: int | None, b: int | None) -> int | None | bool:
    """The size of an axis where `a` and `b` meet in a product (a 1 stretches); False when they cannot."""
    return b if a == 1 else a if b == 1 else _unify(a, b)


def _merged(shapes: list[Shape], axis_rule, refusal: str) -> Shape:
    """The shape two or more inputs make, axis by axis by `axis_rule`; ShapeError "<refusal>, but they are …"."""
    result = list(shapes[0])
    for shape in shapes[1:]:
        sizes = [axis_rule(a, b) for a, b in zip(result, shape, strict=False)]
        if len(shape) != len(result) or any(s is False for s in sizes):
            raise ShapeError(f"{refusal}, but they are {_listing(shapes)}", "x")
        result = sizes
    return tuple(result)


def _same_shape(inputs: dict, p: dict) -> Shape:
    return _merged(inputs["x"], _unify, "needs inputs of the same shape")


def broadcast_shape(inputs: dict, p: dict) -> Shape:
    """Multiply's output: the inputs' sizes axis by axis, a size of 1 stretched (ShapeError when they cannot meet)."""
    refusal = "needs inputs of the same shape, or with size 1 where they differ (it is stretched)"
    return _merged(inputs["x"], _stretch, refusal)


def _operator_forward(operator: str):
    def forward(ctx: ForwardContext) -> list[str]:
        return [f"{ctx.out} = " + f" {operator} ".join(ctx.inputs["x"])]

    return forward


for _name, _operator, _infer, _port, _doc in (
    (
        "Add",
        "+",
        _same_shape,
        "two or more tensors of the same shape",
        "Adds two or more tensors of the same shape, value by value. This is the skip connection of a residual "
        "network: the block's output plus its input, so the block only has to learn a correction and gradients "
        "flow straight through deep stacks.",
    ),
    (
        "Multiply",
        "*",
        broadcast_shape,
        "two or more tensors of the same shape, or with size 1 where they differ",
        "Multiplies two or more tensors value by value. One branch can act as a gate that scales the other: "
        "where one input has size 1 on an axis it is stretched along it, so a per-channel weight of shape "
        "(C, 1, 1) scales a whole (C, H, W) feature map, as in squeeze-and-excitation blocks.",
    ),
):
    register(
        LayerSpec(
            type=_name,
            category="Merge",
            doc=_doc,
            inputs=(Port("x", _port, min_count=2, max_count=None),),
            infer=_infer,
            build=None,
            forward=_operator_forward(_operator),
            icon="merge",
        )
    )


def _concat_infer(inputs: dict, p: dict) -> Shape:
    shapes = inputs["x"]
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise ShapeError(f"needs inputs with the same number of dimensions, but they are {_listing(shapes)}", "x")
    dim = p["dim"]
    axis = sample_axis(dim, rank, "concatenate")
    result: list = list(shapes[0])
    total: int | None = 0
    for shape in shapes:
        for index, size in enumerate(shape):
            if index == axis:
                continue
            unified = _unify(result[index], size)
            if unified is False:
                raise ShapeError(
                    f"needs the other sizes to match to concatenate along dim {dim}, but they are {_listing(shapes)}",
                    "x",
                )
            result[index] = unified
        total = None if total is None or shape[axis] is None else total + shape[axis]
    result[axis] = total
    return tuple(result)


register(
    LayerSpec(
        type="Concat",
        category="Merge",
        doc="Joins two or more tensors side by side along one dimension, in the order they are connected. "
        "With dim=1 (the channels, since the batch is dim 0) feature maps of the same height and width stack into "
        "more channels, as in Inception and U-Net; all other sizes must match.",
        params=(
            Param("dim", "int", 1, "Dimension to join along (the batch is 0; -1 is the last).", minimum=-8, maximum=8),
        ),
        inputs=(Port("x", "two or more tensors, joined in connection order", min_count=2, max_count=None),),
        infer=_concat_infer,
        build=None,
        forward=lambda ctx: [f"{ctx.out} = torch.cat(({', '.join(ctx.inputs['x'])}), dim={render(ctx.params['dim'])})"],
        face=("dim",),
        icon="merge",
    )
)
