"""The VAE recipe: an ``encoder`` gives ``z``, ``mu``, ``logvar``; a ``decoder`` rebuilds the input from ``z``.

Loss = reconstruction + kl_weight * KL(N(mu, sigma^2) || N(0, 1)), both summed
over a sample and averaged over the batch; ``recon`` and ``kl`` are reported
separately. Each epoch shows validation images next to their reconstructions and
images decoded from fixed random latent vectors.
"""

from __future__ import annotations

import itertools

import torch

from backend.plan.losses import kl_divergence, reconstruction_loss
from backend.plan.optimizers import make_optimizer
from backend.training.events import ImagesEvent
from backend.training.recipes.base import Recipe, RecipeContext, to_pictures

SAMPLES = 16


class VAERecipe(Recipe):
    part_names = ("recon", "kl")

    def __init__(self, ctx: RecipeContext, latent_shape: tuple[int, ...]):
        super().__init__(ctx)
        self.recon_fn = reconstruction_loss(ctx.loss)
        self.kl_weight = ctx.config["kl_weight"]
        params = itertools.chain(ctx.models["encoder"].parameters(), ctx.models["decoder"].parameters())
        self.optimizer = make_optimizer(ctx.config["optimizer"], params, ctx.config)
        self.optimizers = [self.optimizer]
        self.noise_shape = latent_shape
        self.noise = torch.randn((SAMPLES, *latent_shape)).to(ctx.settings.device)

    def losses(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        outputs = self.call("encoder", x)
        z = self.output("encoder", outputs, "z")
        mu = self.output("encoder", outputs, "mu")
        logvar = self.output("encoder", outputs, "logvar")
        reconstruction = self.call("decoder", z)[0]
        recon = self.recon_fn(reconstruction, x)
        kl = kl_divergence(mu, logvar)
        return recon + self.kl_weight * kl, recon, kl

    def train_step(self, x, y):
        loss, recon, kl = self.losses(x)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.detach(), {"recon": recon.detach(), "kl": kl.detach()}

    @torch.no_grad()
    def evaluate(self):
        if not self.data.val.count:
            return {}, {}
        self.eval()
        totals = torch.zeros(3, device=self.settings.device)
        for x, _ in self.data.val_batches():
            totals += torch.stack(self.losses(x)) * len(x)
        loss, recon, kl = (totals / self.data.val.count).tolist()
        return {"val_loss": loss, "val_recon": recon, "val_kl": kl}, {}

    @torch.no_grad()
    def images(self, epoch: int) -> list[ImagesEvent]:
        self.eval()
        events = []
        originals, _ = self.data.head(SAMPLES // 2, "val" if self.data.val.count else "train")
        rebuilt = self.call("decoder", self.output("encoder", self.call("encoder", originals), "mu"))[0]
        pairs = to_pictures(torch.cat([originals.float(), rebuilt.float().reshape(originals.shape)]))
        if pairs is not None:
            labels = ["input"] * len(originals) + ["reconstruction"] * len(originals)
            events.append(ImagesEvent(epoch, "reconstructions", pairs, labels))
        samples = to_pictures(self.generate(self.noise))
        if samples is not None:
            events.append(ImagesEvent(epoch, "samples", samples, None))
        return events

    @torch.no_grad()
    def generate(self, noise: torch.Tensor) -> torch.Tensor:
        """The decoder's output for latent codes `noise` (N, *noise_shape), in evaluation mode, in the data's layout."""
        self.eval()
        return self.call("decoder", noise)[0].float().reshape(len(noise), *self.data.sample_shape)
