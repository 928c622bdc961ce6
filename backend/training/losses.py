"""Which loss a run uses: ``auto`` resolved, and the check that a loss fits the task and the Output.

``auto`` picks cross-entropy for classes (binary cross-entropy when a single
logit separates two classes), MSE for values, cross-entropy per step for token
sequences, binary cross-entropy for VAE reconstructions. A loss that cannot work
with the network's Output is refused before training starts, with the reason.
The loss functions themselves are part of the training plan (``backend/plan/losses.py``).
"""

from __future__ import annotations


class LossError(ValueError):
    """A loss that does not fit the task or the Output shape."""


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


def resolve_loss(name: str, task: str, output_shape: tuple, classes: int = 0) -> str:
    """The concrete loss for a setting (``auto`` resolved), or `LossError` when it cannot work.

    Args:
        name: the ``loss`` setting.
        task: classification, regression, sequence, vae or gan.
        output_shape: per-sample shape of the network's Output (the decoder's for a VAE).
        classes: number of classes (classification) or vocabulary size (sequence).
    """
    size = output_shape[-1] if output_shape else None
    if task == "classification":
        binary = size == 1 and classes == 2
        if name == "auto":
            return "bce" if binary else "cross_entropy"
        if name in ("cross_entropy", "nll") and size is not None and (size < 2 or size < classes):
            raise LossError(
                f"{name} needs one output per class ({classes}) but the network gives {_shape(output_shape)}; "
                + ("use loss=bce for a single output" if binary else f"set the last layer's size to {classes}")
            )
        if name in ("bce", "mse", "l1") and not binary and size != classes:
            raise LossError(
                f"{name} on {classes} classes needs an Output of ({classes}) (one-hot targets), "
                f"but the network gives {_shape(output_shape)}"
            )
        return name
    if task == "regression":
        if name == "auto":
            return "mse"
        if name not in ("mse", "l1"):
            raise LossError(f"{name} needs class labels; a regression task uses loss=mse or l1")
        return name
    if task == "sequence":
        if name == "auto":
            return "cross_entropy"
        if name not in ("cross_entropy", "nll"):
            raise LossError(f"{name} does not fit a token-sequence task; use cross_entropy or nll")
        return name
    if task == "vae":
        if name == "auto":
            return "bce"
        if name not in ("bce", "mse", "l1"):
            raise LossError(f"{name} cannot measure a VAE's reconstruction; use bce, mse or l1")
        return name
    if task == "gan":
        if name not in ("auto", "bce"):
            raise LossError(f"a GAN trains with binary cross-entropy on logits; {name} cannot be used (loss=auto)")
        return "bce"
    raise LossError(f"unknown task {task!r}")
