"""ResNet (He et al., 2015) built from residual blocks, like the PyTorch reference.

Four block definitions carry the repeated structure, so the generated code has one
class per kind of block however deep the network is:

- ``BasicBlock(channels)`` (ResNet-18/34): two 3x3 convolutions, input added back;
- ``BasicBlockDown(in_channels, channels, stride)``: the same, where the shape
  changes, with a 1x1 convolution + batch norm on the shortcut;
- ``Bottleneck(channels, width)`` (ResNet-50/101/152): 1x1 down to `width`, 3x3,
  1x1 back up to `channels`, input added back;
- ``BottleneckDown(in_channels, width, channels, stride)``: the same with a
  projection shortcut (the stride sits on the 3x3, as in torchvision's v1.5).

Every size inside a block is a ``$`` reference to a block parameter (never
``auto``), so all instances of one definition render the same code. Convolutions
have no bias (the batch norm after each supplies it); ReLU follows the addition.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from graph.network import Network, Node
from graph.params import Param
from graph.presets.base import Preset, classifier_training, finish, image_options, new_project, sequential
from graph.project import BlockDefinition, Project

# Blocks per stage for each depth; 18 and 34 use BasicBlock, the rest Bottleneck.
STAGES: dict[int, tuple[int, int, int, int]] = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
    152: (3, 8, 36, 3),
}
WIDTHS = (64, 128, 256, 512)
EXPANSION = 4

OPTIONS = (
    Param(
        "depth",
        "choice",
        18,
        "Weight layers: 18 or 34 (basic blocks), 50, 101 or 152 (bottlenecks).",
        choices=tuple(STAGES),
    ),
    *image_options(32),
)


def _size(name: str, default: int, doc: str) -> Param:
    return Param(name, "int", default, doc, minimum=1, maximum=65536)


STRIDE = Param(
    "stride", "int", 2, "Step of the first 3x3 convolution and the shortcut (2 halves H and W).", minimum=1, maximum=8
)


def _conv_bn(body: Network, previous: Node, names: tuple[str, str], conv: dict[str, Any]) -> Node:
    """conv -> batch norm (named `names`), every size a block reference."""
    return sequential(
        body,
        previous,
        ("Conv2d", names[0], {"bias": False, **conv}),
        ("BatchNorm2d", names[1], {"num_features": conv["out_channels"]}),
    )


def _residual_body(
    name: str,
    example: tuple[int, int, int],
    convs: list[dict[str, Any]],
    shortcut: dict[str, Any] | None,
) -> Network:
    """features -> (conv-bn-relu)* conv-bn -> + shortcut -> ReLU -> out."""
    body = Network(name)
    features = body.add("Input", name="features", shape=example)
    last = features
    for index, conv in enumerate(convs, start=1):
        last = _conv_bn(body, last, (f"conv{index}", f"bn{index}"), conv)
        if index < len(convs):
            last = sequential(body, last, ("ReLU", f"relu{index}", {}))
    branch = features
    if shortcut is not None:
        branch = _conv_bn(body, features, ("shortcut_conv", "shortcut_bn"), shortcut)
    add = body.add("Add", name="add")
    body.wire(last, add)
    body.wire(branch, add)
    last = sequential(body, add, ("ReLU", f"relu{len(convs)}", {}))
    body.wire(last, body.add("Output", name="out"))
    return body


def _conv(in_ref: str, out_ref: str, kernel: int, stride: str | int = 1) -> dict[str, Any]:
    conv: dict[str, Any] = {"in_channels": in_ref, "out_channels": out_ref, "kernel_size": kernel}
    if kernel == 3:
        conv["padding"] = 1
    if stride != 1:
        conv["stride"] = stride
    return conv


def basic_blocks() -> tuple[BlockDefinition, BlockDefinition]:
    """``BasicBlock`` and ``BasicBlockDown`` (ResNet-18 and 34)."""
    basic = BlockDefinition(
        "BasicBlock",
        _residual_body(
            "BasicBlock",
            (64, 8, 8),
            [_conv("$channels", "$channels", 3), _conv("$channels", "$channels", 3)],
            None,
        ),
        (_size("channels", 64, "Channels in and out."),),
        "Two 3x3 convolutions with batch norm; the input is added back before the last ReLU.",
    )
    basic_down = BlockDefinition(
        "BasicBlockDown",
        _residual_body(
            "BasicBlockDown",
            (64, 8, 8),
            [
                _conv("$in_channels", "$channels", 3, "$stride"),
                _conv("$channels", "$channels", 3),
            ],
            _conv("$in_channels", "$channels", 1, "$stride"),
        ),
        (
            _size("in_channels", 64, "Channels coming in."),
            _size("channels", 128, "Channels going out."),
            STRIDE,
        ),
        "A basic residual block that changes the shape: the shortcut is a strided 1x1 convolution with batch norm.",
    )
    return basic, basic_down


def bottleneck_blocks() -> tuple[BlockDefinition, BlockDefinition]:
    """``Bottleneck`` and ``BottleneckDown`` (ResNet-50, 101 and 152)."""
    bottleneck = BlockDefinition(
        "Bottleneck",
        _residual_body(
            "Bottleneck",
            (256, 8, 8),
            [
                _conv("$channels", "$width", 1),
                _conv("$width", "$width", 3),
                _conv("$width", "$channels", 1),
            ],
            None,
        ),
        (_size("channels", 256, "Channels in and out."), _size("width", 64, "Channels of the inner 3x3 convolution.")),
        "A 1x1 convolution narrows to width, a 3x3 works there, a 1x1 widens back; the input is added back.",
    )
    bottleneck_down = BlockDefinition(
        "BottleneckDown",
        _residual_body(
            "BottleneckDown",
            (64, 8, 8),
            [
                _conv("$in_channels", "$width", 1),
                _conv("$width", "$width", 3, "$stride"),
                _conv("$width", "$channels", 1),
            ],
            _conv("$in_channels", "$channels", 1, "$stride"),
        ),
        (
            _size("in_channels", 64, "Channels coming in."),
            _size("width", 64, "Channels of the inner 3x3 convolution."),
            _size("channels", 256, "Channels going out."),
            replace(STRIDE, default=1),
        ),
        "A bottleneck block that changes the shape: the shortcut is a strided 1x1 convolution with batch norm.",
    )
    return bottleneck, bottleneck_down


def _block_params(bottleneck: bool, channels_in: int, width: int, channels: int, stride: int) -> dict[str, Any]:
    """The parameters of one block instance: identity blocks where the shape stays."""
    if stride == 1 and channels_in == channels:
        if bottleneck:
            return {"block": "Bottleneck", "channels": channels, "width": width}
        return {"block": "BasicBlock", "channels": channels}
    if bottleneck:
        return {
            "block": "BottleneckDown",
            "in_channels": channels_in,
            "width": width,
            "channels": channels,
            "stride": stride,
        }
    return {"block": "BasicBlockDown", "in_channels": channels_in, "channels": channels, "stride": stride}


def build(options: dict[str, Any]) -> Project:
    depth = options["depth"]
    project = new_project(
        f"ResNet-{depth}",
        f"ResNet-{depth}: a 7x7 stem, four stages of residual blocks that halve the image and double "
        "the channels, global average pooling and one dense layer.",
        "resnet",
        classifier_training(),
    )
    bottleneck = depth >= 50
    for definition in bottleneck_blocks() if bottleneck else basic_blocks():
        project.add_block(definition)
    net = project.add_network(Network(f"resnet{depth}"))
    size = options["image_size"]
    image = net.add("Input", name="image", shape=(options["in_channels"], size, size))
    last = sequential(
        net,
        image,
        ("Conv2d", "conv1", {"out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3, "bias": False}),
        ("BatchNorm2d", "bn1", {}),
        ("ReLU", "relu", {}),
        ("MaxPool2d", "maxpool", {"kernel_size": 3, "stride": 2, "padding": 1}),
    )
    channels_in = 64
    for stage, (count, width) in enumerate(zip(STAGES[depth], WIDTHS, strict=True), start=1):
        channels = width * EXPANSION if bottleneck else width
        for index in range(1, count + 1):
            stride = 2 if stage > 1 and index == 1 else 1
            name = f"layer{stage}_{index}"
            params = _block_params(bottleneck, channels_in, width, channels, stride)
            node = net.add("Block", name=name, **params)
            net.wire(last, node)
            last, channels_in = node, channels
    last = sequential(
        net, last, ("GlobalAvgPool", "avgpool", {}), ("Linear", "fc", {"out_features": options["num_classes"]})
    )
    net.wire(last, net.add("Output", name="logits"))
    return finish(project)


PRESET = Preset(
    name="resnet",
    title="ResNet",
    description="Residual networks (18 to 152 layers): blocks whose input is added back to their "
    "output, so very deep stacks still train. Shown as collapsible blocks.",
    category="Convolutional",
    options=OPTIONS,
    build=build,
)
