"""The error data loading raises: one line naming the file, row, column or key at fault."""

from __future__ import annotations


class DataError(ValueError):
    """Data that cannot be used; one line naming the file, column or sub-folder at fault and what to do."""
