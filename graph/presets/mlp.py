"""The multilayer perceptron preset: dense layers on flat feature vectors."""

from __future__ import annotations

from typing import Any

from graph.network import Network
from graph.params import Param
from graph.presets.base import MAX_CLASSES, Preset, classifier_training, finish, new_project, sequential
from graph.project import Project

ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "gelu": "GELU", "leaky_relu": "LeakyReLU"}

OPTIONS = (
    Param("hidden_sizes", "shape", (128, 64), "Neurons in each hidden layer, e.g. 128,64 (one to eight layers)."),
    Param("activation", "choice", "relu", "The non-linearity after each hidden layer.", choices=tuple(ACTIVATIONS)),
    Param("dropout", "float", 0.0, "Dropout after each hidden activation (0: none).", minimum=0.0, maximum=0.95),
    Param(
        "in_features",
        "int",
        64,
        "Features per sample (digits: 8x8 pixels = 64).",
        minimum=1,
        maximum=1 << 24,
    ),
    Param("num_classes", "int", 10, "Number of classes to tell apart.", minimum=1, maximum=MAX_CLASSES),
)


def build(options: dict[str, Any]) -> Project:
    project = new_project(
        "MLP",
        "A multilayer perceptron: fully connected layers with a non-linearity between them, "
        "classifying the 8x8 digits as flat vectors of 64 pixels.",
        "mlp",
        classifier_training(epochs=20),
    )
    net = project.add_network(Network("mlp"))
    last = net.add("Input", name="features", shape=(options["in_features"],))
    activation = ACTIVATIONS[options["activation"]]
    short = options["activation"].replace("_", "")
    for index, width in enumerate(options["hidden_sizes"], start=1):
        layers = [("Linear", f"fc{index}", {"out_features": width}), (activation, f"{short}{index}", {})]
        if options["dropout"] > 0:
            layers.append(("Dropout", f"dropout{index}", {"p": options["dropout"]}))
        last = sequential(net, last, *layers)
    last = sequential(
        net, last, ("Linear", f"fc{len(options['hidden_sizes']) + 1}", {"out_features": options["num_classes"]})
    )
    net.wire(last, net.add("Output", name="logits"))
    return finish(project)


PRESET = Preset(
    name="mlp",
    title="MLP",
    description="Dense layers with a non-linearity between them: the first network to try on tabular "
    "data or small images flattened to a vector.",
    category="Dense",
    options=OPTIONS,
    build=build,
)
