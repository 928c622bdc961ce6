"""Optimizer comparison: one run per value, from identical weights and the same batch order."""

from __future__ import annotations

import csv

import pytest
import torch

from backend.cli import main
from backend.training import TrainingResult, TrainingSetupError
from backend.training.compare import ComparedRun, Comparison
from backend.training.compare_plot import plot_comparison
from graph.presets import build_preset
from graph.project_io import save_project

QUICK = {"device": "cpu", "epochs": 2, "max_batches": 3}


def recording_first_batches(comparison: Comparison, **callbacks):
    """Run `comparison`, keeping each run's initial weights and the inputs of its first step."""
    starts, firsts = [], []

    def on_start(index, run, session) -> None:
        model = next(iter(session.models.values()))
        starts.append({k: v.clone() for k, v in model.state_dict().items()})
        step = session.recipe.train_step

        def first_step(x, y):
            if len(firsts) == index:
                firsts.append((x.clone(), y.clone()))
            return step(x, y)

        session.recipe.train_step = first_step

    runs = comparison.run(on_start=on_start, **callbacks)
    return runs, starts, firsts


def test_every_optimizer_starts_from_the_same_weights_and_batches_and_gives_one_curve():
    values = ["sgd", "momentum", "momentum_ema", "adagrad", "rmsprop", "adam", "adamw"]
    events = []
    comparison = Comparison(build_preset("mlp"), "optimizer", values, QUICK)
    runs, starts, firsts = recording_first_batches(
        comparison,
        on_batch=lambda i, run, event: events.append(("batch", i)),
        on_epoch=lambda i, run, event: events.append(("epoch", i)),
        on_finish=lambda i, run: events.append(("finish", i)),
    )
    assert [run.value for run in runs] == values
    for state in starts[1:]:
        assert state.keys() == starts[0].keys()
        assert all(torch.equal(state[key], starts[0][key]) for key in state)
    for x, y in firsts[1:]:
        assert torch.equal(x, firsts[0][0]) and torch.equal(y, firsts[0][1])
    for index, run in enumerate(runs):
        assert run.result.status == "finished"
        assert len(run.batch_losses) == 6 and [row["epoch"] for row in run.history] == [1, 2]
        assert events.count(("batch", index)) == 6 and events.count(("epoch", index)) == 2
        assert events.index(("finish", index)) > max(i for i, e in enumerate(events) if e == ("epoch", index))
    final = {run.value: run.history[-1]["train_loss"] for run in runs}
    assert len({round(final[v], 6) for v in ("sgd", "momentum", "adagrad", "adam")}) == 4  # the setting matters


def test_batch_modes_share_the_batch_order():
    comparison = Comparison(build_preset("mlp"), "batch_size", ["1", "8", "full"], QUICK)
    runs, _, firsts = recording_first_batches(comparison)
    (one, _), (eight, _), (full, _) = firsts
    assert (len(one), len(eight)) == (1, 8) and len(full) > 1000
    assert torch.equal(one[0], eight[0]) and torch.equal(eight, full[:8])
    assert [run.setting for run in runs] == ["1", "8", "full"]


def test_stop_ends_the_current_run_and_skips_the_rest():
    comparison = Comparison(build_preset("mlp"), "lr", ["0.1", "0.01", "0.001"], QUICK)
    runs = comparison.run(on_batch=lambda index, run, event: comparison.stop() if event.batch == 2 else None)
    assert runs[0].result.status == "stopped" and len(runs[0].batch_losses) == 2
    assert runs[1].result is None and runs[2].result is None


@pytest.mark.parametrize(
    ("key", "values", "message"),
    [
        ("optimizer", ["sgd", "nadam"], "optimizer"),
        ("speed", ["1", "2"], "unknown training setting"),
        ("lr", ["1"], "two"),
    ],
)
def test_bad_settings_and_values_are_refused_with_one_line(key, values, message):
    with pytest.raises(TrainingSetupError, match=message):
        Comparison(build_preset("mlp"), key, values)


def test_a_run_that_cannot_start_is_reported_and_the_others_run():
    runs = Comparison(build_preset("mlp"), "dataset", ["reverse", "digits"], QUICK).run()
    assert runs[0].result.status == "failed" and "reverse" in runs[0].result.message
    assert runs[1].result.status == "finished"


def test_compare_command_writes_metrics_per_value_a_table_and_a_picture(tmp_path, capsys):
    path = tmp_path / "mlp.json"
    save_project(build_preset("mlp"), path)
    out = tmp_path / "cmp"
    code = main(
        ["compare", str(path), "--vary", "optimizer=sgd,adam", "--epochs", "2", "--out", str(out)]
        + ["--set", "max_batches=3", "--device", "cpu"]
    )
    assert code == 0
    for value in ("sgd", "adam"):
        with (out / f"optimizer={value}" / "metrics.csv").open() as handle:
            assert [row["epoch"] for row in csv.DictReader(handle)] == ["1", "2"]
    with (out / "compare.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["optimizer"], row["epoch"]) for row in rows] == [
        ("sgd", "1"),
        ("sgd", "2"),
        ("adam", "1"),
        ("adam", "2"),
    ]
    assert {"train_loss", "val_loss", "val_accuracy"} <= set(rows[0])
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["compare", str(path), "--vary", "optimizer"]) == 2
    assert main(["compare", str(path), "--vary", "optimizer=sgd,nadam"]) == 2
    assert "netcanvas: --vary: optimizer" in capsys.readouterr().err


def test_the_picture_draws_failed_and_empty_runs_without_complaint(tmp_path):
    finished = ComparedRun("0.1", 0.1, [(0.0, 2.3), (0.5, 1.0), (1.0, 0.2)], [{"epoch": 1, "train_loss": 1.0}])
    failed = ComparedRun("10", 10.0, [(0.0, 2.3), (0.5, float("nan"))], [])
    failed.result = TrainingResult("failed", "the loss became NaN", 0)
    plot_comparison([finished, failed, ComparedRun("1", 1.0)], "lr", tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 10_000
