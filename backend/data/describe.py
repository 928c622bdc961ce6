"""What a data set is, without a network: `describe_dataset` (for fitting one to it) and `inspect_csv`.

Both read as little as they can: an image folder is indexed (a few headers are
opened for the usual size and colours), an NPZ or IDX file is memory-mapped, only
a CSV is read whole. The answers are plain values the GUI shows (the dataset
panel, the CSV column picker) and `graph.fitting.fit_network` uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backend.data.adapt import class_count
from backend.data.base import DataError
from backend.data.sources import dataset_spec
from backend.plan.tables import column_type, is_missing, read_csv_rows, suggest_target
from graph.fitting import DataFacts

GENERATED_LENGTH = ("sine_windows", "reverse_tokens")  # their length follows the network


def describe_dataset(dataset: str, target: str = "", progress=None) -> DataFacts:
    """The facts of a data set: kind, one sample's shape, samples, task, classes with names, target width.

    Args:
        dataset: a built-in name or the path of a .csv, .npz, IDX file or image folder.
        target: CSV only: the column to predict (empty: the suggested one).
        progress: called as ``progress(stage, done, total)`` while a folder is indexed.

    Raises:
        DataError: the data set cannot be read (one line saying why).
    """
    spec = dataset_spec(dataset, None, 0, target)
    source = spec.open(progress)
    shape = tuple(source.sample_shape)
    if spec.reader in GENERATED_LENGTH:
        shape = (None, *shape[1:])
    task = source.task
    names: tuple[str, ...] = ()
    width = vocab = 0
    if task == "classification":
        names = tuple(class_count(source)[1])
    elif task == "regression":
        width = math.prod(np.shape(source.y)[1:])
    else:
        vocab = len(source.class_names or []) or int(np.max(source.y)) + 1
    columns, chosen = (), ""
    if spec.reader == "read_csv_table":
        header, body = read_csv_rows(spec.args["path"])
        columns, chosen = tuple(header), target.strip() or suggest_target(header, body)
    return DataFacts(
        name=source.name,
        kind=source.kind,
        sample_shape=shape,
        samples=source.count,
        task=task,
        class_names=names,
        target_width=width,
        vocab=vocab,
        columns=columns,
        target=chosen,
        notes=tuple(source.notes),
    )


@dataclass(frozen=True)
class CsvColumn:
    """One column of a CSV file: its name, ``integer``/``number``/``text``/``empty``, missing and distinct cells."""

    name: str
    type: str
    missing: int
    distinct: int


@dataclass(frozen=True)
class CsvPreview:
    """The start of a CSV file for a column picker.

    Attributes:
        columns: every column, in file order.
        rows: the first data rows, as text.
        row_count: how many data rows the file has.
        suggested_target: the column most likely to be predicted.
    """

    columns: tuple[CsvColumn, ...]
    rows: tuple[tuple[str, ...], ...]
    row_count: int
    suggested_target: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def inspect_csv(path: str | Path, rows: int = 20) -> CsvPreview:
    """Column names and types, the first `rows` rows and a suggested target of a CSV file.

    Raises:
        DataError: the file is not a readable CSV (one line saying why).
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path.name}: no such file")
    header, body = read_csv_rows(path)
    columns = []
    for index, name in enumerate(header):
        cells = [row[index] for row in body]
        filled = {cell.strip() for cell in cells if not is_missing(cell)}
        columns.append(CsvColumn(name, column_type(cells), sum(map(is_missing, cells)), len(filled)))
    first = tuple(tuple(cell.strip() for cell in row) for row in body[:rows])
    return CsvPreview(tuple(columns), first, len(body), suggest_target(header, body))
