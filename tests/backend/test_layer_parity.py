"""Every layer spec against PyTorch: inferred shapes and parameter counts equal what the generated module does.

For each registered layer type a hypothesis strategy draws valid parameters and input
shapes; a one-layer network Input -> layer -> Output(s) is validated, compiled through
the real code generator and run on a batch of 2. A second, blind fuzz draws any values
the parameter types allow and any input shapes: the validator must either refuse them
with a proper message, or accept them and then agree with PyTorch.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.compiler import build_models, count_parameters
from graph.network import Network
from graph.params import Param
from graph.project import Project
from graph.registry import all_specs, get_spec
from graph.validation import validate_network

BATCH = 2
SIZE = st.integers(1, 6)
FLOAT_KINDS = st.floats(0.0, 0.9, allow_nan=False)
EXAMPLES = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def shapes(min_rank: int = 1, max_rank: int = 4, min_size: int = 1, max_size: int = 5):
    return st.integers(min_rank, max_rank).flatmap(lambda rank: st.tuples(*[st.integers(min_size, max_size)] * rank))


def one(shape) -> dict:
    return {"x": [tuple(shape)]}


# -- valid cases, one strategy per layer type: (params, {port: [shapes]}) -------------------------------
@st.composite
def linear(draw):
    shape = draw(shapes(1, 3))
    in_features = draw(st.sampled_from([None, shape[-1]]))
    return {"in_features": in_features, "out_features": draw(SIZE), "bias": draw(st.booleans())}, one(shape)


@st.composite
def flatten(draw):
    shape = draw(shapes(1, 4))
    return {"start_dim": draw(st.integers(1, len(shape)))}, one(shape)


@st.composite
def reshape(draw):
    shape = draw(shapes(1, 3))
    total = 1
    for size in shape:
        total *= size
    target = draw(st.sampled_from([(total,), (-1,), (1, total), (total, 1), (-1, shape[-1]), tuple(reversed(shape))]))
    return {"shape": target}, one(shape)


@st.composite
def any_shape(draw):
    return {}, one(draw(shapes(1, 4)))


@st.composite
def leaky_relu(draw):
    return {"negative_slope": draw(st.floats(0.0, 1.0))}, one(draw(shapes(1, 3)))


@st.composite
def softmax(draw):
    shape = draw(shapes(1, 3))
    dim = draw(st.integers(1, len(shape)) | st.integers(-len(shape), -1))
    return {"dim": dim}, one(shape)


@st.composite
def window(draw, axes: int, transpose_ok: bool = False):
    """Kernel, stride, padding, dilation and spatial sizes that fit a convolution."""
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(axes))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(axes))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(axes))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(axes))
    sizes = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), d * (k - 1) + 6))
        for k, d, p in zip(kernel, dilation, padding, strict=True)
    )
    return kernel, stride, padding, dilation, sizes


@st.composite
def conv(draw, axes: int):
    kernel, stride, padding, dilation, sizes = draw(window(axes))
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, 2))
    mode = draw(st.sampled_from(["numbers", "same", "valid"]))
    if mode == "same":
        padding, stride = "same", (1,) * axes
    elif mode == "valid":
        padding = "valid"
        sizes = tuple(max(s, d * (k - 1) + 1) for s, k, d in zip(sizes, kernel, dilation, strict=True))
    params = {
        "in_channels": draw(st.sampled_from([None, channels])),
        "out_channels": groups * draw(st.integers(1, 3)),
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": groups,
        "bias": draw(st.booleans()),
    }
    return params, one((channels, *sizes))


@st.composite
def conv_transpose(draw):
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    output_padding = tuple(draw(st.integers(0, s - 1)) for s in stride)
    sizes = tuple(draw(st.integers(1, 5)) for _ in range(2))
    padding = tuple(
        draw(st.integers(0, min(3, ((h - 1) * s + k + op - 1) // 2)))
        for h, s, k, op in zip(sizes, stride, kernel, output_padding, strict=True)
    )
    channels = draw(st.integers(1, 3))
    params = {
        "in_channels": draw(st.sampled_from([None, channels])),
        "out_channels": draw(st.integers(1, 3)),
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "bias": draw(st.booleans()),
    }
    return params, one((channels, *sizes))


@st.composite
def pool(draw):
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(2))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    stride = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    sizes = tuple(draw(st.integers(max(1, k - 2 * p), k + 5)) for k, p in zip(kernel, padding, strict=True))
    values = {"kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": draw(st.booleans())}
    return values, one((draw(SIZE), *sizes))


@st.composite
def adaptive(draw):
    return {"output_size": (draw(SIZE), draw(SIZE))}, one(draw(shapes(3, 3, 1, 8)))


@st.composite
def global_pool(draw):
    return {}, one(draw(shapes(2, 3)))


@st.composite
def upsample(draw):
    mode = draw(st.sampled_from(["nearest", "bilinear"]))
    shape = draw(shapes(3, 3) if mode == "bilinear" else shapes(2, 3))
    return {"scale_factor": draw(st.integers(1, 3)), "mode": mode}, one(shape)


@st.composite
def batch_norm(draw, ranks: tuple[int, ...]):
    rank = draw(st.sampled_from(ranks))
    shape = draw(shapes(rank, rank))
    params = {
        "num_features": draw(st.sampled_from([None, shape[0]])),
        "eps": draw(st.floats(1e-6, 1e-2)),
        "momentum": draw(st.floats(0.0, 1.0)),
        "affine": draw(st.booleans()),
    }
    return params, one(shape)


@st.composite
def layer_norm(draw):
    shape = draw(shapes(1, 4))
    params = {
        "dims": draw(st.integers(1, len(shape))),
        "eps": draw(st.floats(1e-6, 1e-2)),
        "elementwise_affine": draw(st.booleans()),
    }
    return params, one(shape)


@st.composite
def local_response_norm(draw):
    params = {"size": draw(SIZE), "alpha": draw(FLOAT_KINDS), "beta": draw(FLOAT_KINDS), "k": draw(st.floats(1.0, 3.0))}
    return params, one(draw(shapes(2, 4)))


@st.composite
def dropout(draw):
    return {"p": draw(st.floats(0.0, 0.99))}, one(draw(shapes(1, 4)))


@st.composite
def same_shapes(draw):
    shape = draw(shapes(1, 3))
    return {}, {"x": [shape] * draw(st.integers(2, 4))}


@st.composite
def broadcast_shapes(draw):
    """Shapes of one rank where, axis by axis, each input has the common size or 1."""
    shape = draw(shapes(1, 3))
    count = draw(st.integers(2, 3))
    inputs = [tuple(size if draw(st.booleans()) else 1 for size in shape) for _ in range(count)]
    return {}, {"x": inputs}


@st.composite
def slices(draw):
    """A dim (either sign), and start/end within its size that keep at least one position."""
    shape = draw(shapes(1, 3))
    axis = draw(st.integers(0, len(shape) - 1))
    dim = draw(st.sampled_from([axis + 1, axis - len(shape)]))
    size = shape[axis]
    start = draw(st.integers(0, size - 1))
    end = draw(st.none() | st.integers(start + 1, size))
    if draw(st.booleans()):  # the same positions counted from the end
        start, end = start - size, (None if end is None or end == size else end - size)
    return {"dim": dim, "start": start, "end": end}, one(shape)


@st.composite
def channel_shuffle(draw):
    groups = draw(st.integers(1, 4))
    shape = (groups * draw(st.integers(1, 3)), *draw(shapes(1, 2)))
    return {"groups": groups}, one(shape)


@st.composite
def concat(draw):
    shape = list(draw(shapes(1, 3)))
    dim = draw(st.integers(1, len(shape)) | st.integers(-len(shape), -1))
    axis = dim - 1 if dim > 0 else len(shape) + dim
    inputs = []
    for _ in range(draw(st.integers(2, 3))):
        shape[axis] = draw(SIZE)
        inputs.append(tuple(shape))
    return {"dim": dim}, {"x": inputs}


@st.composite
def embedding(draw):
    return {"num_embeddings": draw(st.integers(1, 20)), "embedding_dim": draw(SIZE)}, one((draw(SIZE),))


@st.composite
def recurrent(draw, type_name: str):
    shape = draw(shapes(2, 2))
    layers = draw(st.integers(1, 3))
    params = {
        "input_size": draw(st.sampled_from([None, shape[1]])),
        "hidden_size": draw(SIZE),
        "num_layers": layers,
        "bidirectional": draw(st.booleans()),
        "dropout": 0.0 if layers == 1 else draw(st.floats(0.0, 0.5)),
        "bias": draw(st.booleans()),
    }
    if type_name == "RNN":
        params["nonlinearity"] = draw(st.sampled_from(["tanh", "relu"]))
    inputs = {"x": [shape]}
    if not params["bidirectional"] and draw(st.booleans()):
        inputs["initial_state"] = [(params["hidden_size"],)]
    return params, inputs


@st.composite
def last_timestep(draw):
    return {}, one(draw(shapes(2, 2)))


@st.composite
def repeat_vector(draw):
    return {"times": draw(SIZE)}, one((draw(SIZE),))


@st.composite
def reparameterize(draw):
    shape = draw(shapes(1, 3))
    return {}, {"mu": [shape], "logvar": [shape]}


@st.composite
def kept_module(draw):
    """A torch.nn class kept as a Module node, with the shapes and count it really has."""
    features, out = draw(SIZE), draw(SIZE)
    shape = (*draw(shapes(0, 2)), features)
    choice = draw(st.sampled_from(["linear", "shuffle", "silu"]))
    if choice == "linear":
        module, args, output, count = "torch.nn:Linear", f"{features}, {out}", (*shape[:-1], out), features * out + out
    elif choice == "shuffle":
        shape = (4 * features, out, 2)
        module, args, output, count = "torch.nn:PixelShuffle", "2", (features, 2 * out, 4), 0
    else:
        module, args, output, count = "torch.nn:SiLU", "", None, 0
    recorded = "x".join(str(s) for s in shape)
    params = {"module": module, "args": args, "input_shapes": recorded, "output_shape": output, "parameters": count}
    return params, one(shape)


VALID = {
    "Linear": linear(),
    "Flatten": flatten(),
    "Reshape": reshape(),
    "Identity": any_shape(),
    "ReLU": any_shape(),
    "Sigmoid": any_shape(),
    "Tanh": any_shape(),
    "GELU": any_shape(),
    "LeakyReLU": leaky_relu(),
    "Softmax": softmax(),
    "LogSoftmax": softmax(),
    "Conv1d": conv(1),
    "Conv2d": conv(2),
    "ConvTranspose2d": conv_transpose(),
    "MaxPool2d": pool(),
    "AvgPool2d": pool(),
    "AdaptiveAvgPool2d": adaptive(),
    "GlobalAvgPool": global_pool(),
    "GlobalMaxPool": global_pool(),
    "Upsample": upsample(),
    "BatchNorm1d": batch_norm((1, 2)),
    "BatchNorm2d": batch_norm((3,)),
    "LayerNorm": layer_norm(),
    "LocalResponseNorm": local_response_norm(),
    "Dropout": dropout(),
    "Add": same_shapes(),
    "Multiply": same_shapes() | broadcast_shapes(),
    "Concat": concat(),
    "Slice": slices(),
    "ChannelShuffle": channel_shuffle(),
    "Embedding": embedding(),
    "RNN": recurrent("RNN"),
    "LSTM": recurrent("LSTM"),
    "GRU": recurrent("GRU"),
    "LastTimestep": last_timestep(),
    "RepeatVector": repeat_vector(),
    "Reparameterize": reparameterize(),
    "Module": kept_module(),
}
LAYER_TYPES = sorted(spec.type for spec in all_specs() if spec.type not in ("Input", "Output"))


# -- building and running one layer ------------------------------------------------------------------------
def single_layer(type_name: str, params: dict, inputs: dict) -> tuple[Project, Network, object]:
    """Input nodes (one per connected shape) -> the layer -> one Output per output port."""
    project = Project(name="parity")
    net = project.add_network(Network("net"))
    dtype = "int64" if type_name == "Embedding" else "float32"
    layer = net.add(type_name, **params)
    for port, port_shapes in inputs.items():
        for shape in port_shapes:
            net.wire(net.add("Input", shape=shape, dtype=dtype), layer, dst_port=port)
    for port in get_spec(type_name).outputs:
        net.wire(layer, net.add("Output"), src_port=port)
    return project, net, layer


def run_forward(project: Project, net: Network, params: dict) -> tuple[tuple[torch.Tensor, ...], int]:
    models, _ = build_models(project)
    model = models[net.name]
    tensors = []
    for node in net.input_nodes():
        size = (BATCH, *node.params["shape"])
        if node.params["dtype"] == "int64":
            tensors.append(torch.randint(0, params["num_embeddings"], size))
        else:
            tensors.append(torch.randn(size))
    with torch.no_grad():
        result = model(*tensors)
    return (result if isinstance(result, tuple) else (result,)), count_parameters(model)


def assert_matches_torch(type_name: str, params: dict, inputs: dict) -> None:
    project, net, layer = single_layer(type_name, params, inputs)
    report = validate_network(net)
    assert not report.errors, [p.line() for p in report.errors]
    outputs, torch_params = run_forward(project, net, net.nodes[layer.id].params)
    inferred = report.nodes[layer.id].outputs
    expected = [(BATCH, *inferred[port]) for port in get_spec(type_name).outputs]
    assert [tuple(t.shape) for t in outputs] == expected
    assert report.nodes[layer.id].param_count == torch_params


def test_every_layer_type_has_a_strategy():
    assert sorted(VALID) == LAYER_TYPES


@pytest.mark.parametrize("type_name", LAYER_TYPES)
@EXAMPLES
@given(data=st.data())
def test_inferred_shapes_and_counts_match_torch(type_name, data):
    params, inputs = data.draw(VALID[type_name])
    assert_matches_torch(type_name, params, inputs)


# -- blind fuzz: anything the parameter types allow ----------------------------------------------------------
def raw_value(param: Param):
    """Values within a parameter's declared range, kept small so the modules stay tiny."""
    low = int(param.minimum) if param.minimum is not None else -3
    high = min(int(param.maximum) if param.maximum is not None else 8, low + 6)
    number = st.integers(low, high)
    if param.kind == "int":
        value = number
    elif param.kind == "float":
        value = st.floats(param.minimum or 0.0, min(param.maximum or 3.0, 3.0), allow_nan=False)
    elif param.kind == "bool":
        value = st.booleans()
    elif param.kind == "choice":
        value = st.sampled_from(param.choices)
    elif param.kind == "ints":
        value = st.tuples(*[number] * param.length)
    elif param.kind == "padding":
        value = st.tuples(*[number] * param.length) | st.sampled_from(["same", "valid"])
    else:
        value = st.tuples(st.sampled_from([-1, 1, 2, 3, 4]), st.integers(1, 4))
    return (st.none() | value) if param.auto else value


@st.composite
def anything(draw, type_name: str):
    spec = get_spec(type_name)
    params = {p.name: draw(raw_value(p)) for p in spec.params}
    inputs = {}
    for port in spec.inputs:
        high = port.max_count if port.max_count is not None else 3
        count = draw(st.integers(max(port.min_count, 1 if port.min_count else 0), high))
        if count:
            inputs[port.name] = [draw(shapes(1, 4, 1, 7)) for _ in range(count)]
    return params, inputs


# A Module node repeats the shapes recorded when it was imported; it infers nothing to fuzz.
@pytest.mark.parametrize("type_name", [name for name in LAYER_TYPES if name != "Module"])
@EXAMPLES
@given(data=st.data())
def test_any_values_are_refused_clearly_or_agree_with_torch(type_name, data):
    params, inputs = data.draw(anything(type_name))
    project, net, layer = single_layer(type_name, params, inputs)
    report = validate_network(net)
    problems = report.nodes[layer.id].problems
    assert not any("could not be checked" in p.message for p in problems), [p.message for p in problems]
    if report.errors:
        assert all(p.message.startswith(f"{type_name} '{layer.name}'") for p in problems)
        return
    outputs, torch_params = run_forward(project, net, net.nodes[layer.id].params)
    inferred = report.nodes[layer.id].outputs
    assert [tuple(t.shape) for t in outputs] == [(BATCH, *inferred[p]) for p in get_spec(type_name).outputs]
    assert report.nodes[layer.id].param_count == torch_params
