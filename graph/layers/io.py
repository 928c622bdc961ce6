"""Input and Output: where data enters a network and where results leave it.

Input nodes become the arguments of ``forward`` (named after the node) and Output
nodes its return values, in the order the Output nodes were added. Inside a block
definition they are the block's ports and the Input's shape is only an example.
"""

from __future__ import annotations

from graph.params import Param
from graph.registry import register
from graph.spec import LayerSpec, Port

register(
    LayerSpec(
        type="Input",
        category="Input / Output",
        doc="Where data enters the network. Set the shape of ONE sample, without the batch: "
        "(1, 32, 32) for a 32x32 grayscale image, (13,) for 13 features, (50, 1) for a sequence "
        "of 50 steps with 1 value each. Choose int64 for token ids that feed an Embedding.",
        params=(
            Param("shape", "shape", (1, 32, 32), "Size of one sample, e.g. 1x32x32 or 13."),
            Param(
                "dtype",
                "choice",
                "float32",
                "Data type: float32 for values, int64 for token ids.",
                choices=("float32", "int64"),
            ),
        ),
        inputs=(),
        outputs=("out",),
        infer=lambda inputs, p: tuple(p["shape"]),
        build=None,
        forward=lambda ctx: [],
        face=("shape",),
    )
)

register(
    LayerSpec(
        type="Output",
        category="Input / Output",
        doc="A result of the network. The model returns its Outputs in the order they were added; "
        "a VAE encoder, for example, has two: mu and logvar.",
        inputs=(Port("x", "the tensor to return"),),
        outputs=(),
        infer=lambda inputs, p: {},
        build=None,
        forward=lambda ctx: [],
    )
)
