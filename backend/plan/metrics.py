"""An epoch's numbers: the training loss as the batches go, validation metrics, and metrics.csv.

`EpochMeter` adds each batch's losses on the device (weighted by its size), so
nothing waits for the GPU until the epoch ends; under torchrun its sums are
all-reduced. `evaluate_supervised` gives ``val_loss`` and ``val_accuracy`` with a
confusion matrix for classifiers, accuracy per token for sequences and R²
(coefficient of determination) for regression. `write_metrics` writes one row
per epoch: known columns first, the rest by name.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch

FIRST_COLUMNS = ("epoch", "train_loss", "val_loss", "val_accuracy", "r2", "recon", "kl", "d_loss", "g_loss")


class EpochMeter:
    """Size-weighted sums of the training loss and its named parts over an epoch."""

    def __init__(self, part_names: tuple[str, ...], device: torch.device):
        self.part_names = part_names
        self.sums = torch.zeros(len(part_names) + 2, device=device)  # loss, parts..., samples

    def add(self, loss: torch.Tensor, parts: dict[str, torch.Tensor], count: int) -> None:
        values = torch.stack([loss, *(parts[name] for name in self.part_names)]) * count
        self.sums[:-1] += values
        self.sums[-1] += count

    @property
    def samples(self) -> int:
        return int(self.sums[-1])

    def means(self) -> dict[str, float]:
        """``train_loss`` and each part, averaged over the samples seen (one wait for the device)."""
        values = (self.sums[:-1] / self.sums[-1].clamp_min(1)).tolist()
        return dict(zip(("train_loss", *self.part_names), values, strict=True))


def predict_classes(output: torch.Tensor, classes: int) -> torch.Tensor:
    """Predicted class per sample (or per step): one logit above 0 is class 1 of two, else the arg-max."""
    if output.shape[-1] == 1 and classes == 2:
        return (output[..., 0] > 0).long()
    return output.argmax(dim=-1)


@torch.no_grad()
def evaluate_supervised(
    forward: Callable[[torch.Tensor], torch.Tensor],
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    task: str,
    classes: int,
) -> tuple[dict[str, float], np.ndarray | None]:
    """Validation metrics of a classifier, regressor or sequence model, and a classifier's confusion matrix.

    Args:
        forward: the network in eval mode (its first Output).
        batches: the validation batches.
        loss_fn: the training loss.
        task: classification, regression or sequence.
        classes: number of classes (confusion rows: the true class, columns: the prediction).
    """
    loss_sum = correct = None
    count, per_sample = 0, 1
    outputs, targets = [], []
    confusion = None
    for x, y in batches:
        out = forward(x).float()
        if loss_sum is None:
            loss_sum = torch.zeros((), device=out.device)
            correct = torch.zeros((), device=out.device)
            if task == "classification":
                confusion = torch.zeros(classes * classes, dtype=torch.long, device=out.device)
        loss_sum += loss_fn(out, y) * len(x)
        count += len(x)
        if task == "regression":
            outputs.append(out.reshape(len(x), -1))
            targets.append(y.reshape(len(x), -1).float())
            continue
        predicted = predict_classes(out, classes)
        correct += (predicted == y).sum()
        per_sample = y[0].numel()
        if confusion is not None:
            known = predicted < classes  # an Output wider than the classes may predict an unused index
            confusion += torch.bincount(y[known] * classes + predicted[known], minlength=confusion.numel())
    if not count:
        return {}, None
    metrics = {"val_loss": float(loss_sum) / count}
    if task == "regression":
        predicted, target = torch.cat(outputs), torch.cat(targets)
        residual = ((target - predicted) ** 2).sum()
        total = ((target - target.mean(dim=0)) ** 2).sum()
        metrics["r2"] = float(1 - residual / total) if float(total) > 0 else 0.0
    else:
        metrics["val_accuracy"] = float(correct) / (count * per_sample)
    return metrics, None if confusion is None else confusion.view(classes, classes).cpu().numpy()


def write_metrics(path: str | Path, history: list[dict]) -> None:
    """metrics.csv: a header and one row per epoch (known columns first, then the rest by name)."""
    keys = {key for row in history for key in row}
    columns = [c for c in FIRST_COLUMNS if c in keys] + sorted(keys - set(FIRST_COLUMNS))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns or ["epoch", "train_loss"])
        for row in history:
            writer.writerow([metric_cell(row.get(c)) for c in columns])


def metric_cell(value) -> str:
    """A metric as CSV text: 8 significant digits (float32 holds about 7), empty when missing."""
    if value is None:
        return ""
    return f"{value:.8g}" if isinstance(value, float) else str(value)
