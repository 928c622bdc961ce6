"""Built-in layer specs; importing this package registers them all, in palette order."""

from graph.layers import io, core, activations, conv, pooling, norm, merge, recurrent, generative, opaque  # noqa: F401  isort: skip
