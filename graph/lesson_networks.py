"""Networks the lessons build that are not gallery presets: a deep dense net with optional shortcuts.

``deep_mlp`` exists to show two lessons side by side on the same depth: with and
without residual connections (each hidden layer adds its input back, as a ResNet
block does), and with and without batch normalisation. It is a `Preset` record
(typed options, a builder) so lessons open it exactly like a gallery preset, but
it is not listed in the gallery.
"""

from __future__ import annotations

from typing import Any

from graph.network import Network
from graph.params import Param
from graph.presets.base import MAX_CLASSES, Preset, classifier_training, finish, new_project, sequential
from graph.presets.mlp import ACTIVATIONS
from graph.project import Project

OPTIONS = (
    Param("depth", "int", 20, "Hidden layers of the same width, one after another.", minimum=1, maximum=200),
    Param("width", "int", 64, "Neurons in each hidden layer.", minimum=1, maximum=65_536),
    Param("activation", "choice", "relu", "The non-linearity after each hidden layer.", choices=tuple(ACTIVATIONS)),
    Param("residual", "bool", False, "Add each hidden layer's input to its output (a shortcut, as in ResNet)."),
    Param("batch_norm", "bool", False, "Batch normalisation after each hidden Linear, before the activation."),
    Param("in_features", "int", 64, "Features per sample (digits: 8x8 pixels = 64).", minimum=1, maximum=1 << 24),
    Param("num_classes", "int", 10, "Number of classes to tell apart.", minimum=1, maximum=MAX_CLASSES),
)


def build_deep_mlp(options: dict[str, Any]) -> Project:
    shortcut = "with a shortcut around each hidden layer" if options["residual"] else "without shortcuts"
    project = new_project(
        "Deep MLP",
        f"{options['depth']} dense hidden layers of {options['width']} neurons {shortcut}, classifying the digits.",
        "deep_mlp",
        classifier_training(epochs=15),
    )
    net = project.add_network(Network("deep_mlp"))
    width, activation = options["width"], ACTIVATIONS[options["activation"]]
    last = net.add("Input", name="features", shape=(options["in_features"],))
    last = sequential(net, last, ("Linear", "stem", {"out_features": width}), (activation, "stem_act", {}))
    for index in range(1, options["depth"] + 1):
        layers: list[tuple[str, str, dict]] = [("Linear", f"fc{index}", {"out_features": width})]
        if options["batch_norm"]:
            layers.append(("BatchNorm1d", f"bn{index}", {}))
        layers.append((activation, f"act{index}", {}))
        out = sequential(net, last, *layers)
        if options["residual"]:
            add = net.add("Add", name=f"add{index}")
            net.wire(out, add)
            net.wire(last, add)
            out = add
        last = out
    last = sequential(net, last, ("Linear", "classifier", {"out_features": options["num_classes"]}))
    net.wire(last, net.add("Output", name="logits"))
    return finish(project)


DEEP_MLP = Preset(
    name="deep_mlp",
    title="Deep MLP",
    description="Many dense layers of one width, with optional residual shortcuts and batch normalisation.",
    category="Dense",
    options=OPTIONS,
    build=build_deep_mlp,
)
