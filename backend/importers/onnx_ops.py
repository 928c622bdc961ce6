"""ONNX operators as NetCanvas layers: one handler per operator type (`HANDLERS`).

A handler reads its node's attributes and constant inputs, creates the layer with
its weights named as PyTorch names them (``weight``, ``bias``, ``running_mean``...),
and records what its outputs are. It raises `Unmappable` when the node's settings
have no layer (asymmetric padding, a convolution with groups on a transposed one);
the importer then fails only if the result is needed.

Recurrent operators and what follows their outputs back to batch first live in
`onnx_recurrent`; the handlers here route a recurrent layer's values there (a
Reshape of its output, a Gather of its last state).
"""

from __future__ import annotations

import numpy as np

from backend.importers.common import (
    Link,
    Port,
    Shuffled,
    Unmappable,
    Unmapped,
    checked_params,
    multiplies,
    shuffle_groups,
)
from backend.importers.onnx_builder import Handler, Node, OnnxBuilder, Recurrent, describe
from backend.importers.onnx_graph import INT64_MAX
from backend.importers.onnx_recurrent import follow_layout, recurrent, state_part
from graph.shapes import ShapeError, window_output


def _side_pads(b: OnnxBuilder, node: Node, axes: int) -> list[int] | str:
    """Padding before each axis, then after each (ONNX's ``pads``), or ``"same"``."""
    auto = b.graph.attr(node, "auto_pad", "NOTSET")
    if auto == "VALID":
        return [0] * 2 * axes
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return "same"
    return list(b.graph.attr(node, "pads", [0] * 2 * axes))


def _uneven(node: Node, pads: list[int]) -> Unmappable:
    return Unmappable(f"{describe(node)} pads its sides unevenly ({pads}), which NetCanvas layers cannot")


def _pads(b: OnnxBuilder, node: Node, axes: int) -> tuple[int, ...] | str:
    pads = _side_pads(b, node, axes)
    if pads == "same":
        return pads
    if pads[:axes] != pads[axes:]:
        raise _uneven(node, pads)
    return tuple(pads[:axes])


def _unary(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        b.layer(node, type_name, {}, [b.link("x", node.input[0], node)])

    return handle


def _alias(b: OnnxBuilder, node: Node) -> None:
    b.values[node.output[0]] = b.values.get(node.input[0], Unmapped(f"{describe(node)} passes on something not drawn"))


def _conv(b: OnnxBuilder, node: Node) -> None:
    weight = b.constant(node, 1, "weights")
    axes = weight.ndim - 2
    if axes not in (1, 2):
        raise Unmappable(f"{describe(node)} convolves over {axes} axes; NetCanvas has Conv1d and Conv2d")
    bias = b.optional(node, 2)
    groups = b.graph.attr(node, "group", 1)
    values = {
        "in_channels": weight.shape[1] * groups,
        "out_channels": weight.shape[0],
        "kernel_size": tuple(weight.shape[2:]),
        "stride": tuple(b.graph.attr(node, "strides", [1] * axes)),
        "padding": _pads(b, node, axes),
        "dilation": tuple(b.graph.attr(node, "dilations", [1] * axes)),
        "groups": groups,
        "bias": bias is not None,
    }
    state = {"weight": weight, **({"bias": bias} if bias is not None else {})}
    b.layer(node, f"Conv{axes}d", values, [b.link("x", node.input[0], node)], state)


def _conv_transpose(b: OnnxBuilder, node: Node) -> None:
    weight = b.constant(node, 1, "weights")
    if weight.ndim != 4 or b.graph.attr(node, "group", 1) != 1 or b.graph.attr(node, "output_shape"):
        raise Unmappable(f"{describe(node)} is not a plain 2-D transposed convolution")
    if tuple(b.graph.attr(node, "dilations", [1, 1])) != (1, 1):
        raise Unmappable(f"{describe(node)} has dilations, which ConvTranspose2d here cannot")
    padding = _pads(b, node, 2)
    if padding == "same":
        raise Unmappable(f"{describe(node)} pads 'same', which ConvTranspose2d cannot")
    bias = b.optional(node, 2)
    values = {
        "in_channels": weight.shape[0],
        "out_channels": weight.shape[1],
        "kernel_size": tuple(weight.shape[2:]),
        "stride": tuple(b.graph.attr(node, "strides", [1, 1])),
        "padding": padding,
        "output_padding": tuple(b.graph.attr(node, "output_padding", [0, 0])),
        "bias": bias is not None,
    }
    state = {"weight": weight, **({"bias": bias} if bias is not None else {})}
    b.layer(node, "ConvTranspose2d", values, [b.link("x", node.input[0], node)], state)


def _gemm(b: OnnxBuilder, node: Node) -> None:
    if b.graph.attr(node, "transA", 0) or b.graph.attr(node, "alpha", 1.0) != 1.0:
        raise Unmappable(f"{describe(node)} transposes or scales its input, which Linear cannot")
    weight = b.constant(node, 1, "weights")
    weight = weight if b.graph.attr(node, "transB", 0) else weight.T
    bias = b.optional(node, 2)
    if bias is not None:
        if b.graph.attr(node, "beta", 1.0) != 1.0 or bias.size != weight.shape[0]:
            raise Unmappable(f"{describe(node)} adds a bias Linear cannot hold")
        bias = bias.reshape(-1)
    values = {"in_features": weight.shape[1], "out_features": weight.shape[0], "bias": bias is not None}
    state = {"weight": weight, **({"bias": bias} if bias is not None else {})}
    b.layer(node, "Linear", values, [b.link("x", node.input[0], node)], state)


def _matmul(b: OnnxBuilder, node: Node) -> None:
    weight = b.constant(node, 1, "weights")
    if weight.ndim != 2:
        raise Unmappable(f"{describe(node)} multiplies by a {weight.ndim}-D tensor; Linear takes a matrix")
    values = {"in_features": weight.shape[0], "out_features": weight.shape[1], "bias": False}
    b.layer(node, "Linear", values, [b.link("x", node.input[0], node)], {"weight": weight.T})


def _add(b: OnnxBuilder, node: Node) -> None:
    for data, other in ((0, 1), (1, 0)):
        bias = b.graph.const(node.input[other])
        source = b.values.get(node.input[data])
        if bias is not None and isinstance(source, Port) and _takes_bias(b, source, node.input[data], bias):
            source.node.params["bias"] = True
            source.node.state["bias"] = bias.reshape(-1)
            source.node.shapes = {"out": b.sample_shape(node.output[0])} if b.sample_shape(node.output[0]) else {}
            b.values[node.output[0]] = source
            return
    _merge(b, node, "Add")


def _takes_bias(b: OnnxBuilder, source: Port, name: str, bias: np.ndarray) -> bool:
    """``MatMul`` then ``Add`` of a vector is one Linear with a bias (when nothing else reads the product)."""
    layer = source.node
    fits = layer.type == "Linear" and not layer.params["bias"] and bias.size == layer.params["out_features"]
    return fits and b.graph.uses.get(name, 0) == 1


def _merge(b: OnnxBuilder, node: Node, type_name: str) -> None:
    names = [n for n in node.input if n]
    shapes = {tuple(b.graph.shape(n) or ()) for n in names}
    if len(shapes) != 1 and not (type_name == "Multiply" and multiplies(list(shapes))):
        raise Unmappable(f"{describe(node)} combines tensors of different shapes, which {type_name} cannot")
    b.layer(node, type_name, {}, [b.link("x", n, node) for n in names])


def _concat(b: OnnxBuilder, node: Node) -> None:
    halves = [b.values.get(n) for n in node.input]
    if all(isinstance(h, Recurrent) and h.part == "Y_h" for h in halves) and b.graph.attr(node, "axis") == 0:
        b.values[node.output[0]] = Recurrent(halves[-1].node, "stack")  # h_n of stacked layers: the top one last
        return
    if len(halves) == 2 and all(isinstance(h, Recurrent) and h.part == "layer" for h in halves):
        same = halves[0].node is halves[1].node and [h.index for h in halves] == [0, 1]
        if same and b.graph.attr(node, "axis") in (1, -1):
            b.values[node.output[0]] = Port(halves[0].node, "state")
            return
    axis = b.graph.attr(node, "axis")
    if axis == 0:
        raise Unmappable(f"{describe(node)} joins along the batch axis, which a drawing cannot show")
    b.layer(node, "Concat", {"dim": axis}, [b.link("x", n, node) for n in node.input])


def _leaky_relu(b: OnnxBuilder, node: Node) -> None:
    slope = b.graph.attr(node, "alpha", 0.01)
    b.layer(node, "LeakyReLU", {"negative_slope": slope}, [b.link("x", node.input[0], node)])


def _gelu(b: OnnxBuilder, node: Node) -> None:
    if b.graph.attr(node, "approximate", "none") != "none":
        raise Unmappable(f"{describe(node)} approximates with tanh, which GELU here does not")
    _unary("GELU")(b, node)


def _softmax(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        opset = max((o.version for o in b.graph.model.opset_import if o.domain in ("", "ai.onnx")), default=13)
        shape = b.graph.shape(node.input[0]) or []
        rank = len(shape)
        axis = b.graph.attr(node, "axis", -1 if opset >= 13 else 1)
        # Before opset 13 the axes from `axis` on are flattened into one; that is a softmax over `axis`
        # alone when it is the last axis, or when every axis after it has size 1 (SqueezeNet's (N, 1000, 1, 1)).
        trailing = shape[axis % rank + 1 :] if rank else []
        if opset < 13 and axis % max(rank, 1) != rank - 1 and any(size != 1 for size in trailing):
            raise Unmappable(f"{describe(node)} (before opset 13) normalises flattened axes")
        b.layer(node, type_name, {"dim": axis}, [b.link("x", node.input[0], node)])

    return handle


def _dropout(b: OnnxBuilder, node: Node) -> None:
    ratio = b.optional(node, 1)
    p = float(ratio) if ratio is not None else b.graph.attr(node, "ratio", 0.5)
    b.layer(node, "Dropout", {"p": p}, [b.link("x", node.input[0], node)])


def _pool(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        kernel = tuple(b.graph.attr(node, "kernel_shape"))
        if len(kernel) != 2:
            raise Unmappable(f"{describe(node)} is not a 2-D pooling")
        if tuple(b.graph.attr(node, "dilations", [1, 1])) != (1, 1) or b.graph.attr(node, "storage_order", 0):
            raise Unmappable(f"{describe(node)} has dilations, which {type_name} here cannot")
        pads = _side_pads(b, node, 2)
        if pads == "same":
            raise Unmappable(f"{describe(node)} pads 'same', which {type_name} cannot")
        stride = tuple(b.graph.attr(node, "strides", [1, 1]))
        padding, ceil = tuple(pads[:2]), bool(b.graph.attr(node, "ceil_mode", 0))
        include_pad = b.graph.attr(node, "count_include_pad", 0)
        if pads[:2] != pads[2:]:
            _uneven_pool_pads(b, node, type_name, kernel, stride, pads, include_pad)
            ceil = True
        elif type_name == "AvgPool2d" and any(padding) and not include_pad:
            raise Unmappable(f"{describe(node)} leaves padding out of its averages, which AvgPool2d cannot")
        values = {"kernel_size": kernel, "stride": None if stride == kernel else stride, "padding": padding}
        b.layer(node, type_name, {**values, "ceil_mode": ceil}, [b.link("x", node.input[0], node)])

    return handle


def _uneven_pool_pads(b: OnnxBuilder, node: Node, type_name: str, kernel, stride, pads: list, include_pad) -> None:
    """Caffe's pooling rounds up by padding the bottom and right more: that is ``ceil_mode`` when the sizes agree
    (and, for an average, when only the real values are counted and nothing is padded before)."""
    before, after = tuple(pads[:2]), tuple(pads[2:])
    sizes, out = (b.graph.shape(node.input[0]) or [])[2:], (b.graph.shape(node.output[0]) or [])[2:]
    refusal = _uneven(node, pads)
    known = len(sizes) == len(out) == 2 and all(isinstance(s, int) for s in (*sizes, *out))
    if not known or any(a < b_ for a, b_ in zip(after, before, strict=True)):
        raise refusal
    if type_name == "AvgPool2d" and (any(before) or include_pad):
        raise refusal
    try:
        rounded_up = window_output(tuple(sizes), kernel, stride, before, what="window", ceil_mode=True)
    except ShapeError:
        raise refusal from None
    if rounded_up != tuple(out):
        raise refusal


def _global_average(b: OnnxBuilder, node: Node) -> None:
    if len(b.graph.shape(node.input[0]) or []) != 4:
        raise Unmappable(f"{describe(node)} pools something other than an image")
    b.layer(node, "AdaptiveAvgPool2d", {"output_size": (1, 1)}, [b.link("x", node.input[0], node)])


def _reduce(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        rank = len(b.graph.shape(node.input[0]) or [])
        axes = b.optional(node, 1)
        axes = list(axes) if axes is not None else list(b.graph.attr(node, "axes", []))
        spatial = sorted(int(a) % max(rank, 1) for a in axes) == list(range(2, rank)) and rank in (3, 4)
        if not spatial or b.graph.attr(node, "keepdims", 1):
            raise Unmappable(f"{describe(node)} reduces other axes than the spatial ones, or keeps them")
        b.layer(node, type_name, {}, [b.link("x", node.input[0], node)])

    return handle


def _batch_norm(b: OnnxBuilder, node: Node) -> None:
    if b.graph.attr(node, "training_mode", 0):
        raise Unmappable(f"{describe(node)} is in training mode")
    scale, shift, mean, var = (
        b.constant(node, i, what) for i, what in ((1, "scale"), (2, "bias"), (3, "mean"), (4, "variance"))
    )
    rank = len(b.graph.shape(node.input[0]) or [])
    if rank > 4:
        raise Unmappable(f"{describe(node)} normalises {rank - 2}-D volumes; NetCanvas has BatchNorm1d and BatchNorm2d")
    type_name = "BatchNorm2d" if rank == 4 else "BatchNorm1d"
    values = {
        "num_features": scale.size,
        "eps": b.graph.attr(node, "epsilon", 1e-5),
        "momentum": round(1.0 - b.graph.attr(node, "momentum", 0.9), 6),
        "affine": True,
    }
    state = {
        "weight": scale,
        "bias": shift,
        "running_mean": mean,
        "running_var": var,
        "num_batches_tracked": np.array(0),
    }
    b.layer(node, type_name, values, [b.link("x", node.input[0], node)], state)


def _lrn(b: OnnxBuilder, node: Node) -> None:
    values = {
        "size": b.graph.attr(node, "size"),
        "alpha": b.graph.attr(node, "alpha", 1e-4),
        "beta": b.graph.attr(node, "beta", 0.75),
        "k": b.graph.attr(node, "bias", 1.0),
    }
    b.layer(node, "LocalResponseNorm", values, [b.link("x", node.input[0], node)])


def _reshape_layer(b: OnnxBuilder, node: Node) -> None:
    before, after = b.graph.shape(node.input[0]), b.graph.shape(node.output[0])
    shape = b.sample_shape(node.output[0])
    if not after or shape is None or after[0] != (before or [None])[0]:
        raise Unmappable(f"{describe(node)} does not keep the batch apart, or its result's shape is unknown")
    if len(after) == 2 and len(before or []) >= 2:
        b.layer(node, "Flatten", {}, [b.link("x", node.input[0], node)])
    else:
        b.layer(node, "Reshape", {"shape": shape}, [b.link("x", node.input[0], node)])


def _resize(b: OnnxBuilder, node: Node) -> None:
    """Resize by a whole factor, the same on both sides: an Upsample (nearest, or bilinear as PyTorch aligns it)."""
    scales = b.optional(node, 2)
    if scales is None or scales.size == 0:
        before, after = b.graph.shape(node.input[0]), b.graph.shape(node.output[0])
        if not before or not after or len(before) != 4 or None in (*before[2:], *after[2:]):
            raise Unmappable(f"{describe(node)} resizes to a size NetCanvas cannot read")
        scales = np.array([1, 1, after[2] / before[2], after[3] / before[3]])
    scales = [float(v) for v in np.asarray(scales).ravel()]
    if len(scales) != 4 or scales[:2] != [1.0, 1.0] or scales[2] != scales[3] or not scales[2].is_integer():
        raise Unmappable(
            f"{describe(node)} resizes by {scales}; an Upsample takes one whole factor for height and width"
        )
    mode = b.graph.attr(node, "mode", "nearest")
    transform = b.graph.attr(node, "coordinate_transformation_mode", "half_pixel")
    if mode == "nearest":
        layer_mode = "nearest"
    elif mode == "linear" and transform in ("half_pixel", "pytorch_half_pixel"):
        layer_mode = "bilinear"
    else:
        raise Unmappable(f"{describe(node)} resizes with mode {mode!r} ({transform}), which an Upsample does not")
    values = {"scale_factor": int(scales[2]), "mode": layer_mode}
    b.layer(node, "Upsample", values, [b.link("x", node.input[0], node)])


def _flatten(b: OnnxBuilder, node: Node) -> None:
    if b.graph.attr(node, "axis", 1) != 1:
        raise Unmappable(f"{describe(node)} flattens from an axis other than 1, mixing the batch in")
    b.layer(node, "Flatten", {}, [b.link("x", node.input[0], node)])


def _gather(b: OnnxBuilder, node: Node) -> None:
    table = b.graph.const(node.input[0])
    if table is not None and table.ndim == 2 and b.graph.attr(node, "axis", 0) == 0:
        values = {"num_embeddings": table.shape[0], "embedding_dim": table.shape[1]}
        b.layer(node, "Embedding", values, [b.link("x", node.input[1], node)], {"weight": table})
        return
    index = b.graph.const(node.input[1])
    value = b.values.get(node.input[0])
    if isinstance(value, Unmapped):
        raise Unmappable(value.reason)
    axis = b.graph.attr(node, "axis", 0)
    if (
        isinstance(value, Recurrent)
        and value.part in ("Y_h", "last", "stack")
        and index is not None
        and index.ndim == 0
    ):
        b.values[node.output[0]] = state_part(value, int(index), node)
        return
    rank = len(b.graph.shape(node.input[0]) or [])
    if index is not None and index.ndim == 0 and int(index) == -1 and rank == 3 and axis == 1:
        b.layer(node, "LastTimestep", {}, [b.link("x", node.input[0], node)])
        return
    raise Unmappable(f"{describe(node)} picks values out of a tensor, which NetCanvas cannot draw")


def _slice(b: OnnxBuilder, node: Node) -> None:
    value = b.values.get(node.input[0])
    starts, ends = b.optional(node, 1), b.optional(node, 2)
    axes, steps = b.optional(node, 3), b.optional(node, 4)
    shape = b.graph.shape(node.input[0]) or []
    if starts is None or ends is None:
        raise Unmappable(f"{describe(node)} slices by sizes computed from the data")
    axes = list(axes) if axes is not None else list(range(len(starts)))
    one_step = steps is None or all(int(s) == 1 for s in steps)
    ranges = [
        (int(a) % len(shape) if shape else int(a), int(s), None if _to_the_end(shape, int(a), int(e)) else int(e))
        for s, e, a in zip(starts, ends, axes, strict=True)
    ]
    ranges = [(axis, start, end) for axis, start, end in ranges if (start, end) != (0, None)]
    if not ranges and one_step:
        _alias(b, node)
        return
    if isinstance(value, Recurrent) and value.part == "Y_h" and list(axes) == [0] and int(starts[0]) == -1:
        b.values[node.output[0]] = Recurrent(value.node, "last")
        return
    if shape and len(ranges) == 1 and ranges[0][0] != 0 and one_step:
        axis, start, end = ranges[0]
        b.layer(node, "Slice", {"dim": axis, "start": start, "end": end}, [b.link("x", node.input[0], node)])
        return
    raise Unmappable(f"{describe(node)} slices a tensor in a way NetCanvas cannot draw (one axis, step 1)")


def _to_the_end(shape: list, axis: int, end: int) -> bool:
    """Whether a Slice's `end` on `axis` runs to the end (ONNX writes "to the end" as a huge number)."""
    size = shape[axis] if shape else None
    return end >= INT64_MAX // 2 or (isinstance(size, int) and end >= size)


def _squeeze(b: OnnxBuilder, node: Node) -> None:
    value = b.values.get(node.input[0])
    if isinstance(value, Recurrent) and value.part in ("Y_h", "last"):
        b.values[node.output[0]] = state_part(value, 0, node)
        return
    _rearrange(b, node)


def _rearrange(b: OnnxBuilder, node: Node) -> None:
    """Reshape, Transpose or Squeeze: a recurrent layer's output on its way back to batch first, or a reshape."""
    value = b.values.get(node.input[0])
    if isinstance(value, Unmapped):
        raise Unmappable(value.reason)
    if isinstance(value, Recurrent) and value.part in ("Y", "time_first"):
        follow_layout(b, node, value)
    elif node.op_type == "Transpose" and (groups := _shuffle_groups(b, node)):
        reshape = b.graph.producers[node.input[0]]
        _add_shuffle(b, node, groups, b.link("x", reshape.input[0], node), b.sample_shape(reshape.input[0]))
    elif node.op_type == "Transpose" and isinstance(value, Shuffled) and _swaps_groups(b, node, value):
        # Two shuffles in a row, the reshapes between them dropped by the exporter: (N, a, b, ...) -> (N, b, a, ...)
        # of channels already shuffled is a shuffle of those channels in `a` groups.
        groups = b.graph.shape(node.input[0])[1]
        _add_shuffle(b, node, groups, Link("x", value.port.node.name, value.port.port), value.shape)
    elif node.op_type == "Reshape" and isinstance(value, Shuffled):
        if b.sample_shape(node.output[0]) != value.shape:
            raise Unmappable(f"{describe(node)} reshapes shuffled channels into {b.sample_shape(node.output[0])}")
        b.values[node.output[0]] = value.port
    elif node.op_type == "Reshape":
        _reshape_layer(b, node)
    else:
        raise Unmappable(f"{describe(node)} rearranges a tensor, which NetCanvas cannot draw")


def _add_shuffle(b: OnnxBuilder, node: Node, groups: int, source: Link, shape: tuple) -> None:
    """A ChannelShuffle for a Transpose; its result counts once reshaped back to `shape`."""
    shuffle = b.add(node, "ChannelShuffle", checked_params("ChannelShuffle", {"groups": groups}), [source])
    shuffle.shapes = {"out": shape}
    b.values[node.output[0]] = Shuffled(Port(shuffle, "out"), shape)


def _swaps_first_axes(b: OnnxBuilder, node: Node, rank: int) -> bool:
    """Whether a Transpose swaps axes 1 and 2 and keeps the others."""
    return list(b.graph.attr(node, "perm", [])) == [0, 2, 1, *range(3, rank)]


def _swaps_groups(b: OnnxBuilder, node: Node, value: Shuffled) -> bool:
    split = b.graph.shape(node.input[0]) or []
    return bool(shuffle_groups((split[0], *value.shape), split)) and _swaps_first_axes(b, node, len(split))


def _shuffle_groups(b: OnnxBuilder, node: Node) -> int:
    """The groups of ShuffleNet's shuffle (Reshape (C, ...) -> (g, C/g, ...), then Transpose swapping them), or 0."""
    reshape = b.graph.producers.get(node.input[0])
    if reshape is None or reshape.op_type != "Reshape" or b.graph.uses.get(node.input[0], 0) != 1:
        return 0
    before, split = b.graph.shape(reshape.input[0]) or [], b.graph.shape(node.input[0]) or []
    return shuffle_groups(before, split) if _swaps_first_axes(b, node, len(split)) else 0


def _tile(b: OnnxBuilder, node: Node) -> None:
    """``x.unsqueeze(1).repeat(1, T, 1)`` as exported: Unsqueeze (axis 1) [-> Expand] -> Tile: RepeatVector(T)."""
    repeats = b.constant(node, 1, "repeats")
    value = node.input[0]
    producer = b.graph.producers.get(value)
    while producer is not None and producer.op_type == "Expand":
        value = producer.input[0]
        producer = b.graph.producers.get(value)
    axes = b.optional(producer, 1) if producer is not None and producer.op_type == "Unsqueeze" else None
    if axes is None or [int(a) for a in axes] != [1] or len(repeats) != 3 or (repeats[0], repeats[2]) != (1, 1):
        raise Unmappable(f"{describe(node)} repeats a tensor in a way NetCanvas cannot draw")
    b.layer(node, "RepeatVector", {"times": int(repeats[1])}, [b.link("x", producer.input[0], node)])


HANDLERS: dict[str, Handler] = {
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Add": _add,
    "Sum": lambda b, node: _merge(b, node, "Add"),
    "Mul": lambda b, node: _merge(b, node, "Multiply"),
    "Concat": _concat,
    "Relu": _unary("ReLU"),
    "Sigmoid": _unary("Sigmoid"),
    "Tanh": _unary("Tanh"),
    "Gelu": _gelu,
    "LeakyRelu": _leaky_relu,
    "Softmax": _softmax("Softmax"),
    "LogSoftmax": _softmax("LogSoftmax"),
    "Dropout": _dropout,
    "Identity": _alias,
    "MaxPool": _pool("MaxPool2d"),
    "AveragePool": _pool("AvgPool2d"),
    "GlobalAveragePool": _global_average,
    "ReduceMean": _reduce("GlobalAvgPool"),
    "ReduceMax": _reduce("GlobalMaxPool"),
    "BatchNormalization": _batch_norm,
    "LRN": _lrn,
    "Flatten": _flatten,
    "Resize": _resize,
    "Reshape": _rearrange,
    "Transpose": _rearrange,
    "Squeeze": _squeeze,
    "Gather": _gather,
    "Slice": _slice,
    "Tile": _tile,
    "LSTM": recurrent("LSTM"),
    "GRU": recurrent("GRU"),
    "RNN": recurrent("RNN"),
}
