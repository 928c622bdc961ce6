"""Augmentations keep shapes and value ranges, differ per image and follow the generator."""

import pytest
import torch

from backend.plan.augment import Augmenter
from graph.training_config import AUGMENTATIONS


def batch():
    torch.manual_seed(0)
    return torch.rand(8, 1, 12, 12)


@pytest.mark.parametrize("name", AUGMENTATIONS)
def test_each_augmentation_keeps_shape_and_range_and_changes_the_images(name):
    x = batch()
    out = Augmenter(name)(x, torch.Generator().manual_seed(1))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0 + 1e-6
    assert not torch.allclose(out, x)


def test_flip_mirrors_left_and_right():
    x = batch()
    out = Augmenter("flip")(x, torch.Generator().manual_seed(3))
    for original, flipped in zip(x, out, strict=True):
        assert torch.equal(flipped, original) or torch.equal(flipped, original.flip(-1))


def test_the_same_generator_seed_gives_the_same_augmentation_and_rgb_works():
    x = torch.rand(4, 3, 10, 10)
    augment = Augmenter(",".join(AUGMENTATIONS), value_range=(-1.0, 1.0), pixel_scale=2.0)
    a = augment(x * 2 - 1, torch.Generator().manual_seed(5))
    b = augment(x * 2 - 1, torch.Generator().manual_seed(5))
    assert torch.equal(a, b) and a.shape == (4, 3, 10, 10)
    assert float(a.min()) >= -1.0 and float(a.max()) <= 1.0


def test_rotation_fills_uncovered_corners_with_the_darkest_value():
    x = torch.full((2, 1, 16, 16), 0.5)
    out = Augmenter("rotate", value_range=(-0.4, 2.0))(x, torch.Generator().manual_seed(0))
    assert float(out.min()) >= -0.4 - 1e-6 and float(out.min()) < 0.5


def test_no_augmentation_returns_the_batch_unchanged():
    x = batch()
    assert Augmenter("") is not None and not Augmenter("")
    assert Augmenter("")(x) is x
