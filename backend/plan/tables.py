"""CSV tables: one row per sample, a header row, one column the target.

Feature columns hold numbers; the target may hold numbers (class numbers or
values) or words (class names, numbered in sorted order). Commas, semicolons and
tabs are recognised as separators, and so are runs of spaces when no other
separator is found (tables written by ``np.savetxt`` or for R); a ``.gz`` file is
read through gzip. As spreadsheets save them in much of Europe, a table separated
by semicolons may write decimal commas (``1,5``), and a file that is not UTF-8 is
read as Windows-1252 (Excel's "CSV" on Windows). When no target is named the
suggested one is used (`suggest_target`). Every problem is one line naming the file, the row and
the column, and what to do about it.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from pathlib import Path

import numpy as np

from backend.plan.arrays import ArraySource
from backend.plan.errors import DataError

MAX_CLASSES_FOR_AUTO = 20  # whole-number targets with at most this many values are classes
TARGET_NAMES = ("target", "label", "labels", "class", "classes", "y", "species", "category", "outcome", "kind")
MISSING = ("", "na", "n/a", "nan", "null", "none", "?", "-")


ENCODINGS = ("utf-8-sig", "cp1252")  # UTF-8 first; else what Excel writes on Windows


def _open_text(path: Path, encoding: str):
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", newline="", encoding=encoding)
    return path.open(newline="", encoding=encoding)


def _decimal_commas(rows: list[list[str]]) -> list[list[str]]:
    """``1,5`` -> ``1.5`` in every cell that is a number written with a decimal comma."""
    return [[_with_point(cell) for cell in row] for row in rows]


def _with_point(cell: str) -> str:
    text = cell.strip()
    if text.count(",") == 1 and not _is_number(text) and _is_number(text.replace(",", ".")):
        return text.replace(",", ".")
    return cell


def _split_on_spaces(sample: str) -> bool:
    """Whether the first lines of `sample` hold the same number (two or more) of space-separated fields."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines = lines[:-1]  # the sample may end mid-line
    counts = {len(line.split()) for line in lines}
    return len(counts) == 1 and counts.pop() >= 2


def _read_rows(path: Path, encoding: str) -> list[list[str]]:
    with _open_text(path, encoding) as handle:
        sample = handle.read(1 << 16)
        if "\x00" in sample:  # UTF-16 (Excel's "Unicode text") or a binary file: never a UTF-8 or 1252 table
            raise DataError(f"{path.name}: not a text CSV file (it holds NUL bytes); save it as UTF-8 CSV")
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = None if _split_on_spaces(sample) else csv.excel
        if dialect is None:
            return [line.split() for line in handle if line.strip()]
        rows = [row for row in csv.reader(handle, dialect) if any(cell.strip() for cell in row)]
    return _decimal_commas(rows) if dialect.delimiter == ";" else rows


def read_csv_rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows of a CSV file (blank lines dropped), every row as long as the header."""
    path = Path(path)
    try:
        rows = None
        for encoding in ENCODINGS:
            try:
                rows = _read_rows(path, encoding)
                break
            except UnicodeDecodeError:
                continue
        if rows is None:
            raise DataError(f"{path.name}: not a text CSV file (neither UTF-8 nor Windows-1252); save it as UTF-8 CSV")
    except csv.Error as error:
        raise DataError(f"{path.name}: not a readable CSV file ({error})") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise DataError(f"{path.name}: not a readable gzip file ({error})") from None
    except OSError as error:
        raise DataError(f"{path.name}: cannot read it ({error.strerror or error})") from None
    if rows and all(_is_number(cell) for cell in rows[0]):  # no header row: every cell of the first is a number
        rows.insert(0, unnamed_columns(len(rows[0])))
    if len(rows) < 2:
        raise DataError(f"{path.name}: needs a header row and at least one data row")
    header = [cell.strip() for cell in rows[0]]
    if len(header) < 2:
        raise DataError(f"{path.name}: needs at least two columns (features and a target), found {len(header)}")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise DataError(f"{path.name}: the column name {repeated[0]!r} appears more than once; rename one")
    body = rows[1:]
    for number, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DataError(f"{path.name}: row {number} has {len(row)} values but the header has {len(header)}")
    return header, body


def unnamed_columns(count: int) -> list[str]:
    """Names for the columns of a table without a header row: ``column1`` ... ``columnN``."""
    return [f"column{index}" for index in range(1, count + 1)]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING


def column_type(cells: list[str]) -> str:
    """``integer``, ``number`` or ``text`` for the filled cells of a column (``empty`` when none are)."""
    values = _clean_numbers(cells)
    if values is None:
        filled = [cell.strip() for cell in cells if not is_missing(cell)]
        if not filled:
            return "empty"
        try:
            values = np.array([float(cell) for cell in filled])
        except ValueError:
            return "text"
    return "integer" if bool(np.all(values == np.round(values))) else "number"


def suggest_target(header: list[str], body: list[list[str]]) -> str:
    """The column most likely to be predicted: one named like a label, else the only text column, else the last."""
    for name in header:
        if name.lower() in TARGET_NAMES:
            return name
    text = [name for index, name in enumerate(header) if column_type([row[index] for row in body]) == "text"]
    return text[0] if len(text) == 1 else header[-1]


def read_csv_table(path: str | Path, target: str = "") -> ArraySource:
    """A CSV file as features (every column but `target`) and targets (`target`, or the suggested column)."""
    path = Path(path)
    header, body = read_csv_rows(path)
    notes = []
    if header == unnamed_columns(len(header)):
        notes.append(f"no header row: the columns are named column1 to column{len(header)}")
    if not target.strip():
        target = suggest_target(header, body)
        notes.append(f"predicting column {target!r} (the suggested target; set target=COLUMN to choose another)")
    if target not in header:
        raise DataError(f"{path.name}: no column {target!r} (columns: {', '.join(header)})")
    column = header.index(target)
    features = np.empty((len(body), len(header) - 1), dtype=np.float64)
    for position, index in enumerate(i for i in range(len(header)) if i != column):
        features[:, position] = _numbers(path, header[index], [row[index] for row in body])
    cells = [row[column].strip() for row in body]
    for number, cell in enumerate(cells, start=2):
        if is_missing(cell):
            raise DataError(
                f"{path.name}: row {number}, target column {target!r} is empty; fill it in or remove the row"
            )
    x = features.astype(np.float32)
    try:
        values = np.array([float(cell) for cell in cells], dtype=np.float64)
    except ValueError:
        names = sorted(set(cells))
        labels = np.searchsorted(np.array(names), np.array(cells)).astype(np.int64)
        return ArraySource(path.name, x, labels, "tabular", "classification", names, True, notes=notes)
    if not np.all(np.isfinite(values)):
        number = int(np.argmin(np.isfinite(values))) + 2
        raise DataError(f"{path.name}: row {number}, target column {target!r} holds {cells[number - 2]!r}")
    task = "regression"
    distinct = len(np.unique(values))
    # Whole numbers are class numbers when they are few, and each is shared by several samples on average.
    if np.all(values == np.round(values)) and distinct <= MAX_CLASSES_FOR_AUTO and distinct <= max(2, len(values) // 2):
        task = "classification"
    return ArraySource(path.name, x, values.astype(np.float32), "tabular", task, notes=notes)


def _clean_numbers(cells: list[str]) -> np.ndarray | None:
    """A column whose every cell is a finite number, parsed by numpy in C; None for anything else (empty or
    missing cells, words, NaN), which callers look at cell by cell."""
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        return None
    return values if np.all(np.isfinite(values)) else None


def _numbers(path: Path, column: str, cells: list[str]) -> np.ndarray:
    values = _clean_numbers(cells)
    if values is not None:
        return values
    values = np.empty(len(cells), dtype=np.float64)  # looked at cell by cell, to word the problem
    for index, cell in enumerate(cells):
        text = cell.strip()
        if is_missing(text):
            what = "is empty" if not text else f"holds {text!r}, a missing value"
            raise DataError(
                f"{path.name}: row {index + 2}, column {column!r} {what}; fill it in, remove the row, "
                "or remove the column"
            )
        try:
            values[index] = float(text)
        except ValueError:
            raise DataError(
                f"{path.name}: column {column!r} is not numeric (row {index + 2} holds {text[:30]!r}); "
                "remove the column or choose it as the target"
            ) from None
        if not np.isfinite(values[index]):
            raise DataError(f"{path.name}: row {index + 2}, column {column!r} holds {text!r}; use a finite number")
    return values
