"""The line every benchmark prints for each figure, and its reader (``bench/run_all.py``).

One figure, one line on standard output::

    RESULT <name> <value> <unit>                                   # shown, no target
    RESULT <name> <value> <unit> target <op><target> ratio <ratio>  # held to a target

``name`` has no spaces (``validate_chain_1000``); ``op`` is ``<=`` (at most: times,
memory) or ``>=`` (at least: speed ratios); ``ratio`` is value / target, so it is
1.0 or less for an ``<=`` target that is met and 1.0 or more for a ``>=`` one. Every
other line a benchmark prints is for people and is left alone.

A benchmark prints its lines with `report`; it also takes ``--quick`` (fewer
repeats, same figures) so that ``run_all`` stays within its time budget.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "RESULT"
OPERATORS = ("<=", ">=")


@dataclass(frozen=True)
class Result:
    """One figure a benchmark measured, with its target when it has one."""

    name: str
    value: float
    unit: str
    op: str | None = None
    target: float | None = None

    @property
    def ratio(self) -> float | None:
        return None if self.target is None else self.value / self.target

    @property
    def meets(self) -> bool | None:
        """Whether the target is met (None: no target)."""
        if self.target is None:
            return None
        return self.value <= self.target if self.op == "<=" else self.value >= self.target

    def line(self) -> str:
        text = f"{PREFIX} {self.name} {self.value:.6g} {self.unit}"
        if self.target is not None:
            text += f" target {self.op}{self.target:g} ratio {self.ratio:.3f}"
        return text


def report(name: str, value: float, unit: str, target: float | None = None, op: str = "<=") -> Result:
    """Print the RESULT line of one figure (and return it)."""
    if op not in OPERATORS:
        raise ValueError(f"op must be one of {OPERATORS}, not {op!r}")
    if " " in name or not name:
        raise ValueError(f"a result name has no spaces: {name!r}")
    result = Result(name, float(value), unit, op if target is not None else None, target)
    print(result.line(), flush=True)
    return result


def parse(line: str) -> Result | None:
    """The result a RESULT line holds; None for any other line (or a malformed one)."""
    words = line.split()
    if len(words) not in (4, 8) or words[0] != PREFIX:
        return None
    try:
        value = float(words[2])
        if len(words) == 4:
            return Result(words[1], value, words[3])
        if words[4] != "target" or words[6] != "ratio" or words[5][:2] not in OPERATORS:
            return None
        return Result(words[1], value, words[3], words[5][:2], float(words[5][2:]))
    except ValueError:
        return None
