"""Modules that PyTorch's exporter wrote as several operators, read back whole by their module scope.

Local response norm (a product, a padded 3-D average pool, a power and a division),
adaptive average pooling to a size that does not divide (gathers and means) and a
plain RNN unrolled over time (one MatMul for the inputs, one per step for the
state) each become their one layer again. The exporter records which module every
node came from (`onnx_graph.Scope`); a group is read at its last node, once every
value it takes from outside exists.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.importers.common import Port, Unmappable, Unmapped, checked_params
from backend.importers.onnx_builder import Group, OnnxBuilder, Recurrent
from backend.importers.onnx_ops import HANDLERS


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
                    b.run_handler(lambda n=node, h=handler: h(b, n), list(node.output))
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
