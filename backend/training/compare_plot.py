"""The comparison picture: each value's curves overlaid, drawn with matplotlib's Agg canvas (no Qt, no pyplot).

Left: the training loss per batch against epochs (faint) with its running average
(solid, over about a fortieth of the run, so one-sample batches read as a trend),
so runs with different batch sizes share one axis; the loss axis fits the averages
and lets single noisy batches run off it. Right: the validation
loss per epoch (the training loss per epoch when there is no validation). One
colour and one legend entry per value, ``key=value``; a logarithmic loss axis when
the losses span more than `LOG_SPAN` times.
"""

from __future__ import annotations

import math
from pathlib import Path

from backend.training.compare import ComparedRun

LOG_SPAN = 20.0
WINDOWS_PER_RUN = 40  # the running average spans about 1/40 of a run's batches (at least 5)


def _smoothed(values: list[float]) -> list[float]:
    """Bias-corrected exponential moving average (the first points are not pulled towards 0)."""
    keep = 1 - 1 / max(5.0, len(values) / WINDOWS_PER_RUN)
    result, average = [], 0.0
    for index, value in enumerate(values, start=1):
        average = keep * average + (1 - keep) * value
        result.append(average / (1 - keep**index))
    return result


def _plain_numbers(axis) -> None:
    """Tick labels like 0.2 and 2 instead of 2x10^-1 on a logarithmic axis."""
    from matplotlib.ticker import FuncFormatter

    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))


def _epoch_curve(run: ComparedRun) -> tuple[list[int], list[float], str]:
    key = "val_loss" if any("val_loss" in row for row in run.history) else "train_loss"
    rows = [row for row in run.history if isinstance(row.get(key), float) and math.isfinite(row[key])]
    return [row["epoch"] for row in rows], [row[key] for row in rows], key


def plot_comparison(runs: list[ComparedRun], key: str, path: str | Path, title: str = "") -> None:
    """Write the overlaid curves of `runs` (values of setting `key`) to a PNG at `path`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows_of_legend = math.ceil(len(runs) / 4)
    figure = Figure(figsize=(11, 4.6 + 0.3 * rows_of_legend), dpi=130, layout="constrained")
    FigureCanvasAgg(figure)
    batches_axis, epochs_axis = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    colours = [f"C{index % 10}" for index in range(len(runs))]
    all_losses, averages = [], []
    metric = "val_loss"
    for run, colour in zip(runs, colours, strict=True):
        failed = run.result is not None and run.result.status == "failed"
        label = f"{key}={run.value}" + (" (failed)" if failed else "")
        finite = [(x, y) for x, y in run.batch_losses if math.isfinite(y)]
        if finite:
            xs, ys = zip(*finite, strict=True)
            smooth = _smoothed(list(ys))
            all_losses += smooth
            averages += smooth
            batches_axis.plot(xs, ys, color=colour, alpha=0.18, linewidth=0.8)
            batches_axis.plot(xs, smooth, color=colour, linewidth=2.0, label=label)
        else:
            batches_axis.plot([], [], color=colour, linewidth=2.0, label=label)
        epochs, values, metric = _epoch_curve(run)
        if values:
            all_losses += values
            epochs_axis.plot(epochs, values, color=colour, linewidth=2.0, marker="o", markersize=5, label=label)
    positive = [v for v in all_losses if v > 0]
    logarithmic = bool(positive) and max(positive) / min(positive) > LOG_SPAN
    if logarithmic:
        for axis in (batches_axis, epochs_axis):
            axis.set_yscale("log")
            _plain_numbers(axis)
    if averages:
        low, high = min(averages), max(averages)
        if logarithmic and low > 0:
            batches_axis.set_ylim(low / 1.5, high * 1.5)
        else:
            margin = 0.08 * (high - low or abs(high) or 1.0)
            batches_axis.set_ylim(low - margin, high + margin)
    batches_axis.set_title("Training loss per batch (line: running average)", fontsize=11)
    batches_axis.set_xlabel("epochs")
    batches_axis.set_ylabel("loss")
    epochs_axis.set_title(
        "Validation loss per epoch" if metric == "val_loss" else "Training loss per epoch", fontsize=11
    )
    epochs_axis.set_xlabel("epoch")
    epochs_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    for axis in (batches_axis, epochs_axis):
        axis.grid(True, which="major", alpha=0.3)
        axis.spines[["top", "right"]].set_visible(False)
    handles, labels = batches_axis.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=min(len(runs), 4), frameon=False, fontsize=10)
    heading = f"{title}: " if title else ""
    figure.suptitle(f"{heading}{key} compared, same initial weights and batch order", fontsize=13)
    figure.savefig(Path(path), facecolor="white")
