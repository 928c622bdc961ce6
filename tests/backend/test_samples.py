"""Generated samples: seeded draws, the picture grid, and ``netcanvas train`` writing samples.npy / samples.png."""

import numpy as np
import pytest
from PIL import Image

from backend.cli import main
from backend.training import TrainingSession
from backend.training.samples import SAMPLE_COUNT, draw_samples, image_grid, save_grid, write_samples
from graph.network import Network
from graph.presets import build_preset
from graph.presets.base import new_project, sequential, training
from graph.project import Project
from graph.project_io import save_project


@pytest.fixture(scope="module")
def gan():
    session = TrainingSession(build_preset("gan"), {"epochs": 1, "max_batches": 2, "device": "cpu"})
    session.run()
    return session


def test_samples_come_from_seeded_noise_in_0_1(gan):
    first = draw_samples(gan.recipe, 600, seed=3)
    assert first.shape == (600, 1, 16, 16) and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    np.testing.assert_array_equal(first, draw_samples(gan.recipe, 600, seed=3))
    assert not np.array_equal(first, draw_samples(gan.recipe, 600, seed=4))
    # batching does not change a sample: the first ten of a small draw are the first ten of a big one
    np.testing.assert_array_equal(first[:10], draw_samples(gan.recipe, 10, seed=3))


def test_the_grid_tiles_images_row_by_row_with_gaps():
    images = np.zeros((5, 1, 2, 3), np.float32)
    for index in range(5):
        images[index] = (index + 1) / 10
    grid = image_grid(images, columns=3, gap=1, background=0.5)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    assert grid[0, 0] == pytest.approx(0.1) and grid[0, 4] == pytest.approx(0.2) and grid[3, 0] == pytest.approx(0.4)
    assert grid[2, 0] == 0.5 and grid[0, 3] == 0.5  # the gaps
    assert grid[3, 8] == 0.5  # the empty sixth tile
    colour = image_grid(np.ones((2, 3, 4, 4), np.float32), columns=2)
    assert colour.shape == (4, 4 + 2 + 4, 3)
    with pytest.raises(ValueError, match="grid needs images"):
        image_grid(np.ones((2, 2, 4, 4)))


def test_save_grid_scales_small_images_up(tmp_path):
    path = save_grid(np.random.default_rng(0).random((20, 1, 16, 16)), tmp_path / "grid.png", columns=10)
    with Image.open(path) as picture:
        assert picture.size == ((10 * 16 + 9 * 2) * 3, (2 * 16 + 2) * 3)


def test_write_samples_skips_data_that_are_not_images(tmp_path):
    session = TrainingSession(gan_on_points(), {"epochs": 1, "max_batches": 1, "device": "cpu"})
    assert write_samples(session.recipe, tmp_path) == []
    assert not list(tmp_path.iterdir())


def gan_on_points() -> Project:
    """A tiny GAN on the 2-D mixture data (points, not images)."""
    project = new_project("points", "", "", training(dataset="mixture", task="gan", epochs=1))
    generator = project.add_network(Network("generator"))
    last = sequential(
        generator, generator.add("Input", name="noise", shape=(4,)), ("Linear", "fc", {"out_features": 2})
    )
    generator.wire(last, generator.add("Output", name="point"))
    discriminator = project.add_network(Network("discriminator"))
    point = discriminator.add("Input", name="point", shape=(2,))
    discriminator.wire(
        sequential(discriminator, point, ("Linear", "fc", {"out_features": 1})),
        discriminator.add("Output", name="score"),
    )
    return project


@pytest.mark.parametrize("preset", ["gan", "vae"])
def test_train_writes_samples_npy_and_png_by_the_contract(preset, tmp_path, capsys):
    path = tmp_path / f"{preset}.json"
    save_project(build_preset(preset), path)
    out = tmp_path / "run"
    args = ["train", str(path), "--epochs", "1", "--device", "cpu", "--out", str(out), "--set", "max_batches=2"]
    assert main(args) == 0
    samples = np.load(out / "samples.npy")
    assert samples.dtype == np.float32 and samples.shape == (SAMPLE_COUNT, 1, 16, 16) and SAMPLE_COUNT >= 500
    assert samples.min() >= 0.0 and samples.max() <= 1.0 and samples.std() > 0
    with Image.open(out / "samples.png") as picture:
        assert picture.width > 300 and picture.height > 300
    assert "samples.npy" in capsys.readouterr().err
    # the same weights and seed give the same samples
    again = tmp_path / "again"
    assert main([*args[:-3], str(again), "--set", "max_batches=2"]) == 0
    np.testing.assert_array_equal(np.load(again / "samples.npy"), samples)


def test_a_classifier_run_writes_no_samples(tmp_path):
    path = tmp_path / "mlp.json"
    save_project(build_preset("mlp"), path)
    out = tmp_path / "run"
    assert (
        main(["train", str(path), "--epochs", "1", "--device", "cpu", "--out", str(out), "--set", "max_batches=1"]) == 0
    )
    assert not (out / "samples.npy").exists() and not (out / "samples.png").exists()
