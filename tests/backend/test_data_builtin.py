"""Built-in data sets, fitted to networks of different Input shapes, split and normalised."""

import numpy as np
import pytest
import torch

from backend.data import DataError, NetworkFacts, open_dataset, prepare_data
from graph.training_config import BUILTIN_DATASETS


def prepared(name, shape, output, task, dtype="float32", vocab=0, val_split=0.2, seed=0):
    facts = NetworkFacts("x", shape, dtype, output, vocab)
    return prepare_data(open_dataset(name, facts, seed), facts, task, val_split, seed)


def test_every_builtin_name_loads():
    facts = NetworkFacts("x", (8,), "float32", (8,), 8)
    for name in BUILTIN_DATASETS:
        raw = open_dataset(name, facts, 0)
        assert len(raw.x) >= 100, name
        assert raw.y is None or len(raw.y) == len(raw.x), name


def test_digits_are_resized_to_lenets_input_and_normalised_with_train_statistics():
    data = prepared("digits", (1, 32, 32), (10,), "classification")
    assert data.train.x.shape[1:] == (1, 32, 32) and len(data.train.x) + len(data.val.x) == 1797
    assert abs(float(data.train.x.mean())) < 1e-4 and float(data.train.x.std()) == pytest.approx(1.0, abs=1e-3)
    assert data.class_names == [str(i) for i in range(10)]
    assert data.display.shape == (16, 1, 32, 32) and 0 <= float(data.display.min()) <= float(data.display.max()) <= 1


def test_digits_flatten_for_an_mlp_and_resize_when_the_size_asks():
    assert prepared("digits", (64,), (10,), "classification").train.x.shape[1:] == (64,)
    assert prepared("digits", (784,), (10,), "classification").train.x.shape[1:] == (784,)
    assert prepared("digits", (3, 16, 16), (10,), "classification").train.x.shape[1:] == (3, 16, 16)


def test_images_for_a_vae_stay_in_0_1_and_for_a_gan_in_minus1_1():
    vae = prepared("digits", (1, 16, 16), (1, 16, 16), "vae")
    assert float(vae.train.x.min()) >= 0 and float(vae.train.x.max()) <= 1 and vae.train.y is None
    gan = prepared("digits", (1, 16, 16), (1,), "gan")
    assert float(gan.train.x.min()) == pytest.approx(-1.0) and float(gan.train.x.max()) <= 1


def test_the_split_follows_the_seed():
    a = prepared("iris", (4,), (3,), "classification", seed=1)
    b = prepared("iris", (4,), (3,), "classification", seed=1)
    c = prepared("iris", (4,), (3,), "classification", seed=2)
    assert torch.equal(a.val.x, b.val.x) and not torch.equal(a.val.x, c.val.x)
    assert len(a.val.x) == 30 and len(a.train.x) == 120


def test_tables_are_standardised_with_training_statistics_only():
    data = prepared("wine", (13,), (3,), "classification")
    assert torch.allclose(data.train.x.mean(dim=0), torch.zeros(13), atol=1e-5)
    assert not torch.allclose(data.val.x.mean(dim=0), torch.zeros(13), atol=1e-3)


def test_regression_targets_are_standardised():
    data = prepared("diabetes", (10,), (1,), "regression")
    assert data.train.y.shape[1:] == (1,)
    assert float(data.train.y.mean()) == pytest.approx(0.0, abs=1e-5)
    assert float(data.target_std[0]) > 10


def test_sine_windows_take_their_length_from_the_input_and_predict_the_next_value():
    facts = NetworkFacts("x", (24, 1), "float32", (1,))
    raw = open_dataset("sine", facts, 0)
    assert raw.x.shape[1:] == (24, 1)
    # the target of window i is the first value of window i + 1's last step
    assert raw.y[0, 0] == pytest.approx(raw.x[1, -1, 0])
    assert prepared("sine", (24,), (1,), "regression").train.x.shape[1:] == (24,)


def test_reverse_uses_the_embedding_vocabulary_and_reverses():
    data = prepared("reverse", (6,), (6, 12), "sequence", dtype="int64", vocab=7)
    assert data.train.x.dtype == torch.int64 and int(data.train.x.max()) < 7
    assert torch.equal(data.train.y, data.train.x.flip(1))


def test_points_sets_have_two_coordinates_and_labels():
    moons = prepared("moons", (2,), (2,), "classification")
    mixture = prepared("mixture", (2,), (8,), "classification")
    assert moons.train.x.shape[1:] == (2,) and moons.num_classes == 2
    assert mixture.num_classes == 8
    gan_points = prepared("mixture", (2,), (1,), "gan")
    assert float(gan_points.train.x.abs().max()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("name", "shape", "output", "task", "dtype", "message"),
    [
        ("digits", (1, 32, 32), (5,), "classification", "float32", "10 classes but the network's Output gives 5"),
        ("iris", (5,), (3,), "classification", "float32", "iris has 4 features per sample but Input 'x' takes (5)"),
        ("digits", (2, 8, 8), (10,), "classification", "float32", "1-channel images but Input 'x' takes 2 channels"),
        ("digits", (65,), (10,), "classification", "float32", "cannot be flattened"),
        ("diabetes", (10,), (2,), "regression", "float32", "1 target value(s) per sample"),
        ("iris", (4,), (3,), "classification", "int64", "takes int64 token ids"),
        ("reverse", (8,), (8, 10), "sequence", "float32", "set Input 'x''s dtype to int64"),
        ("reverse", (8,), (7, 10), "sequence", "int64", "sequences of 8 tokens"),
    ],
)
def test_data_that_does_not_fit_the_network_says_why(name, shape, output, task, dtype, message):
    with pytest.raises(DataError) as caught:
        prepared(name, shape, output, task, dtype=dtype, vocab=10)
    assert message in str(caught.value)


def test_a_path_that_does_not_exist_lists_the_builtin_names():
    with pytest.raises(DataError, match="no such file or folder.*digits"):
        open_dataset("missing/data.csv", NetworkFacts("x", (4,)), 0)


def test_labels_that_are_not_class_numbers_are_mapped_to_indices():
    from backend.plan.arrays import class_indices

    labels, names = class_indices(np.array([-5, 7, 7, -5, 7, 7]), None, "t")
    assert labels.tolist() == [0, 1, 1, 0, 1, 1] and names == ["-5", "7"]
    labels, names = class_indices(np.array([1, 2, 3, 3]), None, "t")  # a CSV's 1, 2, 3 are three classes
    assert labels.tolist() == [0, 1, 2, 2] and names == ["1", "2", "3"]
    labels, names = class_indices(np.array([0, 2, 1, 2]), None, "t")
    assert labels.tolist() == [0, 2, 1, 2] and names == ["0", "1", "2"]
