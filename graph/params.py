"""Typed parameters: the one place that knows how a value is checked and coerced.

A `Param` describes one setting of a layer, a block or the training configuration:
its kind, default, range and a one-line explanation. `Param.coerce` turns what a
user typed (a string from the command line, a JSON value, a spin-box value) into
the canonical Python value or raises `ParamError` with a message that names the
parameter. Inside a block definition any parameter may instead hold a reference
to one of the block's own parameters, written ``"$name"``; `Ref` is its parsed form.

Invariants: canonical values are JSON-serialisable (tuples become lists in files and
are turned back into tuples by `coerce`); `coerce(coerce(v)) == coerce(v)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

KINDS = ("int", "float", "bool", "choice", "ints", "padding", "shape", "str")
MAX_DIM = 1 << 24
MAX_RANK = 8


class ParamError(ValueError):
    """A parameter value that cannot be used; the message names the parameter."""


@dataclass(frozen=True)
class Ref:
    """A reference from a layer inside a block to a parameter of that block."""

    name: str

    def __str__(self) -> str:
        return self.name

    def to_json(self) -> str:
        return "$" + self.name


def is_ref_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("$") and value[1:].isidentifier()


@dataclass(frozen=True)
class Param:
    """One typed parameter.

    Args:
        name: identifier used in files, on the command line and in generated code.
        kind: one of `KINDS`. ``ints`` is a fixed-length tuple of ints that also accepts
            a single int (broadcast); ``padding`` is ``ints`` or ``"same"``/``"valid"``;
            ``shape`` is a tuple of positive ints of any rank (``-1`` allowed when
            ``allow_infer_dim``).
        default: the canonical default value.
        minimum / maximum: inclusive bounds for numbers and for each tuple element.
        choices: allowed values for ``choice``.
        length: tuple length for ``ints`` and ``padding``.
        auto: ``None`` is accepted and means "infer from the input shape".
        doc: one line shown as a tooltip.
    """

    name: str
    kind: str
    default: Any
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    length: int = 2
    auto: bool = False
    allow_infer_dim: bool = False
    label: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")

    def coerce(self, value: Any) -> Any:
        """Return the canonical form of `value` or raise `ParamError`."""
        if isinstance(value, Ref):
            return value
        if is_ref_text(value):
            return Ref(value[1:])
        if value is None:
            if self.auto:
                return None
            raise ParamError(f"{self.name}: a value is required")
        if self.auto and isinstance(value, str) and value.strip().lower() in ("auto", "none", ""):
            return None
        method = getattr(self, "_coerce_" + self.kind, None)
        if method is None:
            raise ParamError(f"{self.name}: unknown parameter kind {self.kind!r}")
        return method(value)

    def _bounds(self, number: float) -> None:
        if self.minimum is not None and number < self.minimum:
            raise ParamError(f"{self.name} must be at least {_fmt_num(self.minimum)}, got {_fmt_num(number)}")
        if self.maximum is not None and number > self.maximum:
            raise ParamError(f"{self.name} must be at most {_fmt_num(self.maximum)}, got {_fmt_num(number)}")

    def _as_int(self, value: Any, what: str | None = None) -> int:
        what = what or self.name
        if isinstance(value, bool):
            raise ParamError(f"{what} must be a whole number, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise ParamError(f"{what} must be a whole number, got {_short(value)}")

    def _coerce_int(self, value: Any) -> int:
        number = self._as_int(value)
        self._bounds(number)
        return number

    def _coerce_float(self, value: Any) -> float:
        if isinstance(value, bool):
            raise ParamError(f"{self.name} must be a number, got {value!r}")
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ParamError(f"{self.name} must be a number, got {_short(value)}") from None
        if not math.isfinite(number):
            raise ParamError(f"{self.name} must be a finite number, got {_short(value)}")
        self._bounds(number)
        return number

    def _coerce_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
            return False
        raise ParamError(f"{self.name} must be true or false, got {_short(value)}")

    def _coerce_choice(self, value: Any) -> Any:
        for choice in self.choices:
            if value == choice or (isinstance(value, str) and value.strip() == str(choice)):
                return choice
        options = ", ".join(str(c) for c in self.choices)
        raise ParamError(f"{self.name} must be one of {options}; got {_short(value)}")

    def _coerce_str(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ParamError(f"{self.name} must be text, got {_short(value)}")
        if len(value) > 4096:
            raise ParamError(f"{self.name} is too long ({len(value)} characters)")
        return value

    def _split(self, value: Any) -> list:
        if isinstance(value, str):
            text = value.strip().strip("()[]")
            parts = [p for p in text.replace("x", ",").replace(" ", ",").split(",") if p]
            return parts
        if isinstance(value, (list, tuple)):
            return list(value)
        return [value]

    def _coerce_ints(self, value: Any) -> tuple[int, ...]:
        parts = self._split(value)
        if len(parts) == 1:
            parts = parts * self.length
        if len(parts) != self.length:
            raise ParamError(f"{self.name} needs {self.length} numbers, got {len(parts)}")
        numbers = tuple(self._as_int(p, self.name) for p in parts)
        for number in numbers:
            self._bounds(number)
        return numbers

    def _coerce_padding(self, value: Any) -> tuple[int, ...] | str:
        if isinstance(value, str) and value.strip().lower() in ("same", "valid"):
            return value.strip().lower()
        return self._coerce_ints(value)

    def _coerce_shape(self, value: Any) -> tuple[int, ...]:
        parts = self._split(value)
        if not 1 <= len(parts) <= MAX_RANK:
            raise ParamError(f"{self.name} needs 1 to {MAX_RANK} sizes, got {len(parts)}")
        numbers = tuple(self._as_int(p, self.name) for p in parts)
        for number in numbers:
            if number == -1 and self.allow_infer_dim:
                continue
            if not 1 <= number <= MAX_DIM:
                raise ParamError(f"{self.name}: every size must be between 1 and {MAX_DIM:,}, got {number}")
        if numbers.count(-1) > 1:
            raise ParamError(f"{self.name}: at most one size may be -1")
        return numbers


def to_json_value(value: Any) -> Any:
    """The JSON form of a canonical value (tuples as lists, refs as ``"$name"``)."""
    if isinstance(value, Ref):
        return value.to_json()
    if isinstance(value, tuple):
        return [to_json_value(v) for v in value]
    return value


def format_value(value: Any) -> str:
    """A short human-readable form for node faces and tables."""
    if value is None:
        return "auto"
    if isinstance(value, tuple):
        if len(set(value)) == 1 and len(value) > 1:
            return str(value[0])
        return "x".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _fmt_num(number: float) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
