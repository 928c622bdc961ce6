"""Pooling and resizing layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, GlobalAvgPool,
GlobalMaxPool and Upsample.

None of them learn anything. The global pools are written as plain reductions in
``forward`` (``torch.mean(x, dim=(2, 3))``), which read well and export to ONNX as
a single reduce operator.
"""

from __future__ import annotations

from graph.params import Param
from graph.registry import register
from graph.shapes import ShapeError, format_sizes, require_rank, window_output
from graph.spec import ForwardContext, LayerSpec, render, squeeze

MAX_WINDOW = 1024


def _pool_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    require_rank(shape, (3,), "(C, H, W)")
    kernel = p["kernel_size"]
    stride = p["stride"] or kernel
    padding = p["padding"]
    if 2 * padding[0] > kernel[0] or 2 * padding[1] > kernel[1]:
        raise ShapeError(
            f"padding {format_sizes(p['padding'])} is more than half the window {format_sizes(kernel)}; "
            "PyTorch allows at most half",
            "x",
        )
    sizes = window_output(shape[1:], kernel, stride, p["padding"], what="window", ceil_mode=p["ceil_mode"])
    return (shape[0], *sizes)


def _pool_build(type_name: str):
    def build(inputs: dict, p: dict) -> str:
        text = f"nn.{type_name}({render(squeeze(p['kernel_size']))}"
        if p["stride"] is not None:
            text += f", stride={render(squeeze(p['stride']))}"
        if p["padding"] != (0, 0):
            text += f", padding={render(squeeze(p['padding']))}"
        if p["ceil_mode"] is not False:
            text += f", ceil_mode={render(p['ceil_mode'])}"
        return text + ")"

    return build


def _pool_params() -> tuple[Param, ...]:
    return (
        Param("kernel_size", "ints", (2, 2), "Size of the pooling window.", minimum=1, maximum=MAX_WINDOW),
        Param(
            "stride",
            "ints",
            None,
            "Step between windows (auto: the window size, so windows do not overlap).",
            minimum=1,
            maximum=MAX_WINDOW,
            auto=True,
        ),
        Param("padding", "ints", (0, 0), "Padding on each side (at most half the window).", minimum=0, maximum=512),
        Param(
            "ceil_mode",
            "bool",
            False,
            "Round the number of windows up: a last, partial window covers what is left at the edge "
            "(GoogLeNet and networks converted from Caffe pool this way).",
        ),
    )


_POOL_DOCS = {
    "MaxPool2d": "Keeps only the largest value in each window of a feature map (C, H, W), shrinking height and "
    "width: a 2x2 window halves both. It keeps the strongest evidence of each pattern and ignores exactly "
    "where it was, which makes the network tolerant to small shifts. Channels are pooled separately.",
    "AvgPool2d": "Replaces each window of a feature map (C, H, W) by its average, shrinking height and width "
    "(a 2x2 window halves both). Smoother than max pooling; LeNet-5 used it for its subsampling layers.",
}

for _name in ("MaxPool2d", "AvgPool2d"):
    register(
        LayerSpec(
            type=_name,
            category="Pooling",
            doc=_POOL_DOCS[_name],
            params=_pool_params(),
            infer=_pool_infer,
            auto=lambda inputs, p: {"stride": p["kernel_size"]},
            build=_pool_build(_name),
            face=("kernel_size", "stride"),
            icon="pool",
        )
    )


def _adaptive_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    require_rank(shape, (3,), "(C, H, W)")
    return (shape[0], *p["output_size"])


register(
    LayerSpec(
        type="AdaptiveAvgPool2d",
        category="Pooling",
        doc="Averages a feature map (C, H, W) down to a fixed height and width whatever the input size, by "
        "choosing the windows for you. Put it before Flatten so the Linear layers after it work for any image size "
        "(AlexNet uses 6x6).",
        params=(Param("output_size", "ints", (1, 1), "Height and width of the output.", minimum=1, maximum=1 << 16),),
        infer=_adaptive_infer,
        build=lambda inputs, p: f"nn.AdaptiveAvgPool2d({render(squeeze(p['output_size']))})",
        face=("output_size",),
        icon="pool",
    )
)


def _global_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    require_rank(shape, (2, 3), "(C, H, W) or (C, L)")
    return (shape[0],)


def _global_forward(function: str):
    def forward(ctx: ForwardContext) -> list[str]:
        dims = "(2, 3)" if len(ctx.shapes["x"][0]) == 3 else "2"
        return [f"{ctx.out} = torch.{function}({ctx.x}, dim={dims})"]

    return forward


for _name, _function, _doc in (
    (
        "GlobalAvgPool",
        "mean",
        "Averages each channel over its whole map: (C, H, W) becomes (C), one number per channel "
        "((C, L) works too). ResNet ends with it instead of large Linear layers, which saves parameters and "
        "lets any image size through.",
    ),
    (
        "GlobalMaxPool",
        "amax",
        "Keeps the largest value of each channel over its whole map: (C, H, W) becomes (C) "
        "((C, L) works too). It answers 'did this pattern appear anywhere?'.",
    ),
):
    register(
        LayerSpec(
            type=_name,
            category="Pooling",
            doc=_doc,
            infer=_global_infer,
            build=None,
            forward=_global_forward(_function),
            icon="pool",
        )
    )


def _upsample_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    if p["mode"] == "bilinear":
        require_rank(shape, (3,), "(C, H, W)")
    else:
        require_rank(shape, (2, 3), "(C, H, W) or (C, L)")
    factor = p["scale_factor"]
    return (shape[0], *(None if s is None else s * factor for s in shape[1:]))


def _upsample_build(inputs: dict, p: dict) -> str:
    mode = "" if p["mode"] == "nearest" else f", mode={render(p['mode'])}"
    return f"nn.Upsample(scale_factor={render(p['scale_factor'])}{mode})"


register(
    LayerSpec(
        type="Upsample",
        category="Pooling",
        doc="Enlarges a feature map by a whole factor without learning anything: 'nearest' repeats each pixel, "
        "'bilinear' blends neighbours for a smoother result. Followed by a Conv2d it is a common alternative "
        "to ConvTranspose2d in decoders, with fewer checkerboard artefacts.",
        params=(
            Param("scale_factor", "int", 2, "How many times larger height and width become.", minimum=1, maximum=64),
            Param("mode", "choice", "nearest", "How new pixels are filled in.", choices=("nearest", "bilinear")),
        ),
        infer=_upsample_infer,
        build=_upsample_build,
        face=("scale_factor", "mode"),
        icon="pool",
    )
)
