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


def require_rank(shape: Shape, ranks: tuple[int, ...], layout: str, port: str = "x") -> None:
    """Raise a `ShapeError` unless `shape` has one of `ranks` dimensions.

    The message reads "needs a (C, H, W) input but gets (120)"; the validator
    replaces "gets" with the name of the node that sends the input.

    Args:
        layout: how the expected input is written for a student, e.g. ``"(C, H, W)"``.
    """
    if len(shape) not in ranks:
        raise ShapeError(f"needs a {layout} input but gets {format_shape(shape)}", port)


def format_sizes(sizes: Shape) -> str:
    """``5x5`` style for kernels and spatial sizes (unknown sizes print as ``?``)."""
    return "x".join("?" if s is None else str(s) for s in sizes)


def window_output(
    sizes: Shape,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...] | None = None,
    what: str = "kernel",
    ceil_mode: bool = False,
) -> Shape:
    """Spatial output sizes of a convolution or pooling window, axis by axis.

    With `ceil_mode` (pooling) the count of windows is rounded up, as PyTorch does: a
    last, partial window is kept as long as it starts inside the input or its left padding.
    Raises a `ShapeError` when the (dilated) window is larger than the padded input,
    which is the only way PyTorch's formula gives a size below one.

    >>> window_output((32, 32), (5, 5), (1, 1), (0, 0))
    (28, 28)
    """
    dilation = dilation or (1,) * len(kernel)
    result = []
    for axis, size in enumerate(sizes):
        span = dilation[axis] * (kernel[axis] - 1) + 1
        if size is None:
            result.append(None)
        elif size + 2 * padding[axis] < span:
            raise ShapeError(_window_too_large(sizes, kernel, padding, dilation, what), "x")
        elif ceil_mode:
            count = -(-(size + 2 * padding[axis] - span) // stride[axis]) + 1
            if (count - 1) * stride[axis] >= size + padding[axis]:
                count -= 1
            result.append(count)
        else:
            result.append((size + 2 * padding[axis] - span) // stride[axis] + 1)
    return tuple(result)


def _window_too_large(sizes: Shape, kernel: tuple, padding: tuple, dilation: tuple, what: str) -> str:
    padded = tuple(None if s is None else s + 2 * p for s, p in zip(sizes, padding, strict=True))
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    window = f"{what} {format_sizes(kernel)}"
    if spans != tuple(kernel):
        window = (
            f"dilated {what} {format_sizes(spans)} ({what} {format_sizes(kernel)}, dilation {format_sizes(dilation)})"
        )
    return f"{window} is larger than its padded {format_sizes(padded)} input"


def check_channels(shape: Shape, value: int | None, name: str = "in_channels") -> int:
    """The channel count of a (C, ...) input, checked against a parameter that may be auto (None)."""
    channels = shape[0]
    if value is not None and channels is not None and value != channels:
        unit = "channel" if channels == 1 else "channels"
        raise ShapeError(
            f"{name} is {value} but gets {format_shape(shape)} with {channels} {unit}; "
            f"set {name} to {channels} or to auto",
            "x",
        )
    if value is None and channels is None:
        raise ShapeError(f"needs a known number of channels but gets {format_shape(shape)}", "x")
    return value if value is not None else channels


def sample_axis(dim: int, rank: int, verb: str) -> int:
    """The index in one sample's shape of a tensor's `dim` (1 is the first axis after the batch, -1 the last).

    Raises a `ShapeError` naming what the layer does (`verb`: "concatenate", "slice") when `dim` is the batch or
    beyond the sample's `rank` dimensions.
    """
    if dim == 0 or not -rank <= dim <= rank:
        raise ShapeError(
            f"cannot {verb} along dim {dim}: each input has {rank} dimension(s) per sample, "
            f"so dim must be 1 to {rank} (the batch is dim 0) or -1 to -{rank}",
            "x",
        )
    return dim - 1 if dim > 0 else rank + dim
