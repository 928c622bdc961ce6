"""CSV tables: one row per sample, one column the target (default: the last).

The first row is the header. Feature columns must be numbers; the target column
may hold numbers (classes or values) or words (class names). Every problem is
reported once, naming the file, the column and the row.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from backend.data.base import DataError, RawData

MAX_CLASSES_FOR_AUTO = 20


def load_csv(path: Path, target: str = "") -> RawData:
    """Read `path`; `target` names the column to predict (empty: the last one)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except UnicodeDecodeError:
        raise DataError(f"{path.name}: not a text CSV file (it is not UTF-8)") from None
    except csv.Error as error:
        raise DataError(f"{path.name}: not a readable CSV file ({error})") from None
    if len(rows) < 2:
        raise DataError(f"{path.name}: needs a header row and at least one data row")
    header = [cell.strip() for cell in rows[0]]
    if len(header) < 2:
        raise DataError(f"{path.name}: needs at least two columns (features and a target), found {len(header)}")
    target = target.strip() or header[-1]
    if target not in header:
        raise DataError(f"{path.name}: no column {target!r} (columns: {', '.join(header)})")
    target_index = header.index(target)
    body = rows[1:]
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataError(f"{path.name}: row {number} has {len(row)} values but the header has {len(header)}")
    features = []
    for index, column in enumerate(header):
        if index != target_index:
            features.append(_numeric_column(path, column, [row[index] for row in body]))
    x = np.stack(features, axis=1).astype(np.float32)
    cells = [row[target_index].strip() for row in body]
    for number, cell in enumerate(cells, start=2):
        if not cell:
            raise DataError(f"{path.name}: column {target!r} is empty in row {number}")
    try:
        values = np.array([float(cell) for cell in cells], dtype=np.float64)
    except ValueError:
        names = sorted(set(cells))
        lookup = {name: i for i, name in enumerate(names)}
        labels = np.array([lookup[cell] for cell in cells], dtype=np.int64)
        return RawData(path.name, x, labels, "tabular", "classification", names, named_labels=True)
    if np.all(values == np.round(values)) and len(np.unique(values)) <= MAX_CLASSES_FOR_AUTO:
        return RawData(path.name, x, values.astype(np.float32), "tabular", "classification")
    return RawData(path.name, x, values.astype(np.float32), "tabular", "regression")


def _numeric_column(path: Path, column: str, cells: list[str]) -> np.ndarray:
    values = np.empty(len(cells), dtype=np.float64)
    for index, cell in enumerate(cells):
        text = cell.strip()
        try:
            values[index] = float(text)
        except ValueError:
            what = "is empty" if not text else f"holds {text[:30]!r}"
            raise DataError(
                f"{path.name}: column {column!r} is not numeric (row {index + 2} {what}); "
                "remove it or choose it as the target"
            ) from None
        if not np.isfinite(values[index]):
            raise DataError(f"{path.name}: column {column!r} holds {text!r} in row {index + 2}")
    return values
