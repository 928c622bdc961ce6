"""Loss functions by name, and the check that a loss fits the task and the Output.

``auto`` picks cross-entropy for classes (binary cross-entropy when a single
logit separates two classes), MSE for values, cross-entropy per step for token
sequences, binary cross-entropy for VAE reconstructions. Every loss is computed
in float32 even under bf16 autocast. A loss that cannot work with the network's
Output is refused before training starts, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


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


def supervised_loss(name: str, task: str, classes: int = 0) -> LossFn:
    """``loss(output, target)`` for classification, regression or sequence tasks (mean over the batch)."""
    if task == "sequence":
        base = F.cross_entropy if name == "cross_entropy" else F.nll_loss

        def sequence_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            return base(output.float().flatten(0, -2), target.flatten())

        return sequence_loss
    if task == "classification":
        if name in ("cross_entropy", "nll"):
            base = F.cross_entropy if name == "cross_entropy" else F.nll_loss
            return lambda output, target: base(output.float(), target)
        elementwise = {"bce": F.binary_cross_entropy_with_logits, "mse": F.mse_loss, "l1": F.l1_loss}[name]

        def class_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            output = output.float()
            if output.shape[-1] == 1:
                goal = target.float().unsqueeze(-1)  # one logit: class 1 versus class 0
            else:
                goal = F.one_hot(target, output.shape[-1]).float()
            return elementwise(output, goal)

        return class_loss
    elementwise = {"mse": F.mse_loss, "l1": F.l1_loss}[name]
    return lambda output, target: elementwise(output.float(), target)


def reconstruction_loss(name: str) -> LossFn:
    """Per-sample summed reconstruction error, averaged over the batch (the usual VAE scale)."""

    def recon(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        output, target = output.float().reshape(len(target), -1), target.float().reshape(len(target), -1)
        if name == "bce":
            # the decoder ends in Sigmoid; BCE on probabilities is not autocast-safe, so it runs in float32
            with torch.autocast(device_type=output.device.type, enabled=False):
                value = F.binary_cross_entropy(output.clamp(1e-6, 1 - 1e-6), target, reduction="sum")
        elif name == "mse":
            value = F.mse_loss(output, target, reduction="sum")
        else:
            value = F.l1_loss(output, target, reduction="sum")
        return value / len(target)

    return recon


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) summed over latent dimensions, averaged over the batch."""
    mu, logvar = mu.float().flatten(1), logvar.float().flatten(1)
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(dim=1)).mean()
