"""The GAN recipe: alternate a discriminator step and a generator step on every batch.

The step itself is the plan's (`backend.plan.generative.gan_step`, also in exported
scripts): binary cross-entropy on logits, real samples scored 1 - ``label_smoothing``,
generated ones 0, the generator trained with the non-saturating loss. ``d_loss`` and
``g_loss`` are reported separately; ``train_loss`` is their sum. Each epoch shows what
the generator makes from the same fixed noise, so the pictures can be compared.
"""

from __future__ import annotations

import torch

from backend.plan.generative import gan_step
from backend.plan.optimizers import make_optimizer
from backend.training.events import ImagesEvent
from backend.training.recipes.base import Recipe, RecipeContext, to_pictures
from backend.training.samples import fixed_noise

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
        # drawn from a generator of its own, so the training noise does not depend on the pictures
        self.fixed_noise = fixed_noise(noise_shape, SAMPLES, ctx.config["seed"]).to(ctx.settings.device)

    def score(self, images: torch.Tensor) -> torch.Tensor:
        return self.call("discriminator", images)[0].float()

    def train_step(self, x, y):
        noise = torch.randn((len(x), *self.noise_shape), device=x.device)
        d_loss, g_loss = gan_step(
            lambda z: self.call("generator", z)[0],
            self.score,
            x,
            noise,
            self.d_optimizer,
            self.g_optimizer,
            self.ctx.config["label_smoothing"],
        )
        return d_loss + g_loss, {"d_loss": d_loss, "g_loss": g_loss}

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
