"""The GAN and VAE presets, trained with their defaults, draw digits: near real ones, far from noise, varied.

The judge is a small digits classifier trained here (tests/helpers/frechet.py); a
set of images is scored by the Fréchet distance between its features and those
of real digits. Held-out real digits give the floor, uniform noise the ceiling,
and a generator passes when its samples are on the real side of the two on a
log scale (`Judge.bound`) and at least nine digit classes show up with none
taking over. Both presets train with their full defaults (GAN about
80 s, VAE about 5 s on an idle 2-core CPU).
"""

import pytest
import torch.nn.functional as F

from backend.training import TrainingSession
from backend.training.samples import draw_samples
from graph.presets import build_preset
from tests.helpers.frechet import SAMPLES, Judge, real_digits


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge()


def test_the_judge_tells_real_digits_from_noise_blur_and_a_single_digit(judge):
    assert judge.features.accuracy > 0.9
    assert judge.real < 10 and judge.noise > 20 * judge.real
    blurred = F.avg_pool2d(F.pad(judge.held_out, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    assert judge.real < judge.distance(blurred) < judge.noise
    _, labels = real_digits()
    ones = real_digits()[0][labels == 1]  # real, sharp, but all the same digit: no variety
    assert judge.distance(ones) > judge.bound
    assert judge.class_shares(judge.held_out).max() < 0.2


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["gan", "vae"])
def test_the_generative_presets_draw_varied_digits_with_their_defaults(preset, judge):
    session = TrainingSession(build_preset(preset), {"device": "cpu"})
    result = session.run()
    assert result.status == "finished", result.message
    samples = draw_samples(session.recipe, SAMPLES, seed=0)
    distance = judge.distance(samples)
    print(f"{preset}: Fréchet distance {distance:.1f} (real {judge.real:.1f}, bound {judge.bound:.1f})")
    assert distance < judge.bound, f"{preset}: {distance:.1f} (real {judge.real:.1f}, noise {judge.noise:.1f})"
    shares = judge.class_shares(samples)
    assert (shares > 0.02).sum() >= 9 and shares.max() < 0.3, f"{preset} draws too few kinds of digit: {shares}"
