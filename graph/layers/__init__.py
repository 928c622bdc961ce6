"""Built-in layer specs; importing this package registers them all."""

from graph.layers import activations, core, io  # noqa: F401
