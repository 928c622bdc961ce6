"""Each task shows its picture: forecasts against the truth, sequences in and out, a VAE's
reconstruction and KL on axes of their own, a GAN's two losses apart (never their sum)."""

from __future__ import annotations

import numpy as np
import pytest

from app.docks.task_views import PREDICTION_PAGE, SEQUENCE_PAGE
from graph.presets import build_preset
from tests.gui.training.helpers import OFFSCREEN_NOTES, quick, train

pytestmark = pytest.mark.qt_log_ignore(OFFSCREEN_NOTES)


def test_a_forecaster_draws_its_validation_windows_with_forecast_and_truth(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("lstm"), epochs=1))
    train(window, qtbot)
    assert training.results.isVisibleTo(training) and training.results.currentIndex() == PREDICTION_PAGE
    plot = training.forecast
    assert plot.kind == "forecast"
    curves = plot.getPlotItem().listDataItems()
    windows = [c for c in curves if len(c.getData()[0]) == 32]  # the preset reads 32 steps
    assert len(windows) == 4
    assert list(windows[0].getData()[0][[0, -1]]) == [-31.0, 0.0]
    truths = [c for c in curves if c.opts["symbol"] == "o"]
    forecasts = [c for c in curves if c.opts["symbol"] == "x"]
    assert len(truths) == len(forecasts) == 4 and all(c.getData()[0][0] == 1.0 for c in truths + forecasts)
    assert training.score_plot.names == ("r2",) and "r2" in training.score_plot.series


def test_a_table_regression_draws_predictions_against_the_truth(window, qtbot):
    training = window.training
    project = build_preset("mlp", {"in_features": 10, "num_classes": 1})
    window.load_project(quick(project, dataset="diabetes", task="regression", loss="mse", epochs=1))
    train(window, qtbot)
    assert training.forecast.kind == "scatter"
    points = [c for c in training.forecast.getPlotItem().listDataItems() if c.opts["symbol"] == "o"]
    assert len(points[0].getData()[0]) > 20


def test_a_sequence_model_shows_input_target_and_output_tokens(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("seq2seq"), epochs=1))
    train(window, qtbot)
    assert training.results.currentIndex() == SEQUENCE_PAGE
    rows = training.sequences.rows
    assert len(rows) == 6
    for shown_in, target, output in rows:
        assert target.split() == shown_in.split()[::-1]  # the reverse task
        assert len(output.split()) == len(target.split())
    assert "target" in training.sequences.text.text() and "output" in training.sequences.text.text()


def test_a_vae_plots_reconstruction_and_kl_on_axes_of_their_own(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("vae"), epochs=2))
    train(window, qtbot)
    assert set(training.loss_plot.series) == {"recon", "val_recon"}
    assert set(training.score_plot.series) == {"kl", "val_kl"}
    assert training.loss_plot.widget is not training.score_plot.widget
    recon = training.loss_plot.series["recon"].data()[1]
    kl = training.score_plot.series["kl"].data()[1]
    assert recon.min() > 5 * kl.max()  # on one axis the KL would lie flat along the bottom


def test_a_gan_plots_discriminator_and_generator_losses_not_their_sum(window, qtbot):
    training = window.training
    window.load_project(quick(build_preset("gan"), epochs=1))
    train(window, qtbot)
    plot = training.batch_plot
    assert plot.parts == ("d_loss", "g_loss")
    d_loss, g_loss = (plot.part_series[name].data()[1] for name in plot.parts)
    assert len(d_loss) == len(g_loss) == 3
    np.testing.assert_allclose(d_loss + g_loss, plot.series.data()[1], rtol=1e-5)

    def drawn_points() -> int:
        ys = plot.part_curves["d_loss"][0].getData()[1]
        return 0 if ys is None else len(ys)

    qtbot.waitUntil(lambda: drawn_points() == len(d_loss))  # the plot redraws on a timer: every batch, in time
    drawn = [curve.getData()[1] for pair in plot.part_curves.values() for curve in pair]
    assert plot.raw_curve.getData()[0] is None or len(plot.raw_curve.getData()[0]) == 0  # the sum is not drawn
    np.testing.assert_allclose(drawn[0], d_loss)
    assert set(training.loss_plot.series) == {"d_loss", "g_loss"}


@pytest.mark.parametrize(
    ("preset", "score_title"),
    [("lstm", "R² (validation)"), ("gan", "Discriminator accuracy"), ("lenet5", "Validation accuracy")],
)
def test_an_opened_project_titles_its_plots_by_its_task_before_any_run(window, preset, score_title):
    window.load_project(build_preset(preset))
    assert window.training.score_plot.widget.getPlotItem().titleLabel.text.startswith(score_title)
