"""VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions between max pools.

The four reference configurations (A, B, D, E = VGG-11, 13, 16, 19), optionally
with batch normalisation after every convolution, adaptive average pooling to 7x7
and a 4096-4096-classes classifier with dropout, like the PyTorch reference.
Plain layers, named ``conv<stage>_<index>`` as in the paper, keep the generated
code a straight read.
"""

from __future__ import annotations

from typing import Any

from graph.network import Network
from graph.params import Param
from graph.presets.base import Preset, classifier_training, finish, image_options, new_project, sequential
from graph.project import Project

# Convolution widths per stage; every stage ends with a 2x2 max pool.
CONFIGS: dict[int, tuple[tuple[int, ...], ...]] = {
    11: ((64,), (128,), (256, 256), (512, 512), (512, 512)),
    13: ((64, 64), (128, 128), (256, 256), (512, 512), (512, 512)),
    16: ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)),
    19: ((64, 64), (128, 128), (256, 256, 256, 256), (512, 512, 512, 512), (512, 512, 512, 512)),
}
# Five halving pools need at least 32 pixels.
MIN_SIZE = 32

OPTIONS = (
    Param(
        "depth", "choice", 11, "Weight layers: 11, 13, 16 or 19 (configurations A, B, D, E).", choices=(11, 13, 16, 19)
    ),
    # Off by default: the paper's network (VGG-16 at 3x224x224 has 138,357,544 weights).
    Param(
        "batch_norm",
        "bool",
        False,
        "Batch normalisation after every convolution (the later 'VGG-BN' variants: trains faster and more stably).",
    ),
    *image_options(32, MIN_SIZE),
)


def build(options: dict[str, Any]) -> Project:
    depth, batch_norm = options["depth"], options["batch_norm"]
    title = f"VGG-{depth}" + (" with batch norm" if batch_norm else "")
    project = new_project(
        title,
        f"{title}: {depth - 3} 3x3 convolutions in five stages, each closed by a 2x2 max pool, "
        "then adaptive average pooling to 7x7 and three dense layers.",
        "vgg",
        # The 100M-weight classifier diverges under Adam at 1e-3, even with batch norm. At 1e-4 the
        # paper's VGG-11 (no batch norm) reached 96% validation accuracy on the digits after 11
        # epochs and 97% after 12 (the variant with batch norm gets there in two).
        classifier_training(lr=1e-4, epochs=12),
    )
    net = project.add_network(Network(f"vgg{depth}" + ("_bn" if batch_norm else "")))
    size = options["image_size"]
    last = net.add("Input", name="image", shape=(options["in_channels"], size, size))
    for stage, widths in enumerate(CONFIGS[depth], start=1):
        for index, width in enumerate(widths, start=1):
            suffix = f"{stage}_{index}"
            layers = [("Conv2d", f"conv{suffix}", {"out_channels": width, "kernel_size": 3, "padding": 1})]
            if batch_norm:
                layers.append(("BatchNorm2d", f"bn{suffix}", {}))
            layers.append(("ReLU", f"relu{suffix}", {}))
            last = sequential(net, last, *layers)
        last = sequential(net, last, ("MaxPool2d", f"pool{stage}", {"kernel_size": 2}))
    last = sequential(
        net,
        last,
        ("AdaptiveAvgPool2d", "avgpool", {"output_size": (7, 7)}),
        ("Flatten", "flatten", {}),
        ("Linear", "fc1", {"out_features": 4096}),
        ("ReLU", "relu6", {}),
        ("Dropout", "dropout1", {"p": 0.5}),
        ("Linear", "fc2", {"out_features": 4096}),
        ("ReLU", "relu7", {}),
        ("Dropout", "dropout2", {"p": 0.5}),
        ("Linear", "fc3", {"out_features": options["num_classes"]}),
    )
    net.wire(last, net.add("Output", name="logits"))
    return finish(project)


PRESET = Preset(
    name="vgg",
    title="VGG",
    description="Deep stacks of small 3x3 convolutions between max pools (VGG-11/13/16/19), "
    "optionally with batch normalisation.",
    category="Convolutional",
    options=OPTIONS,
    build=build,
)
