"""Per-sample tensor shapes and the error a shape rule raises.

A shape is a tuple of sizes for ONE sample: the batch dimension is never stored
(it is shown as ``N``). A size may be ``None`` when it is not known until run time
(a sequence length, say). Shape rules are pure functions of input shapes and
parameter values; they raise `ShapeError` with a sentence a student understands.
"""

from __future__ import annotations

Shape = tuple  # tuple[int | None, ...]


class ShapeError(Exception):
    """A shape rule's refusal; `port` names the input port at fault when known."""

    def __init__(self, message: str, port: str | None = None):
        super().__init__(message)
        self.message = message
        self.port = port


def format_shape(shape: Shape | None, batch: bool = False) -> str:
    """``(1, 32, 32)`` style; unknown sizes print as ``?``; with `batch`, a leading ``N``."""
    if shape is None:
        return "?"
    sizes = ["N"] if batch else []
    sizes += ["?" if s is None else str(s) for s in shape]
    if len(sizes) == 1:
        return f"({sizes[0]},)" if batch else f"({sizes[0]})"
    return "(" + ", ".join(sizes) + ")"


def numel(shape: Shape) -> int | None:
    total = 1
    for size in shape:
        if size is None:
            return None
        total *= size
    return total


def conv_output_size(size: int | None, kernel: int, stride: int, padding: int, dilation: int = 1) -> int | None:
    """Output length of a convolution or pooling window along one axis (PyTorch's formula)."""
    if size is None:
        return None
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def require_rank(shape: Shape, ranks: tuple[int, ...], layout: str, port: str = "x") -> None:
    """Raise a `ShapeError` unless `shape` has one of `ranks` dimensions.

    The message reads "needs a (C, H, W) input but gets (120)"; the validator
    replaces "gets" with the name of the node that sends the input.

    Args:
        layout: how the expected input is written for a student, e.g. ``"(C, H, W)"``.
    """
    if len(shape) not in ranks:
        raise ShapeError(f"needs a {layout} input but gets {format_shape(shape)}", port)
