"""Recurrent operators (RNN, LSTM, GRU) read as PyTorch writes them.

The input is transposed to time first, each layer (both directions of it) is one
operator, and the gates are in ONNX's order (LSTM ``iofc``, GRU ``zrh``), which are
put back in PyTorch's. The operator's outputs are followed through the transposes and
reshapes that turn them back into a batch-first sequence (`follow_layout`) and
through the indexing that takes the last state (`state_part`); a layer stacked on
another reads the one below's time-first output, which is its sequence. A starting
state is a tensor of the drawing (``s.unsqueeze(0)``) or zeros; an LSTM's cell
always starts from zeros.
"""

from __future__ import annotations

import numpy as np
import onnx

from backend.importers.common import Link, Port, Unmappable, Unmapped, checked_params
from backend.importers.onnx_builder import Handler, Node, OnnxBuilder, Recurrent, describe


def state_part(value: Recurrent, index: int, node: Node):
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


def follow_layout(b: OnnxBuilder, node: Node, value: Recurrent) -> None:
    """Transposes and reshapes that turn a recurrent operator's time-first Y back into (N, T, D*H)."""
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


def recurrent(type_name: str) -> Handler:
    def handle(b: OnnxBuilder, node: Node) -> None:
        order = {"LSTM": _LSTM_ORDER, "GRU": _GRU_ORDER, "RNN": (0,)}[type_name]
        direction = b.graph.attr(node, "direction", "forward")
        if direction == "reverse" or b.graph.attr(node, "layout", 0) or b.graph.attr(node, "clip") is not None:
            raise Unmappable(f"{describe(node)} runs in reverse, batch-first or clipped, which {type_name} here cannot")
        if type_name == "GRU" and not b.graph.attr(node, "linear_before_reset", 0):
            raise Unmappable(f"{describe(node)} resets before its linear step, unlike PyTorch's GRU")
        if type_name == "LSTM" and (b.graph.attr(node, "input_forget", 0) or b.optional(node, 7) is not None):
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
        w, r = b.constant(node, 1, "input weights"), b.constant(node, 2, "recurrent weights")
        bias = b.optional(node, 3)
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
