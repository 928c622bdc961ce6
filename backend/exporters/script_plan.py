"""The training plan's own source, copied into an exported script: what the script uses and what that needs.

The modules of ``backend/plan`` are parsed (never imported for this) into their
imports and top-level definitions. Starting from the names a script's main code
uses, every definition they refer to is taken, transitively, with the imports it
needs; each definition's text (with the comments just above it) is copied as it
is, grouped under its module's name. The same machinery merges the imports of
the generated model code, so the script has one import block. Copying text,
not re-writing it, is what keeps the script's training the engine's.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PLAN_FOLDER = Path(__file__).resolve().parents[1] / "plan"
PLAN_PACKAGE = "backend.plan"
# Modules in the order their definitions are laid out in a script (what is used comes after what it uses).
PLAN_ORDER = (
    "errors",
    "split",
    "batches",
    "fit",
    "arrays",
    "builtin",
    "table_files",
    "tables",
    "images",
    "normalise",
    "data",
    "losses",
    "generative",
    "optimizers",
    "schedules",
    "early_stopping",
    "augment",
    "device",
    "metrics",
)


@dataclass(frozen=True)
class ImportName:
    """One name an import binds: ``import module as alias`` (name None) or ``from module import name as alias``."""

    module: str
    name: str | None
    alias: str

    def line(self) -> str:
        if self.name is None:
            return f"import {self.module}" + (f" as {self.alias}" if self.alias != self.module else "")
        return f"from {self.module} import {self.name}" + (f" as {self.alias}" if self.alias != self.name else "")


@dataclass
class Definition:
    """A top-level function, class or assignment: its text, the names it defines and those it refers to."""

    module: str
    names: tuple[str, ...]
    text: str
    refers: frozenset[str]
    constant: bool = False


@dataclass
class ParsedModule:
    name: str
    doc: str
    imports: dict[str, ImportName] = field(default_factory=dict)
    definitions: list[Definition] = field(default_factory=list)


def _bound_names(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return (node.name,)
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = []
    for target in targets:
        names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return tuple(names)


def _referred(node: ast.AST) -> frozenset[str]:
    """Names read anywhere in `node` (the first part of ``np.float32`` included)."""
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))


def _with_comments(lines: list[str], start: int) -> int:
    """The first line of the comment block right above line `start` (0-based), or `start`."""
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return start


def parse_module(text: str, name: str, skip_package: str | None = None) -> ParsedModule:
    """Split module source into its docstring, imported names and top-level definitions.

    Args:
        text: the module's source.
        name: how the module is called in the script's section comments.
        skip_package: imports from this package are dropped (their definitions are copied instead).

    Raises:
        ValueError: a top-level statement that is not an import, a definition or an assignment.
    """
    tree = ast.parse(text)
    lines = text.splitlines()
    doc = ast.get_docstring(tree) or ""
    module = ParsedModule(name, doc.strip().splitlines()[0] if doc.strip() else "")
    body = tree.body[1:] if doc else tree.body
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                module.imports[bound] = ImportName(alias.name if alias.asname else bound, None, bound)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if source == "__future__" or (skip_package and source.startswith(skip_package)):
                continue
            for alias in node.names:
                module.imports[alias.asname or alias.name] = ImportName(source, alias.name, alias.asname or alias.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Assign | ast.AnnAssign):
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
            start = _with_comments(lines, first)
            segment = "\n".join(lines[start : node.end_lineno])
            constant = isinstance(node, ast.Assign | ast.AnnAssign)
            module.definitions.append(Definition(name, _bound_names(node), segment, _referred(node), constant))
        else:
            raise ValueError(f"{name}: line {node.lineno}: only imports and top-level definitions can be copied")
    return module


@cache
def plan_modules() -> tuple[ParsedModule, ...]:
    """Every plan module, parsed, in `PLAN_ORDER`."""
    return tuple(
        parse_module((PLAN_FOLDER / f"{name}.py").read_text(encoding="utf-8"), f"backend/plan/{name}.py", PLAN_PACKAGE)
        for name in PLAN_ORDER
    )


def _definitions() -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    for module in plan_modules():
        for definition in module.definitions:
            for name in definition.names:
                if name in found:
                    raise ValueError(f"{name} is defined in {found[name].module} and {module.name}; rename one")
                found[name] = definition
    return found


def plan_code(used: set[str], taken: frozenset[str] = frozenset()) -> tuple[list[ImportName], str]:
    """The plan definitions `used` names need (transitively) as script text, and the imports they need.

    Args:
        used: names the script's own code refers to.
        taken: names the script defines itself (the model's classes, its main); they are never
            looked up in the plan, and a plan definition that would redefine one is refused.
    """
    definitions = _definitions()
    wanted: list[Definition] = []
    pending = [name for name in sorted(used - taken) if name in definitions]
    while pending:
        definition = definitions[pending.pop()]
        if any(definition is chosen for chosen in wanted):
            continue
        clash = set(definition.names) & taken
        if clash:
            raise ValueError(f"{definition.module} defines {', '.join(sorted(clash))}, which the script defines too")
        wanted.append(definition)
        pending += [name for name in definition.refers if name in definitions]
    imports: dict[str, ImportName] = {}
    sections = []
    for module in plan_modules():
        chosen = [d for d in module.definitions if any(d is kept for kept in wanted)]
        if not chosen:
            continue
        for definition in chosen:
            imports.update({n: module.imports[n] for n in definition.refers if n in module.imports})
        sections.append(f"# --- {module.name}: {module.doc}\n\n" + join_definitions(chosen))
    return list(imports.values()), "\n\n\n".join(sections)


def join_definitions(definitions: list[Definition]) -> str:
    """Definitions as a module lays them out: constants one per line, two blank lines around the rest."""
    text = ""
    for previous, definition in zip([None, *definitions], definitions, strict=False):
        if previous is not None:
            both_constants = previous.constant and definition.constant and not definition.text.startswith("#")
            text += ("\n\n" if "\n" in previous.text else "\n") if both_constants else "\n\n\n"
        text += definition.text
    return text


def import_block(names: list[ImportName]) -> str:
    """One import block: ``from __future__`` first, then the standard library, then the rest, sorted."""
    plain = sorted({n for n in names if n.name is None}, key=lambda n: n.module)
    grouped: dict[str, set[str]] = {}
    for item in names:
        if item.name is not None:
            part = item.name if item.alias == item.name else f"{item.name} as {item.alias}"
            grouped.setdefault(item.module, set()).add(part)
    lines = [(0, n.module, n.line()) for n in plain] + [
        (1, module, f"from {module} import {', '.join(sorted(parts))}") for module, parts in sorted(grouped.items())
    ]
    stdlib = [line for _, module, line in sorted(lines) if module.split(".")[0] in sys.stdlib_module_names]
    others = [line for _, module, line in sorted(lines) if module.split(".")[0] not in sys.stdlib_module_names]
    blocks = ["from __future__ import annotations", "\n".join(stdlib), "\n".join(others)]
    return "\n\n".join(block for block in blocks if block)
