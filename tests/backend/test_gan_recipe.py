"""The GAN recipe's discriminator step: binary cross-entropy with one-sided label smoothing."""

import copy

import pytest
import torch
import torch.nn.functional as F

from backend.training import TrainingSession
from graph.presets import build_preset


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_the_discriminator_learns_real_as_one_minus_label_smoothing(smoothing):
    session = TrainingSession(build_preset("gan"), {"label_smoothing": smoothing, "device": "cpu"})
    recipe = session.recipe
    generator = copy.deepcopy(session.models["generator"]).train()
    discriminator = copy.deepcopy(session.models["discriminator"]).train()
    real, _ = session.data.head(8)
    torch.manual_seed(5)
    noise = torch.randn((8, *recipe.noise_shape))
    with torch.no_grad():
        real_score, fake_score = discriminator(real), discriminator(generator(noise))
    expected = F.binary_cross_entropy_with_logits(
        real_score, torch.full_like(real_score, 1 - smoothing)
    ) + F.binary_cross_entropy_with_logits(fake_score, torch.zeros_like(fake_score))
    recipe.train()
    torch.manual_seed(5)  # the recipe draws the same noise
    _, parts = recipe.train_step(real, None)
    assert float(parts["d_loss"]) == pytest.approx(float(expected), rel=1e-5)
