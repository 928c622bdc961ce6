"""Core layers: Linear (dense), Flatten, Reshape, Slice, ChannelShuffle, Identity."""

from __future__ import annotations

from graph.params import MAX_DIM, Param
from graph.registry import register
from graph.shapes import ShapeError, format_shape, numel, sample_axis
from graph.spec import LayerSpec, render


def _linear_in(inputs, p):
    return p["in_features"] if p["in_features"] is not None else inputs["x"][0][-1]


def _linear_infer(inputs, p):
    shape = inputs["x"][0]
    if len(shape) < 1:
        raise ShapeError("needs an input with at least one dimension", "x")
    features = shape[-1]
    if p["in_features"] is not None and features is not None and features != p["in_features"]:
        raise ShapeError(
            f"expects {p['in_features']} input features (in_features) but gets {format_shape(shape)}; "
            f"set in_features to {features} or to auto",
            "x",
        )
    if features is None:
        raise ShapeError("needs a known number of input features but gets " + format_shape(shape), "x")
    return (*shape[:-1], p["out_features"])


def _linear_count(inputs, p):
    features = _linear_in(inputs, p)
    return features * p["out_features"] + (p["out_features"] if p["bias"] else 0)


def _linear_macs(inputs, p, out_shapes):
    """in_features x out_features for every position the layer is applied to (each step of a sequence)."""
    positions = numel(inputs["x"][0][:-1])
    return None if positions is None else positions * _linear_in(inputs, p) * p["out_features"]


def _linear_build(inputs, p):
    bias = "" if p["bias"] is True else f", bias={render(p['bias'])}"
    return f"nn.Linear({render(_linear_in(inputs, p))}, {render(p['out_features'])}{bias})"


register(
    LayerSpec(
        type="Linear",
        category="Core",
        doc="A fully connected (dense) layer: every output is a weighted sum of all inputs plus a bias, "
        "y = xW + b. It acts on the last dimension, so it also works on every step of a sequence. "
        "Leave in_features on auto to take it from the input.",
        params=(
            Param(
                "in_features",
                "int",
                None,
                "Inputs per sample (auto: from the incoming shape).",
                minimum=1,
                maximum=1 << 24,
                auto=True,
            ),
            Param("out_features", "int", 64, "Number of output neurons.", minimum=1, maximum=1 << 24),
            Param("bias", "bool", True, "Learn an additive bias."),
        ),
        infer=_linear_infer,
        auto=lambda inputs, p: {"in_features": _linear_in(inputs, p)},
        count_params=_linear_count,
        count_macs=_linear_macs,
        build=_linear_build,
        face=("out_features",),
        icon="linear",
    )
)


def _flatten_infer(inputs, p):
    shape = inputs["x"][0]
    start = p["start_dim"]
    if start < 1:
        raise ShapeError("start_dim must be 1 or more: dimension 0 is the batch")
    index = start - 1
    if index >= len(shape):
        raise ShapeError(f"start_dim {start} is beyond an input of {len(shape)} dimensions {format_shape(shape)}", "x")
    rest = numel(shape[index:])
    return (*shape[:index], rest)


register(
    LayerSpec(
        type="Flatten",
        category="Core",
        doc="Turns a feature map such as (16, 5, 5) into a flat vector (400) so a Linear layer can read it. "
        "Nothing is learned.",
        params=(
            Param(
                "start_dim",
                "int",
                1,
                "First dimension to flatten (1 = everything after the batch).",
                minimum=1,
                maximum=8,
            ),
        ),
        infer=_flatten_infer,
        output_is_view=True,
        build=lambda inputs, p: "nn.Flatten()" if p["start_dim"] == 1 else f"nn.Flatten({render(p['start_dim'])})",
        icon="flatten",
    )
)


def _reshape_infer(inputs, p):
    shape = inputs["x"][0]
    target = list(p["shape"])
    total = numel(shape)
    if total is None:
        raise ShapeError("needs a fully known input shape but gets " + format_shape(shape), "x")
    known = 1
    for size in target:
        if size != -1:
            known *= size
    if -1 in target:
        if total % known:
            raise ShapeError(
                f"cannot reshape {format_shape(shape)} ({total} values) into {format_shape(tuple(target))}", "x"
            )
        target[target.index(-1)] = total // known
    elif known != total:
        wanted = format_shape(tuple(target))
        raise ShapeError(f"cannot reshape {format_shape(shape)} ({total} values) into {wanted} ({known} values)", "x")
    return tuple(target)


register(
    LayerSpec(
        type="Reshape",
        category="Core",
        doc="Rearranges the values of each sample into a new shape with the same number of values, "
        "e.g. (784) into (1, 28, 28). One size may be -1 to be worked out.",
        params=(
            Param("shape", "shape", (1, 28, 28), "New shape of one sample (one size may be -1).", allow_infer_dim=True),
        ),
        infer=_reshape_infer,
        output_is_view=True,
        build=None,
        forward=lambda ctx: [
            f"{ctx.out} = {ctx.x}.reshape({ctx.x}.size(0), " + ", ".join(str(s) for s in ctx.out_shapes["out"]) + ")"
        ],
        face=("shape",),
    )
)


def _slice_auto(inputs, p):
    shape = inputs["x"][0]
    return {"end": shape[sample_axis(p["dim"], len(shape), "slice")]}


def _slice_infer(inputs, p):
    shape = inputs["x"][0]
    axis = sample_axis(p["dim"], len(shape), "slice")
    size, start, end = shape[axis], p["start"], p["end"]
    if size is None:
        known = start >= 0 and end is not None and end >= 0
        taken = max(end - start, 0) if known else None
    else:
        for name, value in (("start", start), ("end", end)):
            if value is not None and not -size <= value <= size:
                raise ShapeError(
                    f"{name}={value} lies outside the {size} position(s) along dim {p['dim']}; "
                    f"use {-size} to {size} (negative: counted from the end)",
                    "x",
                )
        taken = len(range(size)[start:end])
    if taken == 0:
        raise ShapeError(
            f"takes nothing: positions {start} to {'the end' if end is None else end} of a size of {size} "
            f"along dim {p['dim']} are empty; choose start < end within 0..{size}",
            "x",
        )
    return (*shape[:axis], taken, *shape[axis + 1 :])


def _slice_forward(ctx):
    dim, start, end = ctx.params["dim"], ctx.params["start"], ctx.params["end"]
    bounds = f"{'' if start == 0 else render(start)}:{'' if end is None else render(end)}"
    if dim > 0:
        index = ", ".join([":"] * dim + [bounds])
    else:
        index = ", ".join(["...", bounds] + [":"] * (-dim - 1))
    return [f"{ctx.out} = {ctx.x}[{index}]"]


register(
    LayerSpec(
        type="Slice",
        category="Core",
        doc="Keeps a range of positions along one dimension, as Python's x[:, start:end] does: channels 0 to 63 of "
        "a (128, H, W) map with dim=1, start=0, end=64. Two Slices of one input split it into parts, as dual-path "
        "and ShuffleNet blocks do; negative numbers count from the end, and end on auto runs to the end.",
        params=(
            Param("dim", "int", 1, "Dimension to slice (the batch is 0; -1 is the last).", minimum=-8, maximum=8),
            Param(
                "start",
                "int",
                0,
                "First position kept (negative: counted from the end).",
                minimum=-MAX_DIM,
                maximum=MAX_DIM,
            ),
            Param(
                "end",
                "int",
                None,
                "Position after the last one kept (negative: counted from the end; auto: to the end).",
                minimum=-MAX_DIM,
                maximum=MAX_DIM,
                auto=True,
            ),
        ),
        infer=_slice_infer,
        auto=_slice_auto,
        output_is_view=True,
        build=None,
        forward=_slice_forward,
        face=("dim", "start", "end"),
    )
)


def _shuffle_infer(inputs, p):
    shape = inputs["x"][0]
    if len(shape) < 2:
        raise ShapeError(
            f"needs channels and at least one more axis per sample, (C, ...), but gets {format_shape(shape)}", "x"
        )
    channels, groups = shape[0], p["groups"]
    if channels is not None and channels % groups:
        raise ShapeError(f"cannot share {channels} channels among {groups} groups; choose groups that divide it", "x")
    return shape


register(
    LayerSpec(
        type="ChannelShuffle",
        category="Core",
        doc="Interleaves the channels of its groups: with groups=2, channels 0 1 2 3 come out as 0 2 1 3. A grouped "
        "convolution only mixes channels within each group; shuffling after it lets the next one see every group, "
        "which is how ShuffleNet keeps grouped convolutions cheap without cutting the groups off from each other.",
        params=(
            Param("groups", "int", 2, "Number of groups the channels are interleaved from.", minimum=1, maximum=4096),
        ),
        infer=_shuffle_infer,
        build=lambda inputs, p: f"nn.ChannelShuffle({render(p['groups'])})",
        face=("groups",),
    )
)

register(
    LayerSpec(
        type="Identity",
        category="Core",
        doc="Passes its input through unchanged. Useful as a named junction or a placeholder.",
        infer=lambda inputs, p: inputs["x"][0],
        output_is_view=True,
        build=None,
        forward=lambda ctx: [f"{ctx.out} = {ctx.x}"],
    )
)
