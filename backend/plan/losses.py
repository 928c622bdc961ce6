"""Loss functions by name, computed in float32 even under bf16 autocast.

``supervised_loss`` serves classification (cross-entropy, NLL, or BCE/MSE/L1 on
one-hot targets; one logit means class 1 versus class 0), regression (MSE, L1)
and token sequences (cross-entropy per step); ``reconstruction_loss`` and
``kl_divergence`` are a VAE's two terms. Which loss fits a task and an Output is
decided before training (``backend/training/losses.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


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
