"""Data sets for training: built-in sets and user files, fitted to a network.

``load_raw`` reads a data set (`RawData`), ``fit_to_network`` reshapes it for a
network's Input and checks its targets against the Output, and
``split_and_normalise`` returns train/validation tensors (`PreparedData`).
``prepare_data`` does all three. Every failure is a one-line `DataError`.
"""

from __future__ import annotations

from backend.data.adapt import FittedData, fit_to_network
from backend.data.base import DataError, NetworkFacts, PreparedData, RawData
from backend.data.sources import load_raw
from backend.data.split import split_and_normalise

__all__ = [
    "DataError",
    "FittedData",
    "NetworkFacts",
    "PreparedData",
    "RawData",
    "fit_to_network",
    "load_raw",
    "prepare_data",
    "split_and_normalise",
]


def prepare_data(raw: RawData, facts: NetworkFacts, task: str, val_split: float, seed: int) -> PreparedData:
    """Fit `raw` to the network, split it and normalise it (see the module docstring)."""
    fitted = fit_to_network(raw, facts, task)
    return split_and_normalise(raw, fitted, task, val_split, seed)
