"""The GAN recipe: alternate a discriminator step and a generator step on every batch.

The discriminator learns to score real samples 1 (or 1 - ``label_smoothing``,
which keeps it from growing overconfident) and generated ones 0; the generator
learns to make the discriminator score its samples 1 (the non-saturating loss).
Both use binary cross-entropy on logits. ``d_loss`` and ``g_loss`` are reported
separately; ``train_loss`` is their sum. Each epoch shows what the generator
makes from the same fixed noise, so the pictures can be compared.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from backend.plan.optimizers import make_optimizer
from backend.training.events import ImagesEvent
from backend.training.recipes.base import Recipe, RecipeContext, to_pictures

SAMPLES = 16


class GANRecipe(Recipe):
    monitor = None  # neither loss tells when a GAN is done, so early stopping and plateau do not apply
    part_names = ("d_loss", "g_loss")

    def __init__(self, ctx: RecipeContext, noise_shape: tuple[int, ...]):
        super().__init__(ctx)
        self.noise_shape = noise_shape
        self.d_optimizer = make_optimizer(ctx.config["optimizer"], ctx.models["discriminator"].parameters(), ctx.config)
        self.g_optimizer = make_optimizer(ctx.config["optimizer"], ctx.models["generator"].parameters(), ctx.config)
        self.optimizers = [self.d_optimizer, self.g_optimizer]
        self.fixed_noise = torch.randn((SAMPLES, *noise_shape)).to(ctx.settings.device)
        self.real_target = 1.0 - ctx.config["label_smoothing"]  # one-sided: generated samples stay at 0

    def score(self, images: torch.Tensor) -> torch.Tensor:
        return self.call("discriminator", images)[0].float()

    def train_step(self, x, y):
        noise = torch.randn((len(x), *self.noise_shape), device=x.device)
        fake = self.call("generator", noise)[0].reshape(x.shape)
        real_score, fake_score = self.score(x), self.score(fake.detach())
        d_loss = F.binary_cross_entropy_with_logits(
            real_score, torch.full_like(real_score, self.real_target)
        ) + F.binary_cross_entropy_with_logits(fake_score, torch.zeros_like(fake_score))
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()
        fooled = self.score(fake)
        g_loss = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()
        return (d_loss + g_loss).detach(), {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}

    @torch.no_grad()
    def evaluate(self):
        if not self.data.val.count:
            return {}, {}
        self.eval()
        correct = torch.zeros((), device=self.settings.device)
        for x, _ in self.data.val_batches():
            noise = torch.randn((len(x), *self.noise_shape), device=x.device)
            fake = self.call("generator", noise)[0].reshape(x.shape)
            correct += (self.score(x) > 0).sum() + (self.score(fake) <= 0).sum()
        # how often the discriminator tells real from generated on held-out data (0.5: it cannot)
        return {"d_accuracy": float(correct) / (2 * self.data.val.count)}, {}

    @torch.no_grad()
    def generate(self, noise: torch.Tensor) -> torch.Tensor:
        """Samples in the data's layout, in evaluation mode, from `noise` (N, *noise_shape) on the device.

        Images come back in [0, 1] (the generator's Tanh range [-1, 1] mapped back).
        """
        self.eval()
        generated = self.call("generator", noise)[0].float().reshape(len(noise), *self.data.sample_shape)
        return (generated + 1) / 2 if self.data.is_image else generated

    def images(self, epoch: int) -> list[ImagesEvent]:
        pictures = to_pictures(self.generate(self.fixed_noise))
        return [] if pictures is None else [ImagesEvent(epoch, "samples", pictures, None)]
