"""Finding a model's class and building it: ``file.py:Class``, ``package.module:Class`` or ``model.onnx``.

`parse_source` reads the SOURCE argument. `load_class` imports the file or module (which
runs its code, as any Python import does) and finds the class. `construct` builds it with
no arguments while recording the constructor arguments of every module created on the
way (`Construction`): block parameters and modules kept as they are need them, and a
module's own attributes do not always say how it was built. `module_classes` lists the
``nn.Module`` classes of a file by reading its syntax tree, without running anything, so a
dialog can show them before any code runs.

User code can raise anything, ``SystemExit`` included: every call into it is wrapped and
the failure worded as one line naming the file and line (`ModelImportError`).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import math
import sys
import sysconfig
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

from torch import nn

from backend.importers.common import ModelImportError, Unmappable

_VARARGS = inspect.CO_VARARGS
_VARKEYWORDS = inspect.CO_VARKEYWORDS
MODULE_BASES = {"Module", "Sequential", "ModuleList", "ModuleDict"}
MAX_SOURCE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """What to import.

    Attributes:
        kind: ``"file"``, ``"module"`` or ``"onnx"``.
        path: the file (``file`` and ``onnx``).
        module: the dotted module name (``module``), or the file's stem (``file``).
        class_name: the class, possibly nested (``Outer.Inner``); empty for ONNX.
    """

    kind: str
    path: Path | None
    module: str
    class_name: str

    def __str__(self) -> str:
        if self.kind == "onnx":
            return str(self.path)
        return f"{self.path if self.kind == 'file' else self.module}:{self.class_name}"


def parse_source(text: str) -> Source:
    """Read SOURCE; ValueError (a usage mistake) when it has none of the three forms."""
    text = text.strip()
    if text.lower().endswith(".onnx"):
        return Source("onnx", Path(text), "", "")
    where, colon, class_name = text.rpartition(":")
    if not colon or not all(part.isidentifier() for part in class_name.split(".")) or not where:
        raise ValueError(f"SOURCE must be FILE.py:ClassName, package.module:ClassName or MODEL.onnx; got {text!r}")
    if where.lower().endswith(".py"):
        path = Path(where)
        return Source("file", path, path.stem, class_name)
    if all(part.isidentifier() for part in where.split(".")):
        return Source("module", None, where, class_name)
    raise ValueError(f"SOURCE must be FILE.py:ClassName, package.module:ClassName or MODEL.onnx; got {text!r}")


def let_interrupts_through(error: BaseException) -> None:
    """Ctrl+C stops an import; anything else the user's code raises is worded as one line by the caller."""
    if isinstance(error, KeyboardInterrupt):
        raise error


def describe(error: BaseException) -> str:
    """One line for an exception raised by user code: its type and first line."""
    if isinstance(error, SystemExit):
        return f"it called exit({error.code!r})"
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first[:200]}" if first else type(error).__name__


def user_location(error: BaseException, files: tuple[Path, ...] = ()) -> str:
    """``model.py:12``: the deepest frame of `error` in the user's code (empty when there is none).

    User code is `files`, or anything that is neither PyTorch, NetCanvas nor the standard library.
    """
    if isinstance(error, SyntaxError) and error.filename:
        return f"{Path(error.filename).name}:{error.lineno}"
    wanted = {str(f.resolve()) for f in files}
    chosen = None
    for frame in traceback.extract_tb(error.__traceback__):
        if not frame.filename.startswith("<") and (
            str(Path(frame.filename).resolve()) in wanted or is_user_file(frame.filename)
        ):
            chosen = frame
    return f"{Path(chosen.filename).name}:{chosen.lineno}" if chosen is not None else ""


@functools.lru_cache(maxsize=4096)
def is_user_file(filename: str) -> bool:
    """Whether code in `filename` is the user's: neither PyTorch, NetCanvas nor the standard library."""
    if filename.startswith("<"):
        return False
    path = str(Path(filename).resolve())
    library = path.startswith(_LIBRARIES) and not path.startswith(_PACKAGES)
    return not (library or path.startswith(_TORCH_AND_US))


_TORCH_AND_US = (str(Path(nn.__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1]))
_LIBRARIES = str(Path(sysconfig.get_paths()["stdlib"]).resolve())
_PACKAGES = tuple(str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("purelib", "platlib"))


# -- importing ----------------------------------------------------------------------------------------
@dataclass
class LoadedClass:
    """The class found, and the folder generated code must add to ``sys.path`` to import it again ("" if none)."""

    cls: type
    folder: str
    importable: bool


@contextmanager
def on_path(folder: Path | None) -> Iterator[None]:
    """`folder` first on ``sys.path`` while the user's code runs, so its sibling imports work."""
    if folder is None:
        yield
        return
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        if entry in sys.path:
            sys.path.remove(entry)


def load_class(source: Source) -> LoadedClass:
    """Import `source` (running its code) and return its class; `ModelImportError` for anything wrong."""
    if source.kind == "file":
        module, folder, importable = _load_file(source.path)
        where = source.path.name
    else:
        module, folder, importable = _load_module(source.module), "", True
        where = source.module
    found: Any = module
    for part in source.class_name.split("."):
        found = getattr(found, part, None)
        if found is None:
            known = ", ".join(_module_classes_in(module)) or "none"
            raise ModelImportError(f"{where}: no class {source.class_name} (nn.Module classes there: {known})")
    if not isinstance(found, type) or not issubclass(found, nn.Module):
        raise ModelImportError(f"{where}: {source.class_name} is not an nn.Module class")
    return LoadedClass(found, folder, importable)


def _load_file(path: Path) -> tuple[Any, str, bool]:
    if not path.exists():
        raise ModelImportError(f"{path}: no such file")
    if not path.is_file():
        raise ModelImportError(f"{path}: is not a file")
    path = path.resolve()
    stem = path.stem
    existing = sys.modules.get(stem)
    # Imported under its own name, as `import stem` would, so kept modules can be imported again by that
    # name; unless the name is not a module name or belongs to another module (a file called json.py).
    importable = stem.isidentifier() and (existing is None or getattr(existing, "__file__", None) == str(path))
    name = stem if importable else f"netcanvas_import_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelImportError(f"{path.name}: cannot be imported as Python code")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with on_path(path.parent):
            spec.loader.exec_module(module)
    except BaseException as error:
        let_interrupts_through(error)
        sys.modules.pop(name, None)
        where = user_location(error, (path,)) or path.name
        raise ModelImportError(f"{where}: importing it failed: {describe(error)}") from None
    return module, str(path.parent), importable


def _load_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            raise ModelImportError(f"{name}: no such module (is it installed, or on PYTHONPATH?)") from None
        raise ModelImportError(f"{name}: importing it failed: {describe(error)}") from None
    except BaseException as error:
        let_interrupts_through(error)
        where = user_location(error) or name
        raise ModelImportError(f"{where}: importing {name} failed: {describe(error)}") from None


def _module_classes_in(module: Any) -> list[str]:
    return sorted(
        name
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, nn.Module) and value.__module__ == module.__name__
    )


# -- building, with every module's constructor arguments recorded ----------------------------------------
@dataclass
class Call:
    """How a module was constructed: positional and keyword arguments, and all of them by name."""

    args: tuple
    kwargs: dict[str, Any]
    bound: dict[str, Any]
    defaults: dict[str, Any]


class Construction:
    """Constructor calls seen while a model was built, by module (see `construct`)."""

    def __init__(self) -> None:
        self._records: dict[int, tuple[nn.Module, CodeType, dict[str, Any]]] = {}

    def profile(self, frame, event: str, _arg) -> None:
        # The first __init__ entered with a given module as `self` is its outermost class's.
        if event != "call" or frame.f_code.co_name != "__init__" or not frame.f_code.co_argcount:
            return
        code = frame.f_code
        module = frame.f_locals.get(code.co_varnames[0])
        if isinstance(module, nn.Module) and id(module) not in self._records:
            self._records[id(module)] = (module, code, dict(frame.f_locals))

    def call(self, module: nn.Module) -> Call:
        """The arguments `module` was built with; read back from its attributes when no call was seen
        (a ``copy.deepcopy`` of a module runs no constructor)."""
        record = self._records.get(id(module))
        if record is not None and record[0] is module:
            return _call_from_frame(type(module), record[1], record[2])
        return _call_from_attributes(module)


def _init_function(cls: type, code: CodeType | None = None):
    for klass in cls.__mro__:
        function = klass.__dict__.get("__init__")
        if function is not None and (code is None or getattr(function, "__code__", None) is code):
            return function
    return None


def _call_from_frame(cls: type, code: CodeType, local: dict[str, Any]) -> Call:
    count = code.co_argcount
    names = code.co_varnames[1:count]
    keyword_only = code.co_varnames[count : count + code.co_kwonlyargcount]
    extra = count + code.co_kwonlyargcount
    star = code.co_varnames[extra] if code.co_flags & _VARARGS else None
    starstar = code.co_varnames[extra + (1 if star else 0)] if code.co_flags & _VARKEYWORDS else None
    defaults = _defaults(_init_function(cls, code))
    bound = {name: local[name] for name in (*names, *keyword_only) if name in local}
    args: list = []
    kwargs: dict[str, Any] = {}
    keywords_from = len(names) if star else next((i for i, n in enumerate(names) if n in defaults), len(names))
    for index, name in enumerate(names):
        if index < keywords_from:
            args.append(local[name])
        elif not _same(local[name], defaults.get(name, _MISSING)):
            kwargs[name] = local[name]
    if star:
        args += list(local.get(star, ()))
    for name in keyword_only:
        if not _same(local[name], defaults.get(name, _MISSING)):
            kwargs[name] = local[name]
    if starstar:
        kwargs.update(local.get(starstar, {}))
    return Call(tuple(args), kwargs, bound, defaults)


def _call_from_attributes(module: nn.Module) -> Call:
    function = _init_function(type(module))
    try:
        signature = inspect.signature(function) if function is not None else None
    except (TypeError, ValueError):
        signature = None
    bound: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    defaults = _defaults(function)
    parameters = list(signature.parameters.values())[1:] if signature else []
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if hasattr(module, parameter.name) and is_literal(getattr(module, parameter.name)):
            bound[parameter.name] = getattr(module, parameter.name)
            if not _same(bound[parameter.name], defaults.get(parameter.name, _MISSING)):
                kwargs[parameter.name] = bound[parameter.name]
        elif parameter.name in defaults:
            bound[parameter.name] = defaults[parameter.name]
    return Call((), kwargs, bound, defaults)


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # a user object whose == raises or is not a plain bool
        return False


def _defaults(function) -> dict[str, Any]:
    if function is None:
        return {}
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return {}
    return {name: p.default for name, p in signature.parameters.items() if p.default is not inspect.Parameter.empty}


def is_literal(value: Any, depth: int = 0) -> bool:
    """Whether `value` can be written as a Python literal and read back unchanged (JSON-like data)."""
    if depth > 8:
        return False
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (tuple, list)):
        return len(value) <= 64 and all(is_literal(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return len(value) <= 64 and all(isinstance(k, str) and is_literal(v, depth + 1) for k, v in value.items())
    return False


def required_arguments(cls: type) -> list[str]:
    """Constructor parameters of `cls` without a default (what a no-argument call would miss)."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return []
    return [
        name
        for name, p in signature.parameters.items()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def construct(loaded: LoadedClass) -> tuple[nn.Module, Construction]:
    """Build the class with no arguments, recording every module's constructor call."""
    cls = loaded.cls
    missing = required_arguments(cls)
    if missing:
        raise ModelImportError(
            f"{cls.__name__}() needs arguments ({', '.join(missing)}); NetCanvas builds the class with none: "
            "give them defaults, or import a class that builds the model"
        )
    construction = Construction()
    # A profiler already running (a C-level one cannot be put back) wins: arguments then come from attributes.
    recording = sys.getprofile() is None
    if recording:
        sys.setprofile(construction.profile)
    try:
        with on_path(Path(loaded.folder) if loaded.folder else None):
            model = cls()
    except BaseException as error:
        let_interrupts_through(error)
        where = user_location(error)
        raise ModelImportError(f"{where + ': ' if where else ''}{cls.__name__}() failed: {describe(error)}") from None
    finally:
        if recording:
            sys.setprofile(None)
    return model, construction


def rebuild(module: nn.Module, call: Call, folder: str) -> nn.Module:
    """A second module built like `module` (`Unmappable` if that fails or differs in its weights)."""
    try:
        with on_path(Path(folder) if folder else None):
            copy = type(module)(*call.args, **call.kwargs)
    except BaseException as error:
        let_interrupts_through(error)
        reason = f"{type(module).__name__} cannot be built again from its arguments ({describe(error)})"
        raise Unmappable(reason) from None
    mine = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    theirs = {k: tuple(v.shape) for k, v in copy.state_dict().items()}
    if mine != theirs:
        raise Unmappable(f"{type(module).__name__} built again from its arguments has different weights")
    return copy


# -- listing classes without running anything -------------------------------------------------------------
@dataclass(frozen=True)
class FoundClass:
    """An ``nn.Module`` class found in a file's source: its name and the arguments it cannot do without."""

    name: str
    required: tuple[str, ...]
    line: int


def module_classes(path: str | Path) -> list[FoundClass]:
    """The ``nn.Module`` classes defined at the top of a Python file, read from its syntax tree only.

    Raises:
        ValueError: the file cannot be read or is not valid Python (the message names the line).
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise ValueError(f"{path.name}: too large to be a model's source")
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except OSError as error:
        raise ValueError(f"{path}: cannot read ({error.strerror or error})") from None
    except SyntaxError as error:
        raise ValueError(f"{path.name}:{error.lineno}: not valid Python ({error.msg})") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ValueError(f"{path.name}: cannot be read as Python ({error})") from None
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    modules: dict[str, ast.ClassDef] = {}
    changed = True
    while changed:  # a class is a module if a base is nn.Module & co or another module class of the file
        changed = False
        for name, node in classes.items():
            if name not in modules and any(_base_name(b) in MODULE_BASES | set(modules) for b in node.bases):
                modules[name] = node
                changed = True
    return [FoundClass(name, _required(node, classes), node.lineno) for name, node in modules.items()]


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _required(node: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int = 0) -> tuple[str, ...]:
    init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    if init is None:
        local = [classes[b] for b in map(_base_name, node.bases) if b in classes]
        return _required(local[0], classes, depth + 1) if local and depth < 32 else ()
    positional = [*init.args.posonlyargs, *init.args.args][1:]
    without = positional[: len(positional) - len(init.args.defaults)]
    keyword_only = [a for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults, strict=True) if d is None]
    return tuple(a.arg for a in [*without, *keyword_only])
