"""Normalization and regularization: BatchNorm1d, BatchNorm2d, LayerNorm, LocalResponseNorm, Dropout.

Parameter counts are trainable parameters only: BatchNorm's running mean and
variance are buffers, not parameters, exactly as ``module.parameters()`` counts them.
"""

from __future__ import annotations

from graph.layers.conv import channel_param
from graph.params import MAX_RANK, Param, Ref
from graph.registry import register
from graph.shapes import ShapeError, check_channels, format_shape, require_rank
from graph.spec import LayerSpec, kwargs, render

# PyTorch's defaults, so generated code only spells out what differs.
TORCH_BN_DEFAULTS = {"eps": 1e-5, "momentum": 0.1, "affine": True}
TORCH_LN_DEFAULTS = {"eps": 1e-5, "elementwise_affine": True}
TORCH_LRN_DEFAULTS = {"alpha": 1e-4, "beta": 0.75, "k": 1.0}

EPS = Param("eps", "float", 1e-5, "Small number added to the variance to avoid dividing by zero.", minimum=1e-12)


def _bn_infer(ranks: tuple[int, ...], layout: str):
    def infer(inputs: dict, p: dict) -> tuple:
        shape = inputs["x"][0]
        require_rank(shape, ranks, layout)
        check_channels(shape, p["num_features"], "num_features")
        return shape

    return infer


def _bn_count(inputs: dict, p: dict) -> int:
    return 2 * check_channels(inputs["x"][0], p["num_features"], "num_features") if p["affine"] else 0


def _bn_features(inputs: dict, p: dict):
    return p["num_features"] if p["num_features"] is not None else inputs["x"][0][0]


def _bn_build(type_name: str):
    def build(inputs: dict, p: dict) -> str:
        features = _bn_features(inputs, p)
        return f"nn.{type_name}({render(features)}{kwargs(p, TORCH_BN_DEFAULTS, ('eps', 'momentum', 'affine'))})"

    return build


_BN_DOCS = {
    "BatchNorm1d": "Normalises each feature (channel) to mean 0 and variance 1 using the statistics of the current "
    "batch, then applies a learned scale and shift. It makes deep networks train faster and less sensitive to "
    "the learning rate. Takes (C) vectors or (C, L) sequences; needs batches of more than one sample while training.",
    "BatchNorm2d": "Normalises each channel of a feature map (C, H, W) over the batch and all positions, then "
    "applies a learned scale and shift per channel. Put it between a Conv2d and its activation, as ResNet and "
    "VGG-BN do, to train deeper networks faster with higher learning rates.",
}

for _name, _ranks, _layout in (("BatchNorm1d", (1, 2), "(C) or (C, L)"), ("BatchNorm2d", (3,), "(C, H, W)")):
    register(
        LayerSpec(
            type=_name,
            category="Normalization",
            doc=_BN_DOCS[_name],
            params=(
                channel_param("num_features", "Channels to normalise (auto: from the incoming shape)."),
                EPS,
                Param(
                    "momentum",
                    "float",
                    0.1,
                    "How fast the running statistics used at test time follow each batch.",
                    minimum=0.0,
                    maximum=1.0,
                ),
                Param("affine", "bool", True, "Learn a scale and shift per channel."),
            ),
            infer=_bn_infer(_ranks, _layout),
            auto=lambda inputs, p: {"num_features": _bn_features(inputs, p)},
            count_params=_bn_count,
            build=_bn_build(_name),
            face=("num_features",),
            icon="norm",
        )
    )


def _ln_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    dims = p["dims"]
    if dims > len(shape):
        raise ShapeError(
            f"dims is {dims} but gets {format_shape(shape)}, which has only {len(shape)} dimension(s) per sample", "x"
        )
    if None in shape[-dims:]:
        raise ShapeError(f"needs known sizes in the last {dims} dimension(s) but gets {format_shape(shape)}", "x")
    return shape


def _ln_count(inputs: dict, p: dict) -> int:
    if not p["elementwise_affine"]:
        return 0
    total = 1
    for size in inputs["x"][0][-p["dims"] :]:
        total *= size
    return 2 * total


def _ln_build(inputs: dict, p: dict) -> str:
    shape = inputs["x"][0]
    if isinstance(p["dims"], Ref):
        # The instance's sizes are known but how many to take is a block parameter: slice in the code.
        normalized = f"{render(tuple(shape))}[-{p['dims']}:]"
    else:
        trailing = tuple(shape[-p["dims"] :])
        normalized = render(trailing[0] if len(trailing) == 1 else trailing)
    return f"nn.LayerNorm({normalized}{kwargs(p, TORCH_LN_DEFAULTS, ('eps', 'elementwise_affine'))})"


register(
    LayerSpec(
        type="LayerNorm",
        category="Normalization",
        doc="Normalises each sample on its own over its last dims dimensions (mean 0, variance 1), then applies "
        "a learned scale and shift per value. Unlike BatchNorm it does not depend on the batch, so it behaves the "
        "same in training and testing and suits sequences and transformers. dims=1 normalises the features of "
        "each step of a (T, F) sequence.",
        params=(
            Param("dims", "int", 1, "How many trailing dimensions to normalise over.", minimum=1, maximum=MAX_RANK),
            EPS,
            Param("elementwise_affine", "bool", True, "Learn a scale and shift per normalised value."),
        ),
        infer=_ln_infer,
        count_params=_ln_count,
        build=_ln_build,
        face=("dims",),
        icon="norm",
    )
)


def _lrn_infer(inputs: dict, p: dict) -> tuple:
    shape = inputs["x"][0]
    if len(shape) < 2:
        raise ShapeError(f"needs a (C, H, W) or (C, L) input but gets {format_shape(shape)}", "x")
    return shape


def _lrn_build(inputs: dict, p: dict) -> str:
    return f"nn.LocalResponseNorm({render(p['size'])}{kwargs(p, TORCH_LRN_DEFAULTS, ('alpha', 'beta', 'k'))})"


register(
    LayerSpec(
        type="LocalResponseNorm",
        category="Normalization",
        doc="Divides each value by the activity of the same position in size neighbouring channels, so strongly "
        "active channels damp their neighbours (lateral inhibition). AlexNet used it after its first convolutions; "
        "modern networks use BatchNorm instead. Nothing is learned.",
        params=(
            Param("size", "int", 5, "Number of neighbouring channels to look at.", minimum=1, maximum=1024),
            Param("alpha", "float", 1e-4, "Strength of the damping.", minimum=0.0),
            Param("beta", "float", 0.75, "Exponent of the damping.", minimum=0.0),
            Param("k", "float", 2.0, "Constant added before the exponent.", minimum=0.0),
        ),
        infer=_lrn_infer,
        build=_lrn_build,
        face=("size",),
        icon="norm",
    )
)

register(
    LayerSpec(
        type="Dropout",
        category="Regularization",
        doc="While training, sets a random fraction p of the values to zero and scales the rest up by 1/(1-p); "
        "at test time it does nothing. Neurons cannot rely on any one partner, which reduces overfitting. "
        "Typical p: 0.5 between large Linear layers, 0.1-0.3 elsewhere.",
        params=(
            Param(
                "p", "float", 0.5, "Fraction of values dropped while training (0 to 0.99).", minimum=0.0, maximum=0.99
            ),
        ),
        infer=lambda inputs, p: inputs["x"][0],
        build=lambda inputs, p: "nn.Dropout()" if p["p"] == 0.5 else f"nn.Dropout({render(p['p'])})",
        face=("p",),
        icon="dropout",
    )
)
