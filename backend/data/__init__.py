"""Data for training a project: which reader, how it fits the network, and what it is.

``dataset_spec``/``open_dataset`` turn a ``dataset`` setting into a source (read by
the training plan, ``backend/plan``), ``fit_for`` decides how its samples fit a
network and checks its targets, ``prepare_data`` splits, normalises and serves it
(`backend.plan.data.PreparedData`). ``describe_dataset`` and ``inspect_csv`` say
what a data set is without a network (for fitting one to it and for the GUI).
Every failure is a one-line `DataError`.
"""

from __future__ import annotations

import torch

from backend.data.adapt import class_count, fit_for
from backend.data.base import DataError, NetworkFacts
from backend.data.describe import CsvColumn, CsvPreview, describe_dataset, inspect_csv
from backend.data.sources import SourceSpec, dataset_spec, open_dataset
from backend.plan.data import PreparedData, prepare

__all__ = [
    "CsvColumn",
    "CsvPreview",
    "DataError",
    "NetworkFacts",
    "PreparedData",
    "SourceSpec",
    "class_count",
    "dataset_spec",
    "describe_dataset",
    "fit_for",
    "inspect_csv",
    "open_dataset",
    "prepare_data",
]


def prepare_data(
    source,
    facts: NetworkFacts,
    task: str,
    val_split: float,
    seed: int,
    device: torch.device | str = "cpu",
    *,
    batch_size: int = 64,
    workers: int | None = None,
    progress=None,
) -> PreparedData:
    """Fit `source` to the network, split it, normalise it and make it ready to serve on `device`."""
    fit = fit_for(source, facts, task)
    device = torch.device(device)
    return prepare(source, fit, task, val_split, seed, device, batch_size, workers=workers, progress=progress)
