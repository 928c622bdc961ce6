"""ONNX operators as NetCanvas layers: one handler per operator type (`HANDLERS`).

A handler reads its node's attributes and constant inputs, creates the layer with
its weights named as PyTorch names them (``weight``, ``bias``, ``running_mean``...),
and records what its outputs are. It raises `Unmappable` when the node's settings
have no layer (asymmetric padding, a convolution with groups on a transposed one);
the importer then fails only if the result is needed.

Recurrent operators (RNN, LSTM, GRU) are read as PyTorch writes them: the input
transposed to time first, one operator per layer and direction pair, gates in
ONNX's order (LSTM ``iofc``, GRU ``zrh``), which are put back in PyTorch's order.
Their outputs are followed through the transposes and reshapes that turn them back
into a batch-first sequence, and through the indexing that takes the last state.

`COMPOSITES` reads back, by the module scope PyTorch's exporter records, modules
that reached ONNX as several operators: local response norm, adaptive average
pooling and a plain RNN unrolled over time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx

from backend.importers.common import Link, Unmappable, checked_params
from backend.importers.onnx_builder import Group, OnnxBuilder, Port, Recurrent, Unmapped, describe
from backend.importers.onnx_graph import INT64_MAX

Node = onnx.NodeProto
Handler = Callable[[OnnxBuilder, Node], None]


def _const(b: OnnxBuilder, node: Node, index: int, what: str) -> np.ndarray:
    name = node.input[index] if index < len(node.input) else ""
    value = b.graph.const(name)
    if value is None:
        raise Unmappable(f"{describe(node)} takes its {what} from the data, not from a constant")
    return value


def _optional(b: OnnxBuilder, node: Node, index: int) -> np.ndarray | None:
    return b.graph.const(node.input[index]) if index < len(node.input) and node.input[index] else None


def _pads(b: OnnxBuilder, node: Node, axes: int) -> tuple[int, ...] | str:
    auto = b.graph.attr(node, "auto_pad", "NOTSET")
    if auto == "VALID":
        return (0,) * axes
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return "same"
    pads = list(b.graph.attr(node, "pads", [0] * 2 * axes))
    if pads[:axes] != pads[axes:]:
        raise Unmappable(f"{describe(node)} pads its sides unevenly ({pads}), which NetCanvas layers cannot")
    return tuple(pads[:axes])


def _layer(b: OnnxBuilder, node: Node, type_name: str, values: dict, links: list[Link], state=None, output=None):
    return b.add(node, type_name, checked_params(type_name, values), links, state, output or node.output[0])


def _unary(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        _layer(b, node, type_name, {}, [b.link("x", node.input[0], node)])

    return handle


def _alias(b: OnnxBuilder, node: Node) -> None:
    b.values[node.output[0]] = b.values.get(node.input[0], Unmapped(f"{describe(node)} passes on something not drawn"))


def _conv(b: OnnxBuilder, node: Node) -> None:
    weight = _const(b, node, 1, "weights")
    axes = weight.ndim - 2
    if axes not in (1, 2):
        raise Unmappable(f"{describe(node)} convolves over {axes} axes; NetCanvas has Conv1d and Conv2d")
    bias = _optional(b, node, 2)
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
    _layer(b, node, f"Conv{axes}d", values, [b.link("x", node.input[0], node)], state)


def _conv_transpose(b: OnnxBuilder, node: Node) -> None:
    weight = _const(b, node, 1, "weights")
    if weight.ndim != 4 or b.graph.attr(node, "group", 1) != 1 or b.graph.attr(node, "output_shape"):
        raise Unmappable(f"{describe(node)} is not a plain 2-D transposed convolution")
    if tuple(b.graph.attr(node, "dilations", [1, 1])) != (1, 1):
        raise Unmappable(f"{describe(node)} has dilations, which ConvTranspose2d here cannot")
    padding = _pads(b, node, 2)
    if padding == "same":
        raise Unmappable(f"{describe(node)} pads 'same', which ConvTranspose2d cannot")
    bias = _optional(b, node, 2)
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
    _layer(b, node, "ConvTranspose2d", values, [b.link("x", node.input[0], node)], state)


def _gemm(b: OnnxBuilder, node: Node) -> None:
    if b.graph.attr(node, "transA", 0) or b.graph.attr(node, "alpha", 1.0) != 1.0:
        raise Unmappable(f"{describe(node)} transposes or scales its input, which Linear cannot")
    weight = _const(b, node, 1, "weights")
    weight = weight if b.graph.attr(node, "transB", 0) else weight.T
    bias = _optional(b, node, 2)
    if bias is not None:
        if b.graph.attr(node, "beta", 1.0) != 1.0 or bias.size != weight.shape[0]:
            raise Unmappable(f"{describe(node)} adds a bias Linear cannot hold")
        bias = bias.reshape(-1)
    values = {"in_features": weight.shape[1], "out_features": weight.shape[0], "bias": bias is not None}
    state = {"weight": weight, **({"bias": bias} if bias is not None else {})}
    _layer(b, node, "Linear", values, [b.link("x", node.input[0], node)], state)


def _matmul(b: OnnxBuilder, node: Node) -> None:
    weight = _const(b, node, 1, "weights")
    if weight.ndim != 2:
        raise Unmappable(f"{describe(node)} multiplies by a {weight.ndim}-D tensor; Linear takes a matrix")
    values = {"in_features": weight.shape[0], "out_features": weight.shape[1], "bias": False}
    _layer(b, node, "Linear", values, [b.link("x", node.input[0], node)], {"weight": weight.T})


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
    if len(shapes) != 1:
        raise Unmappable(f"{describe(node)} combines tensors of different shapes, which {type_name} cannot")
    _layer(b, node, type_name, {}, [b.link("x", n, node) for n in names])


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
    _layer(b, node, "Concat", {"dim": axis}, [b.link("x", n, node) for n in node.input])


def _leaky_relu(b: OnnxBuilder, node: Node) -> None:
    slope = b.graph.attr(node, "alpha", 0.01)
    _layer(b, node, "LeakyReLU", {"negative_slope": slope}, [b.link("x", node.input[0], node)])


def _gelu(b: OnnxBuilder, node: Node) -> None:
    if b.graph.attr(node, "approximate", "none") != "none":
        raise Unmappable(f"{describe(node)} approximates with tanh, which GELU here does not")
    _unary("GELU")(b, node)


def _softmax(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        opset = max((o.version for o in b.graph.model.opset_import if o.domain in ("", "ai.onnx")), default=13)
        rank = len(b.graph.shape(node.input[0]) or [])
        axis = b.graph.attr(node, "axis", -1 if opset >= 13 else 1)
        if opset < 13 and axis % max(rank, 1) != rank - 1:
            raise Unmappable(f"{describe(node)} (before opset 13) normalises flattened axes")
        _layer(b, node, type_name, {"dim": axis}, [b.link("x", node.input[0], node)])

    return handle


def _dropout(b: OnnxBuilder, node: Node) -> None:
    ratio = _optional(b, node, 1)
    p = float(ratio) if ratio is not None else b.graph.attr(node, "ratio", 0.5)
    _layer(b, node, "Dropout", {"p": p}, [b.link("x", node.input[0], node)])


def _pool(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        kernel = tuple(b.graph.attr(node, "kernel_shape"))
        if len(kernel) != 2 or b.graph.attr(node, "ceil_mode", 0):
            raise Unmappable(f"{describe(node)} is not a 2-D pooling without ceil_mode")
        if tuple(b.graph.attr(node, "dilations", [1, 1])) != (1, 1) or b.graph.attr(node, "storage_order", 0):
            raise Unmappable(f"{describe(node)} has dilations, which {type_name} here cannot")
        padding = _pads(b, node, 2)
        if padding == "same":
            raise Unmappable(f"{describe(node)} pads 'same', which {type_name} cannot")
        if type_name == "AvgPool2d" and any(padding) and not b.graph.attr(node, "count_include_pad", 0):
            raise Unmappable(f"{describe(node)} leaves padding out of its averages, which AvgPool2d cannot")
        stride = tuple(b.graph.attr(node, "strides", [1, 1]))
        values = {"kernel_size": kernel, "stride": None if stride == kernel else stride, "padding": padding}
        _layer(b, node, type_name, values, [b.link("x", node.input[0], node)])

    return handle


def _global_average(b: OnnxBuilder, node: Node) -> None:
    if len(b.graph.shape(node.input[0]) or []) != 4:
        raise Unmappable(f"{describe(node)} pools something other than an image")
    _layer(b, node, "AdaptiveAvgPool2d", {"output_size": (1, 1)}, [b.link("x", node.input[0], node)])


def _reduce(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        rank = len(b.graph.shape(node.input[0]) or [])
        axes = _optional(b, node, 1)
        axes = list(axes) if axes is not None else list(b.graph.attr(node, "axes", []))
        spatial = sorted(int(a) % max(rank, 1) for a in axes) == list(range(2, rank)) and rank in (3, 4)
        if not spatial or b.graph.attr(node, "keepdims", 1):
            raise Unmappable(f"{describe(node)} reduces other axes than the spatial ones, or keeps them")
        _layer(b, node, type_name, {}, [b.link("x", node.input[0], node)])

    return handle


def _batch_norm(b: OnnxBuilder, node: Node) -> None:
    if b.graph.attr(node, "training_mode", 0):
        raise Unmappable(f"{describe(node)} is in training mode")
    scale, shift, mean, var = (
        _const(b, node, i, what) for i, what in ((1, "scale"), (2, "bias"), (3, "mean"), (4, "variance"))
    )
    rank = len(b.graph.shape(node.input[0]) or [])
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
    _layer(b, node, type_name, values, [b.link("x", node.input[0], node)], state)


def _lrn(b: OnnxBuilder, node: Node) -> None:
    values = {
        "size": b.graph.attr(node, "size"),
        "alpha": b.graph.attr(node, "alpha", 1e-4),
        "beta": b.graph.attr(node, "beta", 0.75),
        "k": b.graph.attr(node, "bias", 1.0),
    }
    _layer(b, node, "LocalResponseNorm", values, [b.link("x", node.input[0], node)])


def _reshape_layer(b: OnnxBuilder, node: Node) -> None:
    before, after = b.graph.shape(node.input[0]), b.graph.shape(node.output[0])
    shape = b.sample_shape(node.output[0])
    if not after or shape is None or after[0] != (before or [None])[0]:
        raise Unmappable(f"{describe(node)} does not keep the batch apart, or its result's shape is unknown")
    if len(after) == 2 and len(before or []) >= 2:
        _layer(b, node, "Flatten", {}, [b.link("x", node.input[0], node)])
    else:
        _layer(b, node, "Reshape", {"shape": shape}, [b.link("x", node.input[0], node)])


def _resize(b: OnnxBuilder, node: Node) -> None:
    """Resize by a whole factor, the same on both sides: an Upsample (nearest, or bilinear as PyTorch aligns it)."""
    scales = _optional(b, node, 2)
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
    _layer(b, node, "Upsample", values, [b.link("x", node.input[0], node)])


def _flatten(b: OnnxBuilder, node: Node) -> None:
    if b.graph.attr(node, "axis", 1) != 1:
        raise Unmappable(f"{describe(node)} flattens from an axis other than 1, mixing the batch in")
    _layer(b, node, "Flatten", {}, [b.link("x", node.input[0], node)])


def _gather(b: OnnxBuilder, node: Node) -> None:
    table = b.graph.const(node.input[0])
    if table is not None and table.ndim == 2 and b.graph.attr(node, "axis", 0) == 0:
        values = {"num_embeddings": table.shape[0], "embedding_dim": table.shape[1]}
        _layer(b, node, "Embedding", values, [b.link("x", node.input[1], node)], {"weight": table})
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
        b.values[node.output[0]] = _state_part(value, int(index), node)
        return
    rank = len(b.graph.shape(node.input[0]) or [])
    if index is not None and index.ndim == 0 and int(index) == -1 and rank == 3 and axis == 1:
        _layer(b, node, "LastTimestep", {}, [b.link("x", node.input[0], node)])
        return
    raise Unmappable(f"{describe(node)} picks values out of a tensor, which NetCanvas cannot draw")


def _state_part(value: Recurrent, index: int, node: Node):
    directions = 2 if value.node.params["bidirectional"] else 1
    if value.part == "stack":  # only the top layer's states are drawn
        if not -directions <= index < 0:
            raise Unmappable(f"{describe(node)} takes the state of a layer below the top one, which is not drawn")
        index += directions
    if value.part == "last" or directions == 1:
        if index not in (0, -1):
            raise Unmappable(f"{describe(node)} takes a state NetCanvas does not draw")
        return Port(value.node, "state")
    return Recurrent(value.node, "layer", index % 2)


def _slice(b: OnnxBuilder, node: Node) -> None:
    value = b.values.get(node.input[0])
    starts, ends = _optional(b, node, 1), _optional(b, node, 2)
    axes, steps = _optional(b, node, 3), _optional(b, node, 4)
    shape = b.graph.shape(node.input[0]) or []
    if starts is None or ends is None:
        raise Unmappable(f"{describe(node)} slices by sizes computed from the data")
    axes = list(axes) if axes is not None else list(range(len(starts)))
    whole = all(
        int(s) == 0 and (int(e) >= INT64_MAX // 2 or (isinstance(shape[int(a)], int) and int(e) >= shape[int(a)]))
        for s, e, a in zip(starts, ends, axes, strict=True)
    ) and (steps is None or all(int(s) == 1 for s in steps))
    if whole:
        _alias(b, node)
        return
    if isinstance(value, Recurrent) and value.part == "Y_h" and list(axes) == [0] and int(starts[0]) == -1:
        b.values[node.output[0]] = Recurrent(value.node, "last")
        return
    raise Unmappable(f"{describe(node)} slices a tensor, which NetCanvas cannot draw")


def _squeeze(b: OnnxBuilder, node: Node) -> None:
    value = b.values.get(node.input[0])
    if isinstance(value, Recurrent) and value.part in ("Y_h", "last"):
        b.values[node.output[0]] = _state_part(value, 0, node)
        return
    _recurrent_layout(b, node)


def _recurrent_layout(b: OnnxBuilder, node: Node) -> None:
    """Transposes and reshapes that turn a recurrent operator's time-first Y back into (N, T, D*H)."""
    value = b.values.get(node.input[0])
    if isinstance(value, Unmapped):
        raise Unmappable(value.reason)
    if not isinstance(value, Recurrent) or value.part not in ("Y", "time_first"):
        if node.op_type == "Reshape":
            _reshape_layer(b, node)
            return
        raise Unmappable(f"{describe(node)} rearranges a tensor, which NetCanvas cannot draw")
    shape = b.graph.shape(node.output[0]) or []
    params = value.node.params
    width = params["hidden_size"] * (2 if params["bidirectional"] else 1)
    steps = value.index
    if len(shape) == 3 and shape[0] == b.batch and shape[1] == steps and shape[2] == width:
        b.values[node.output[0]] = Port(value.node, "sequence")
    elif len(shape) == 3 and shape[0] == steps and shape[1] == b.batch and shape[2] == width:
        b.values[node.output[0]] = Recurrent(value.node, "time_first", steps)  # feeds the next layer as it is
    else:
        b.values[node.output[0]] = Recurrent(value.node, "Y", steps)


_LSTM_ORDER, _GRU_ORDER = (0, 2, 3, 1), (1, 0, 2)  # ONNX iofc -> PyTorch ifgo; ONNX zrh -> PyTorch rzn


def _reorder(blocks: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
    parts = np.split(blocks, len(order), axis=0)
    return np.concatenate([parts[i] for i in order], axis=0)


def _recurrent(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        order = {"LSTM": _LSTM_ORDER, "GRU": _GRU_ORDER, "RNN": (0,)}[type_name]
        direction = b.graph.attr(node, "direction", "forward")
        if direction == "reverse" or b.graph.attr(node, "layout", 0) or b.graph.attr(node, "clip") is not None:
            raise Unmappable(f"{describe(node)} runs in reverse, batch-first or clipped, which {type_name} here cannot")
        if type_name == "GRU" and not b.graph.attr(node, "linear_before_reset", 0):
            raise Unmappable(f"{describe(node)} resets before its linear step, unlike PyTorch's GRU")
        if type_name == "LSTM" and (b.graph.attr(node, "input_forget", 0) or _optional(b, node, 7) is not None):
            raise Unmappable(f"{describe(node)} has peepholes or a coupled forget gate")
        activations = [a.lower() for a in b.graph.attr(node, "activations", [])]
        nonlinearity = activations[0] if activations else "tanh"
        if (
            type_name != "RNN"
            and activations
            and activations[: 3 if type_name == "LSTM" else 2]
            != (["sigmoid", "tanh", "tanh"] if type_name == "LSTM" else ["sigmoid", "tanh"])
        ):
            raise Unmappable(f"{describe(node)} uses other activations than PyTorch's {type_name}")
        w, r = _const(b, node, 1, "input weights"), _const(b, node, 2, "recurrent weights")
        bias = _optional(b, node, 3)
        source = _batch_first(b, node)
        params = {
            "input_size": w.shape[2],
            "hidden_size": b.graph.attr(node, "hidden_size", r.shape[2]),
            "num_layers": 1,
            "bidirectional": direction == "bidirectional",
            "dropout": 0.0,
            "bias": bias is not None,
        }
        if type_name == "RNN":
            params["nonlinearity"] = nonlinearity
        state = {}
        for d, suffix in enumerate(("_l0", "_l0_reverse")[: w.shape[0]]):
            state[f"weight_ih{suffix}"] = _reorder(w[d], order)
            state[f"weight_hh{suffix}"] = _reorder(r[d], order)
            if bias is not None:
                half = bias.shape[1] // 2
                state[f"bias_ih{suffix}"] = _reorder(bias[d][:half], order)
                state[f"bias_hh{suffix}"] = _reorder(bias[d][half:], order)
        links = [Link("x", source.node.name, source.port)]
        start = _initial_state(b, node, 5, type_name == "LSTM")
        if start is not None:
            links.append(Link("initial_state", start.node.name, start.port))
        ir = b.add(node, type_name, checked_params(type_name, params), links, state, wanted="")
        steps = (b.graph.shape(node.input[0]) or [None])[0]
        width = params["hidden_size"] * (2 if params["bidirectional"] else 1)
        if isinstance(steps, int):
            ir.shapes = {"sequence": (steps, width), "state": (width,)}
        outputs = list(node.output) + ["", ""]
        if outputs[0]:
            b.values[outputs[0]] = Recurrent(ir, "Y", steps if isinstance(steps, int) else -1)
        if outputs[1]:
            b.values[outputs[1]] = Recurrent(ir, "Y_h")

    return handle


def _batch_first(b: OnnxBuilder, node: Node) -> Port:
    """The (N, T, F) tensor a recurrent operator's time-first input was transposed from.

    A layer stacked on another reads the one below's output time first: that is its sequence.
    """
    producer = b.graph.producers.get(node.input[0])
    if (
        producer is not None
        and producer.op_type == "Transpose"
        and list(b.graph.attr(producer, "perm", [])) == [1, 0, 2]
    ):
        return b.port(producer.input[0], node)
    below = b.values.get(node.input[0])
    if isinstance(below, Recurrent) and below.part == "time_first":
        return Port(below.node, "sequence")
    if isinstance(below, Unmapped):
        raise Unmappable(below.reason)
    raise Unmappable(f"{describe(node)} reads a sequence that is not a batch-first tensor transposed")


def _initial_state(b: OnnxBuilder, node: Node, index: int, lstm: bool) -> Port | None:
    """The (N, H) tensor the operator starts from, or None when it starts from zeros."""
    name = node.input[index] if index < len(node.input) else ""
    if lstm and len(node.input) > 6 and node.input[6] and not _zeros(b, node.input[6]):
        raise Unmappable(f"{describe(node)} starts from a cell state other than zeros")
    if not name or _zeros(b, name):
        return None
    value = name
    while True:
        producer = b.graph.producers.get(value)
        if producer is None or producer.op_type not in ("Slice", "Unsqueeze", "Expand", "Reshape", "Identity"):
            break
        found = b.values.get(value)
        if isinstance(found, Port) and len(b.graph.shape(value) or []) == 2:
            return found
        value = producer.input[0]
    found = b.values.get(value)
    if isinstance(found, Port) and len(b.graph.shape(value) or []) == 2:
        return found
    raise Unmappable(f"{describe(node)} starts from a state NetCanvas cannot draw")


def _zeros(b: OnnxBuilder, name: str) -> bool:
    """Whether `name` is all zeros: a constant, or zeros expanded, sliced or reshaped to the batch."""
    for _ in range(16):
        value = b.graph.const(name)
        if value is not None:
            return not np.any(value)
        producer = b.graph.producers.get(name)
        if producer is None:
            return False
        if producer.op_type == "ConstantOfShape":
            fill = b.graph.attr(producer, "value", None)
            return fill is None or not np.any(onnx.numpy_helper.to_array(fill))
        if producer.op_type not in ("Expand", "Slice", "Reshape", "Unsqueeze", "Squeeze", "Identity", "Tile"):
            return False
        name = producer.input[0]
    return False


def _tile(b: OnnxBuilder, node: Node) -> None:
    """``x.unsqueeze(1).repeat(1, T, 1)`` as exported: Unsqueeze (axis 1) [-> Expand] -> Tile: RepeatVector(T)."""
    repeats = _const(b, node, 1, "repeats")
    value = node.input[0]
    producer = b.graph.producers.get(value)
    while producer is not None and producer.op_type == "Expand":
        value = producer.input[0]
        producer = b.graph.producers.get(value)
    axes = _optional(b, producer, 1) if producer is not None and producer.op_type == "Unsqueeze" else None
    if axes is None or [int(a) for a in axes] != [1] or len(repeats) != 3 or (repeats[0], repeats[2]) != (1, 1):
        raise Unmappable(f"{describe(node)} repeats a tensor in a way NetCanvas cannot draw")
    _layer(b, node, "RepeatVector", {"times": int(repeats[1])}, [b.link("x", producer.input[0], node)])


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
    "Reshape": _recurrent_layout,
    "Transpose": _recurrent_layout,
    "Squeeze": _squeeze,
    "Gather": _gather,
    "Slice": _slice,
    "Tile": _tile,
    "LSTM": _recurrent("LSTM"),
    "GRU": _recurrent("GRU"),
    "RNN": _recurrent("RNN"),
}


# -- modules PyTorch wrote as several operators ----------------------------------------------------------
def _one_in_one_out(b: OnnxBuilder, group: Group) -> tuple[str, str]:
    inputs, outputs = group.tensor_inputs(b), group.tensor_outputs(b)
    if len(inputs) != 1 or len(outputs) != 1:
        raise Unmappable(f"{group.scope.path} ({group.scope.cls}) does not read one tensor and give one")
    return inputs[0], outputs[0]


def _composite_lrn(b: OnnxBuilder, group: Group) -> None:
    native = [n for n in group.nodes if n.op_type == "LRN"]
    source, output = _one_in_one_out(b, group)
    if native:
        node = native[0]
        values = {
            "size": b.graph.attr(node, "size"),
            "alpha": b.graph.attr(node, "alpha", 1e-4),
            "beta": b.graph.attr(node, "beta", 0.75),
            "k": b.graph.attr(node, "bias", 1.0),
        }
    else:
        values = {"size": _lrn_size(b, group), **_lrn_constants(b, group)}
    b.add(
        group.first,
        "LocalResponseNorm",
        checked_params("LocalResponseNorm", values),
        [b.link("x", source, group.first)],
        output=output,
    )


def _lrn_size(b: OnnxBuilder, group: Group) -> int:
    pools = [n for n in group.nodes if n.op_type == "AveragePool"]
    if len(pools) != 1:
        raise Unmappable(f"{group.scope.path}: a local response norm written in a way NetCanvas does not know")
    return int(b.graph.attr(pools[0], "kernel_shape")[0])


def _lrn_constants(b: OnnxBuilder, group: Group) -> dict:
    """alpha, k and beta from ``div(x, (avg * alpha + k) ** beta)``."""
    found = {}
    for node, key in (("Mul", "alpha"), ("Add", "k"), ("Pow", "beta")):
        for candidate in (n for n in group.nodes if n.op_type == node):
            constants = [b.graph.const(name) for name in candidate.input]
            scalars = [c for c in constants if c is not None and c.size == 1]
            if scalars:
                found[key] = float(scalars[0].reshape(-1)[0])
    if set(found) != {"alpha", "k", "beta"}:
        raise Unmappable("a local response norm written in a way NetCanvas does not know")
    return found


def _composite_adaptive(b: OnnxBuilder, group: Group) -> None:
    source, output = _one_in_one_out(b, group)
    shape = b.sample_shape(output)
    if shape is None or len(shape) != 3:
        raise Unmappable(f"{group.scope.path}: adaptive pooling to a size that cannot be read")
    values = {"output_size": shape[1:]}
    b.add(
        group.first,
        "AdaptiveAvgPool2d",
        checked_params("AdaptiveAvgPool2d", values),
        [b.link("x", source, group.first)],
        output=output,
    )


def _composite_rnn(b: OnnxBuilder, group: Group) -> None:
    """A plain RNN PyTorch unrolled over time: one MatMul for the inputs, one per step for the state."""
    if any(n.op_type == "RNN" for n in group.nodes):
        for node in group.nodes:
            if not b.graph.fold(node):
                handler = HANDLERS.get(node.op_type)
                if handler is not None:
                    b._run(lambda n=node, h=handler: h(b, n), list(node.output))
        return
    (source,) = group.tensor_inputs(b) or [None]
    steps_shape = b.graph.shape(source) if source else None
    if source is None or not steps_shape or len(steps_shape) != 3:
        raise Unmappable(f"{group.scope.path}: an unrolled RNN whose input cannot be found")
    for node in group.nodes:
        b.graph.fold(node)
    matrices = [b.graph.const(n.input[1]) for n in group.nodes if n.op_type == "MatMul"]
    matrices = [m for m in matrices if m is not None and m.ndim == 2]
    features = steps_shape[2]
    inputs = [m for m in matrices if m.shape[0] == features]
    hidden_size = inputs[0].shape[1] if inputs else None
    recurrent = [m for m in matrices if hidden_size and m.shape == (hidden_size, hidden_size) and m is not inputs[0]]
    if not inputs or not recurrent:
        raise Unmappable(f"{group.scope.path}: an unrolled RNN NetCanvas cannot read (several layers or directions?)")
    prefix = group.scope.path + "."
    biases = {n.removeprefix(prefix): b.graph.const(n) for n in b.graph.initializer_names() if n.startswith(prefix)}
    nonlinearity = "relu" if any(n.op_type == "Relu" for n in group.nodes) else "tanh"
    has_bias = "bias_ih_l0" in biases and "bias_hh_l0" in biases
    params = {
        "input_size": features,
        "hidden_size": hidden_size,
        "num_layers": 1,
        "nonlinearity": nonlinearity,
        "bidirectional": False,
        "dropout": 0.0,
        "bias": has_bias,
    }
    state = {"weight_ih_l0": inputs[0].T, "weight_hh_l0": recurrent[0].T}
    if has_bias:
        state.update(bias_ih_l0=biases["bias_ih_l0"], bias_hh_l0=biases["bias_hh_l0"])
    ir = b.add(group.first, "RNN", checked_params("RNN", params), [b.link("x", source, group.first)], state)
    steps = steps_shape[1]
    ir.shapes = {"sequence": (steps, hidden_size), "state": (hidden_size,)} if isinstance(steps, int) else {}
    for output in group.tensor_outputs(b):
        shape = b.graph.shape(output) or []
        if len(shape) == 3 and shape[0] == b.batch and shape[2] == hidden_size:
            b.values[output] = Port(ir, "sequence")
        elif len(shape) == 2 and shape[0] == b.batch:
            b.values[output] = Port(ir, "state")
        elif len(shape) == 3 and shape[0] == 1:
            b.values[output] = Recurrent(ir, "Y_h")
        else:
            b.values[output] = Unmapped(f"{group.scope.path}: a part of an unrolled RNN NetCanvas does not draw")


COMPOSITES: dict[str, Callable[[OnnxBuilder, Group], None]] = {
    "torch.nn.modules.normalization.LocalResponseNorm": _composite_lrn,
    "torch.nn.modules.pooling.AdaptiveAvgPool2d": _composite_adaptive,
    "torch.nn.modules.rnn.RNN": _composite_rnn,
}
