"""The two generative objectives, one batch each: a VAE's loss and a GAN's pair of steps.

The engine's VAE and GAN recipes and the exported training script both call these,
so a script trains its generative model exactly as the app does. Networks are
passed in as callables that already apply the device's autocast.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from backend.plan.losses import kl_divergence

TensorFn = Callable[[torch.Tensor], torch.Tensor]


def vae_objective(
    encode: Callable[[torch.Tensor], dict[str, torch.Tensor]],
    decode: TensorFn,
    x: torch.Tensor,
    recon_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    kl_weight: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(recon + kl_weight * kl, recon, kl) for one batch.

    Args:
        encode: x -> the encoder's Outputs by name (``z``, ``mu``, ``logvar``).
        decode: z -> the reconstruction.
    """
    outputs = encode(x)
    recon = recon_fn(decode(outputs["z"]), x)
    kl = kl_divergence(outputs["mu"], outputs["logvar"])
    return recon + kl_weight * kl, recon, kl


def scored_as(scores: torch.Tensor, target: float) -> torch.Tensor:
    """Binary cross-entropy on logits against one target for every sample (1 real, 0 generated)."""
    scores = scores.float()
    return F.binary_cross_entropy_with_logits(scores, torch.full_like(scores, float(target)))


def gan_step(
    generate: TensorFn,
    score: TensorFn,
    real: torch.Tensor,
    noise: torch.Tensor,
    d_optimizer: torch.optim.Optimizer,
    g_optimizer: torch.optim.Optimizer,
    label_smoothing: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One discriminator step, then one generator step; returns (d_loss, g_loss), detached.

    The discriminator learns to score real samples 1 - `label_smoothing` (one-sided
    smoothing keeps it from growing overconfident) and generated ones 0; the generator
    learns to make it score its samples 1 (the non-saturating loss).
    """
    fake = generate(noise).reshape(real.shape)
    d_loss = scored_as(score(real), 1.0 - label_smoothing) + scored_as(score(fake.detach()), 0.0)
    d_optimizer.zero_grad(set_to_none=True)
    d_loss.backward()  # under DDP this also averages the gradients of all processes
    d_optimizer.step()
    g_loss = scored_as(score(fake), 1.0)
    g_optimizer.zero_grad(set_to_none=True)
    g_loss.backward()
    g_optimizer.step()
    return d_loss.detach(), g_loss.detach()
