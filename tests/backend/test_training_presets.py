"""Every preset trains out of the box with its own settings (kept short with overrides)."""

import math

import numpy as np
import pytest

from backend.training import TrainingSession
from graph.presets import PRESETS, build_preset

HEAVY = ("alexnet", "vgg", "resnet")  # millions of weights: one step each, to stay quick on two cores
LIGHT = [name for name in PRESETS if name not in HEAVY]


@pytest.mark.parametrize("name", LIGHT)
def test_light_presets_learn_with_their_defaults(name):
    session = TrainingSession(build_preset(name), {"epochs": 4, "max_batches": 3, "val_split": 0.1})
    images = []
    result = session.run(on_images=images.append)
    assert result.status == "finished", result.message
    # a GAN's summed loss need not fall (each network's gain is the other's loss); in a dozen steps the
    # discriminator's must, as it first learns to tell the generator's blobs from digits
    key = "d_loss" if session.task == "gan" else "val_loss"
    losses = [row[key] for row in result.history]
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0], losses
    if session.task in ("vae", "gan") or name == "lenet5":
        assert images and all(0.0 <= event.images.min() <= event.images.max() <= 1.0 for event in images)


@pytest.mark.slow
@pytest.mark.parametrize("name", HEAVY)
def test_heavy_presets_take_a_step_with_their_defaults(name):
    session = TrainingSession(build_preset(name), {"epochs": 1, "max_batches": 1, "batch_size": 4, "val_split": 0.0})
    losses = []
    result = session.run(on_batch=lambda event: losses.append(event.loss))
    assert result.status == "finished" and len(losses) == 1 and math.isfinite(losses[0])


def test_vae_and_gan_report_their_loss_parts():
    vae = TrainingSession(build_preset("vae"), {"epochs": 1, "max_batches": 2}).run()
    assert {"recon", "kl", "val_loss"} <= set(vae.history[0])
    assert vae.history[0]["train_loss"] == pytest.approx(vae.history[0]["recon"] + vae.history[0]["kl"], rel=1e-5)
    gan = TrainingSession(build_preset("gan"), {"epochs": 1, "max_batches": 2}).run()
    assert {"d_loss", "g_loss"} <= set(gan.history[0])


def test_gan_samples_come_from_fixed_noise():
    session = TrainingSession(build_preset("gan"), {"epochs": 1, "max_batches": 1})
    first = session.recipe.images(1)[0]
    again = session.recipe.images(1)[0]
    assert first.kind == "samples" and first.images.shape[0] == 16
    np.testing.assert_array_equal(first.images, again.images)
