"""Convolution layers: Conv1d, Conv2d and ConvTranspose2d.

Shape rules follow PyTorch's formulas exactly (floor division, dilation, groups);
``padding`` may be ``"same"`` (stride 1 only, as in PyTorch) or ``"valid"`` (no padding).
Code templates write what a person would: ``nn.Conv2d(1, 6, kernel_size=5)``, with
keyword arguments only where a value differs from PyTorch's default.
"""

from __future__ import annotations

from graph.params import MAX_DIM, Param, format_value
from graph.registry import register
from graph.shapes import ShapeError, check_channels, format_sizes, numel, require_rank, window_output
from graph.spec import LayerSpec, kwargs, render, squeeze

MAX_WINDOW = 1024

# PyTorch's defaults: keyword arguments equal to these are left out of generated code.
TORCH_CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True, "output_padding": 0}


def _torch_defaults(length: int) -> dict:
    """PyTorch's defaults in canonical (tuple) form for `length` spatial axes."""
    return {k: (v,) * length if k != "groups" and k != "bias" else v for k, v in TORCH_CONV_DEFAULTS.items()}


def channel_param(name: str, doc: str) -> Param:
    return Param(name, "int", None, doc, minimum=1, maximum=MAX_DIM, auto=True)


def _conv_params(length: int) -> tuple[Param, ...]:
    one = (1,) * length
    return (
        channel_param("in_channels", "Channels of the input (auto: from the incoming shape)."),
        Param("out_channels", "int", 16, "Number of filters, i.e. channels of the output.", minimum=1, maximum=MAX_DIM),
        Param(
            "kernel_size", "ints", (3,) * length, "Size of each filter.", minimum=1, maximum=MAX_WINDOW, length=length
        ),
        Param("stride", "ints", one, "Step between filter positions.", minimum=1, maximum=MAX_WINDOW, length=length),
        Param(
            "padding",
            "padding",
            (0,) * length,
            "Zeros added on each side; 'same' keeps the size (stride 1), 'valid' adds none.",
            minimum=0,
            maximum=MAX_WINDOW,
            length=length,
        ),
        Param("dilation", "ints", one, "Spacing between filter taps.", minimum=1, maximum=MAX_WINDOW, length=length),
        Param("groups", "int", 1, "Split channels into independent groups.", minimum=1, maximum=MAX_DIM),
        Param("bias", "bool", True, "Learn one additive bias per output channel."),
    )


def _check_groups(in_channels: int, p: dict) -> None:
    groups = p["groups"]
    if in_channels % groups:
        raise ShapeError(f"groups is {groups} but the input's {in_channels} channels do not split into {groups}", "x")
    if p["out_channels"] % groups:
        raise ShapeError(f"groups is {groups} but out_channels {p['out_channels']} does not split into {groups}", "x")


def conv_infer(inputs: dict, p: dict, length: int, layout: str) -> tuple:
    """Output shape of Conv1d (`length` 1) or Conv2d (`length` 2)."""
    shape = inputs["x"][0]
    require_rank(shape, (length + 1,), layout)
    _check_groups(check_channels(shape, p["in_channels"]), p)
    sizes, padding = shape[1:], p["padding"]
    if padding == "same":
        if any(s != 1 for s in p["stride"]):
            raise ShapeError(
                f"padding 'same' works only with stride 1 (stride is {format_value(p['stride'])}); "
                "give padding as a number instead",
                "x",
            )
        return (p["out_channels"], *sizes)
    if padding == "valid":
        padding = (0,) * length
    return (p["out_channels"], *window_output(sizes, p["kernel_size"], p["stride"], padding, p["dilation"]))


def _conv_count(inputs: dict, p: dict) -> int:
    in_channels = check_channels(inputs["x"][0], p["in_channels"])
    weights = p["out_channels"] * (in_channels // p["groups"])
    for k in p["kernel_size"]:
        weights *= k
    return weights + (p["out_channels"] if p["bias"] else 0)


def _conv_macs(inputs: dict, p: dict, out_shapes: dict) -> int | None:
    """Each output value is a dot product over (in_channels / groups) x kernel taps (dilation changes nothing)."""
    outputs = numel(out_shapes["out"])
    if outputs is None:
        return None
    taps = check_channels(inputs["x"][0], p["in_channels"]) // p["groups"]
    for k in p["kernel_size"]:
        taps *= k
    return outputs * taps


def _in_channels(inputs: dict, p: dict):
    return p["in_channels"] if p["in_channels"] is not None else inputs["x"][0][0]


def _conv_build(type_name: str, length: int, names: tuple[str, ...]):
    defaults = _torch_defaults(length)

    def build(inputs: dict, p: dict) -> str:
        head = f"{render(_in_channels(inputs, p))}, {render(p['out_channels'])}"
        kernel = f"kernel_size={render(squeeze(p['kernel_size']))}"
        return f"nn.{type_name}({head}, {kernel}{kwargs(p, defaults, names)})"

    return build


_CONV_DOCS = {
    "Conv1d": "Slides a set of small learned filters along a sequence or signal of shape (C, L) and "
    "gives one output channel per filter. Each filter spots one local pattern (a rise, a spike, a motif) "
    "wherever it appears, with far fewer weights than a Linear layer. Use it for audio, sensor data "
    "or token features laid out as channels.",
    "Conv2d": "Slides small learned filters (e.g. 3x3 or 5x5) over an image of shape (C, H, W); each filter "
    "produces one output channel, a map of where its pattern appears. The same weights are reused at every "
    "position, which is why CNNs need few parameters and recognise a shape wherever it is. Output size: "
    "(size + 2*padding - dilation*(kernel - 1) - 1) // stride + 1.",
}

for _name, _length, _layout in (("Conv1d", 1, "(C, L)"), ("Conv2d", 2, "(C, H, W)")):
    register(
        LayerSpec(
            type=_name,
            category="Convolution",
            doc=_CONV_DOCS[_name],
            params=_conv_params(_length),
            infer=lambda inputs, p, n=_length, lay=_layout: conv_infer(inputs, p, n, lay),
            auto=lambda inputs, p: {"in_channels": _in_channels(inputs, p)},
            count_params=_conv_count,
            count_macs=_conv_macs,
            build=_conv_build(_name, _length, ("stride", "padding", "dilation", "groups", "bias")),
            face=("out_channels", "kernel_size", "stride"),
            icon="conv",
        )
    )


def _transpose_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    require_rank(shape, (3,), "(C, H, W)")
    check_channels(shape, p["in_channels"])
    for op, s in zip(p["output_padding"], p["stride"], strict=True):
        if op >= s:
            raise ShapeError(
                f"output_padding {format_sizes(p['output_padding'])} must be smaller than "
                f"stride {format_sizes(p['stride'])}",
                "x",
            )
    axes = zip(shape[1:], p["kernel_size"], p["stride"], p["padding"], p["output_padding"], strict=True)
    sizes = [None if size is None else (size - 1) * s - 2 * pad + k + op for size, k, s, pad, op in axes]
    if any(s is not None and s < 1 for s in sizes):
        raise ShapeError(
            f"padding {format_sizes(p['padding'])} trims away the whole output "
            f"(it would be {format_sizes(tuple(sizes))}); use less padding or a larger kernel or stride",
            "x",
        )
    return (p["out_channels"], *sizes)


def _transpose_count(inputs: dict, p: dict) -> int:
    kh, kw = p["kernel_size"]
    in_channels = check_channels(inputs["x"][0], p["in_channels"])
    return in_channels * p["out_channels"] * kh * kw + (p["out_channels"] if p["bias"] else 0)


def _transpose_macs(inputs: dict, p: dict, out_shapes: dict) -> int | None:
    """Every input value is spread over a whole kernel of every output channel."""
    shape = inputs["x"][0]
    inputs_count = numel(shape[1:])
    if inputs_count is None:
        return None
    kh, kw = p["kernel_size"]
    return inputs_count * check_channels(shape, p["in_channels"]) * p["out_channels"] * kh * kw


register(
    LayerSpec(
        type="ConvTranspose2d",
        category="Convolution",
        doc="The reverse of a strided Conv2d in shape: it spreads each input pixel over a learned filter and "
        "sums the overlaps, so the image grows. With kernel 4, stride 2, padding 1 it doubles height and width. "
        "Use it in decoders and GAN generators to go from a small feature map back to a full image. "
        "Output size: (size - 1)*stride - 2*padding + kernel + output_padding.",
        params=(
            channel_param("in_channels", "Channels of the input (auto: from the incoming shape)."),
            Param("out_channels", "int", 16, "Channels of the output.", minimum=1, maximum=MAX_DIM),
            Param("kernel_size", "ints", (4, 4), "Size of each filter.", minimum=1, maximum=MAX_WINDOW),
            Param("stride", "ints", (2, 2), "Upsampling factor per axis.", minimum=1, maximum=MAX_WINDOW),
            Param("padding", "ints", (1, 1), "Rows/columns trimmed from each side.", minimum=0, maximum=MAX_WINDOW),
            Param(
                "output_padding",
                "ints",
                (0, 0),
                "Extra rows/columns added on one side (smaller than stride).",
                minimum=0,
                maximum=MAX_WINDOW,
            ),
            Param("bias", "bool", True, "Learn one additive bias per output channel."),
        ),
        infer=_transpose_infer,
        auto=lambda inputs, p: {"in_channels": _in_channels(inputs, p)},
        count_params=_transpose_count,
        count_macs=_transpose_macs,
        build=_conv_build("ConvTranspose2d", 2, ("stride", "padding", "output_padding", "bias")),
        face=("out_channels", "kernel_size", "stride"),
        icon="conv",
    )
)
