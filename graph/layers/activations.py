"""Activation functions: the non-linearities between layers."""

from __future__ import annotations

from graph.params import Param
from graph.registry import register
from graph.shapes import ShapeError
from graph.spec import LayerSpec, render


def _same(inputs, p):
    return inputs["x"][0]


def _dim_checked(inputs, p):
    shape = inputs["x"][0]
    dim = p["dim"]
    if not -len(shape) <= dim < len(shape) + 1 or dim == 0:
        raise ShapeError(
            f"dim {dim} does not exist in a per-sample shape of {len(shape)} dimensions "
            "(dim counts the batch as 0; use -1 for the last)",
            "x",
        )
    return shape


def _activation(type_name: str, doc: str, build: str, icon: str = "activation") -> None:
    register(
        LayerSpec(
            type=type_name, category="Activation", doc=doc, infer=_same, build=lambda inputs, p, b=build: b, icon=icon
        )
    )


_activation(
    "ReLU",
    "Rectified linear unit: max(0, x). Passes positive values, zeroes the rest. "
    "Cheap and the usual first choice in hidden layers.",
    "nn.ReLU()",
)
_activation(
    "Sigmoid",
    "Squashes any value into (0, 1): 1 / (1 + e^-x). Use it for a probability of one "
    "class; in deep stacks its gradients vanish.",
    "nn.Sigmoid()",
)
_activation(
    "Tanh",
    "Squashes values into (-1, 1), centred on zero. The classic LeNet activation and the one inside RNN cells.",
    "nn.Tanh()",
)
_activation("GELU", "Gaussian error linear unit: a smooth ReLU used in transformers.", "nn.GELU()")

register(
    LayerSpec(
        type="LeakyReLU",
        category="Activation",
        doc="Like ReLU but lets a small slope through for negative inputs, so neurons never die completely.",
        params=(Param("negative_slope", "float", 0.01, "Slope for negative inputs.", minimum=0.0, maximum=1.0),),
        infer=_same,
        build=lambda inputs, p: (
            "nn.LeakyReLU()" if p["negative_slope"] == 0.01 else f"nn.LeakyReLU({render(p['negative_slope'])})"
        ),
        face=("negative_slope",),
        icon="activation",
    )
)

for _name, _doc in (
    (
        "Softmax",
        "Turns scores into probabilities that sum to 1 along a dimension. Do not put it before a "
        "cross-entropy loss: that loss applies softmax itself.",
    ),
    ("LogSoftmax", "The logarithm of softmax, computed stably. Pair it with the nll loss."),
):
    register(
        LayerSpec(
            type=_name,
            category="Activation",
            doc=_doc,
            params=(Param("dim", "int", -1, "Dimension that sums to one (-1: the last).", minimum=-8, maximum=8),),
            infer=_dim_checked,
            build=lambda inputs, p, n=_name: f"nn.{n}(dim={render(p['dim'])})",
            face=("dim",),
            icon="activation",
        )
    )
