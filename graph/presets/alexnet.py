"""AlexNet (Krizhevsky et al., 2012), shaped like the well-known PyTorch reference.

Five convolutions (local response normalisation after the first two, as in the
paper), adaptive average pooling to 6x6 and three dense layers with dropout. At
3x224x224 and 1000 classes it has exactly 61,100,840 parameters.
"""

from __future__ import annotations

from typing import Any

from graph.network import Network
from graph.presets.base import Preset, classifier_training, finish, image_options, new_project, sequential
from graph.project import Project

# The 11x11/4 stem and three 3x3/2 max pools need at least 63 pixels; 64 is the
# smallest power of two, so the digits are upscaled to 64x64 by default.
MIN_SIZE = 63
DEFAULT_SIZE = 64


def build(options: dict[str, Any]) -> Project:
    project = new_project(
        "AlexNet",
        "AlexNet: large early kernels with stride 4, local response normalisation, overlapping max "
        "pooling, ReLU and dropout; the network that started the deep learning boom on ImageNet.",
        "alexnet",
        # Adam at 1e-3 makes a net this size without normalisation stall; 1e-4 trains.
        classifier_training(lr=1e-4, epochs=10),
    )
    net = project.add_network(Network("alexnet"))
    size = options["image_size"]
    image = net.add("Input", name="image", shape=(options["in_channels"], size, size))
    last = sequential(
        net,
        image,
        ("Conv2d", "conv1", {"out_channels": 64, "kernel_size": 11, "stride": 4, "padding": 2}),
        ("ReLU", "relu1", {}),
        ("LocalResponseNorm", "norm1", {"size": 5}),
        ("MaxPool2d", "pool1", {"kernel_size": 3, "stride": 2}),
        ("Conv2d", "conv2", {"out_channels": 192, "kernel_size": 5, "padding": 2}),
        ("ReLU", "relu2", {}),
        ("LocalResponseNorm", "norm2", {"size": 5}),
        ("MaxPool2d", "pool2", {"kernel_size": 3, "stride": 2}),
        ("Conv2d", "conv3", {"out_channels": 384, "kernel_size": 3, "padding": 1}),
        ("ReLU", "relu3", {}),
        ("Conv2d", "conv4", {"out_channels": 256, "kernel_size": 3, "padding": 1}),
        ("ReLU", "relu4", {}),
        ("Conv2d", "conv5", {"out_channels": 256, "kernel_size": 3, "padding": 1}),
        ("ReLU", "relu5", {}),
        ("MaxPool2d", "pool5", {"kernel_size": 3, "stride": 2}),
        ("AdaptiveAvgPool2d", "avgpool", {"output_size": (6, 6)}),
        ("Flatten", "flatten", {}),
        ("Dropout", "dropout1", {"p": 0.5}),
        ("Linear", "fc1", {"out_features": 4096}),
        ("ReLU", "relu6", {}),
        ("Dropout", "dropout2", {"p": 0.5}),
        ("Linear", "fc2", {"out_features": 4096}),
        ("ReLU", "relu7", {}),
        ("Linear", "fc3", {"out_features": options["num_classes"]}),
    )
    net.wire(last, net.add("Output", name="logits"))
    return finish(project)


PRESET = Preset(
    name="alexnet",
    title="AlexNet",
    description="The 2012 ImageNet winner: big strided convolutions, ReLU, local response "
    "normalisation, max pooling and two 4096-wide dense layers with dropout.",
    category="Convolutional",
    options=image_options(DEFAULT_SIZE, MIN_SIZE),
    build=build,
)
