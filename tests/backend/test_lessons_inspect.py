"""Looking inside compiled models: filters, feature maps, LSTM gates, VAE latent grids, seq2seq outputs."""

import numpy as np
import pytest
import torch

from backend.compiler import build_model
from backend.lessons.inspect_model import (
    InspectError,
    capture,
    conv_nodes,
    feature_maps,
    filters,
    latent_grid,
    latent_traversal,
    lstm_gates,
    sequence_examples,
)
from backend.training import TrainingSession
from graph.presets import build_preset


@pytest.fixture(scope="module")
def lenet():
    project = build_preset("lenet5")
    torch.manual_seed(0)
    return project, build_model(project)


def test_conv_nodes_follow_the_data(lenet):
    project, _ = lenet
    assert conv_nodes(project.main) == ["conv1", "conv2"]


def test_filters_are_the_conv_weights(lenet):
    _, model = lenet
    weights = filters(model, "conv1")
    assert weights.shape == (6, 1, 5, 5)
    np.testing.assert_array_equal(weights, model.conv1.weight.detach().numpy())
    with pytest.raises(InspectError, match="'tanh1' is a Tanh, not a Conv2d"):
        filters(model, "tanh1")
    with pytest.raises(InspectError, match="'nosuch' has no layer module"):
        filters(model, "nosuch")


def test_feature_maps_are_the_nodes_output_for_one_sample(lenet):
    _, model = lenet
    sample = torch.randn(1, 32, 32)
    maps = feature_maps(model, "conv1", sample)
    assert maps.shape == (6, 28, 28)
    expected = torch.conv2d(sample[None], model.conv1.weight, model.conv1.bias)[0]
    np.testing.assert_allclose(maps, expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    assert model.training  # the model is put back in the mode it was in
    with pytest.raises(InspectError, match="not feature maps"):
        feature_maps(model, "fc1", sample)


@pytest.mark.parametrize("layers", [1, 2])
def test_lstm_gates_rebuild_the_layers_own_output(layers):
    project = build_preset("lstm", {"seq_len": 12, "hidden_size": 6, "num_layers": layers})
    torch.manual_seed(1)
    model = build_model(project)
    sample = torch.randn(12, 1)
    _, (sequence, _) = capture(model, "lstm", (sample[None],))
    gates = lstm_gates(model, "lstm", sample, layer_index=layers - 1)
    # h_t recomputed from the gates equals what torch's LSTM gave for the (last) layer
    np.testing.assert_allclose(gates.hidden, sequence[0].numpy(), rtol=1e-5, atol=1e-6)
    assert gates.input.shape == gates.forget.shape == gates.cell.shape == gates.output.shape == (12, 6)
    assert gates.forget.min() > 0 and gates.forget.max() < 1  # sigmoid gates
    assert gates.cell.min() > -1 and gates.cell.max() < 1  # the tanh candidate
    np.testing.assert_allclose(gates.hidden, gates.output * np.tanh(gates.state), rtol=1e-12)


def test_lstm_gates_refuse_what_has_no_gates():
    model = build_model(build_preset("gru"))
    with pytest.raises(InspectError, match="not an LSTM"):
        lstm_gates(model, "gru", torch.randn(32, 1))
    model = build_model(build_preset("lstm"))
    with pytest.raises(InspectError, match="no layer 3"):
        lstm_gates(model, "lstm", torch.randn(32, 1), layer_index=3)


@pytest.fixture(scope="module")
def vae2():
    session = TrainingSession(build_preset("vae", {"latent_dim": 2}), {"epochs": 1, "max_batches": 2})
    session.run()
    return session


def test_a_two_dimensional_latent_map_decodes_a_grid(vae2):
    grid = latent_grid(vae2.recipe, points=5, span=2.0)
    assert grid.shape == (25, 1, 16, 16) and grid.dtype == np.float32
    assert grid.min() >= 0.0 and grid.max() <= 1.0
    corner = vae2.recipe.generate(torch.tensor([[-2.0, 2.0]])).numpy()  # top left: x low, y high
    np.testing.assert_allclose(grid[0], corner[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(InspectError, match="two different latent dimensions"):
        latent_grid(vae2.recipe, dims=(0, 2))


def test_a_traversal_grid_has_one_row_per_latent_dimension():
    session = TrainingSession(build_preset("vae", {"latent_dim": 3}), {"epochs": 1, "max_batches": 1})
    rows = latent_traversal(session.recipe, steps=4, span=1.0)
    assert rows.shape == (12, 1, 16, 16)
    middle_of_row_two = session.recipe.generate(torch.tensor([[0.0, -1.0 / 3, 0.0]])).numpy()
    np.testing.assert_allclose(rows[5], middle_of_row_two[0], rtol=1e-5, atol=1e-6)


def test_sequence_examples_show_source_target_and_output():
    session = TrainingSession(build_preset("seq2seq"), {"epochs": 1, "max_batches": 2})
    session.run()
    examples = sequence_examples(session.recipe, count=3)
    assert len(examples) == 3
    first = examples[0]
    assert first.target == first.source[::-1]  # the reverse data set
    assert len(first.output) == len(first.target) and all(isinstance(t, int) for t in first.output)
    with pytest.raises(InspectError, match="token-sequence"):
        sequence_examples(TrainingSession(build_preset("lstm"), {"epochs": 1}).recipe)
