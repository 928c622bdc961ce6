"""Which data set paths name tables (read by `backend.plan.tables`).

Apart from the reader, so the window can ask without importing numpy or torch.
"""

from __future__ import annotations

from pathlib import Path

TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")


def is_table_path(path: str | Path) -> bool:
    """Whether a data set path names a CSV table (``.csv``, ``.tsv``, either gzipped)."""
    return str(path).lower().endswith(TABLE_SUFFIXES)
