"""Finding a model and building it: ``file.py:Name``, ``package.module:Name`` or ``model.onnx``.

`Name` is an ``nn.Module`` class, or a function that builds one: model repositories
rarely build their networks from a class alone (``def ResNet18(): return
ResNet(BasicBlock, [2, 2, 2, 2])``, torchvision's ``resnet18()``), so such a function is
as good a source as a class, as long as neither needs arguments.

`parse_source` reads the SOURCE argument. `load_class` imports the file or module (which
runs its code, as any Python import does) and finds the class or function. A file inside
a package (a folder with ``__init__.py``) is imported as part of its package, so its
relative imports work; a module named by its dotted name is looked for in the current
folder too, as ``python -m`` would. `construct` builds the model with no arguments while
recording the constructor arguments of every module created on the way
(`Construction`): block parameters and modules kept as they are need them, and a
module's own attributes do not always say how it was built. `importable_models` lists the
classes and building functions of a file by reading its syntax tree, without running
anything, so a dialog can show them before any code runs.

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
from collections.abc import Callable, Iterator
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
    """What builds the model (an ``nn.Module`` class or a function), and the folder generated code must
    add to ``sys.path`` to import the user's classes again ("" if none)."""

    cls: Callable[[], Any]
    folder: str
    importable: bool

    @property
    def name(self) -> str:
        return getattr(self.cls, "__name__", "model")

    @property
    def is_class(self) -> bool:
        return isinstance(self.cls, type)


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
    """Import `source` (running its code) and return its model class or building function.

    Raises:
        ModelImportError: the file or module cannot be imported, or holds no such name, or the name is
            neither an ``nn.Module`` class nor a function.
    """
    if source.kind == "file":
        module, folder, importable = _load_file(source.path)
        where = source.path.name
    else:
        module, folder = _load_module(source.module)
        importable, where = True, source.module
    found: Any = module
    for part in source.class_name.split("."):
        found = getattr(found, part, None)
        if found is None:
            known = ", ".join(_module_classes_in(module)) or "none"
            raise ModelImportError(
                f"{where}: no class or function {source.class_name} (nn.Module classes there: {known})"
            )
    if isinstance(found, type) and not issubclass(found, nn.Module):
        raise ModelImportError(f"{where}: {source.class_name} is not an nn.Module class")
    if not isinstance(found, type) and not callable(found):
        raise ModelImportError(
            f"{where}: {source.class_name} is neither an nn.Module class nor a function that builds one"
        )
    return LoadedClass(found, folder, importable)


def _load_file(path: Path) -> tuple[Any, str, bool]:
    if not path.exists():
        raise ModelImportError(f"{path}: no such file")
    if not path.is_file():
        raise ModelImportError(f"{path}: is not a file")
    path = path.resolve()
    package = _package_of(path)
    if package is not None and _forget_users_package(package[1].split(".")[0]):
        root, dotted = package
        _forget_modules_under(root)
        with on_path(root):
            module, _ = _load_module(dotted, path.name)
        return module, str(root), True
    _forget_modules_under(path.parent)
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


def _package_of(path: Path) -> tuple[Path, str] | None:
    """For a file inside a package (folders with ``__init__.py``): the folder above the top package and
    the file's dotted name, so it is imported as ``models.resnet`` and its relative imports work."""
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    if len(parts) == 1 or not all(part.isidentifier() for part in parts):
        return None
    return folder, ".".join(parts)


# -- reading the user's code afresh ----------------------------------------------------------------------
# The window imports in one long-lived process: after the user edits their model and imports it again, the
# edited files must be read, not the modules Python cached the first time. Modules of Python, of installed
# packages and of NetCanvas itself are never forgotten.
_NETCANVAS_PACKAGES = tuple(Path(__file__).resolve().parents[2] / name for name in ("app", "backend", "graph"))


def _uninstalled_file(module: Any) -> Path | None:
    """The resolved file of a module that is neither Python's, PyTorch's, an installed package's nor NetCanvas's
    backend (code in a folder of the user's)."""
    file = getattr(module, "__file__", None)
    if not file or not is_user_file(file) or str(Path(file).resolve()).startswith(_PACKAGES):
        return None
    return Path(file).resolve()


def _users_file(module: Any) -> str | None:
    """The file of a module of the user's own code (not Python's, an installed package's or NetCanvas's)."""
    resolved = _uninstalled_file(module)
    if resolved is None or any(resolved.is_relative_to(package) for package in _NETCANVAS_PACKAGES):
        return None
    return str(resolved)


def _forget_modules_under(folder: Path) -> None:
    """Forget the user's modules read from files under `folder`, so importing reads those files again."""
    importlib.invalidate_caches()  # files added since the last import are found too
    for name, module in list(sys.modules.items()):
        file = _users_file(module)
        if file is not None and Path(file).is_relative_to(folder):
            del sys.modules[name]


def _forget_users_package(top: str) -> bool:
    """Forget a package of the user's called `top` (another repository's ``models``) with its modules.

    False when `top` names a module of Python, an installed package or NetCanvas: it stays, and a file
    of a package by that name can only be imported on its own.
    """
    existing = sys.modules.get(top)
    if existing is None:
        return True
    if _users_file(existing) is None:
        return False
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[name]
    return True


def _load_module(name: str, shown: str = "") -> tuple[Any, str]:
    """Import the dotted module `name`, looking in the current folder too; returns it and the folder generated
    code must put on ``sys.path`` to import it again ("" when it is installed)."""
    shown = shown or name
    _forget_users_package(name.split(".")[0])
    try:
        with on_path(Path.cwd()):
            module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            raise ModelImportError(f"{name}: no such module (is it installed, or on PYTHONPATH?)") from None
        where = user_location(error) or shown
        raise ModelImportError(f"{where}: importing {name} failed: {describe(error)}") from None
    except BaseException as error:
        let_interrupts_through(error)
        where = user_location(error) or shown
        raise ModelImportError(f"{where}: importing {name} failed: {describe(error)}") from None
    return module, _folder_above(module, name)


def _folder_above(module: Any, name: str) -> str:
    """The folder holding `module`'s top package ("" when it is installed or part of Python or PyTorch)."""
    path = _uninstalled_file(module)
    if path is None:
        return ""
    depth = name.count(".") + (1 if path.name == "__init__.py" else 0)
    return str(path.parents[depth])


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
    """Build the model with no arguments, recording every module's constructor call."""
    name = loaded.name
    missing = required_arguments(loaded.cls)
    if missing:
        hint = "give them defaults, or import a function that builds the model"
        if loaded.is_class:
            builders = _functions_building(loaded.cls)
            if builders:
                hint = f"import a function that builds it instead: {', '.join(builders[:6])}"
        raise ModelImportError(
            f"{name}() needs arguments ({', '.join(missing)}); NetCanvas builds it with none: {hint}"
        )
    construction = Construction()
    # A profiler already running (a C-level one cannot be put back) wins: arguments then come from attributes.
    recording = sys.getprofile() is None
    if recording:
        sys.setprofile(construction.profile)
    try:
        with on_path(Path(loaded.folder) if loaded.folder else None):
            model = loaded.cls()
    except BaseException as error:
        let_interrupts_through(error)
        where = user_location(error)
        raise ModelImportError(f"{where + ': ' if where else ''}{name}() failed: {describe(error)}") from None
    finally:
        if recording:
            sys.setprofile(None)
    if not isinstance(model, nn.Module):
        raise ModelImportError(
            f"{name}() returned {type(model).__name__}, not an nn.Module: import what builds the model"
        )
    return model, construction


def _functions_building(cls: type) -> list[str]:
    """Functions of `cls`'s file that build it with no arguments (``ResNet18`` for ``ResNet``)."""
    file = getattr(sys.modules.get(cls.__module__), "__file__", None)
    if not file:
        return []
    try:
        found = importable_models(file)
    except ValueError:
        return []
    return [model.name for model in found if model.builds == cls.__name__ and not model.required]


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


# -- listing models without running anything ----------------------------------------------------------------
@dataclass(frozen=True)
class FoundModel:
    """An ``nn.Module`` class, or a function that builds one, found in a file's source.

    Attributes:
        name: the class or function.
        required: the arguments it cannot do without (a model is built with none).
        line: where it is defined.
        builds: for a function, the class it builds (as far as its source says); "" for a class.
    """

    name: str
    required: tuple[str, ...]
    line: int
    builds: str = ""

    @property
    def is_function(self) -> bool:
        return bool(self.builds)


def importable_models(path: str | Path) -> list[FoundModel]:
    """The ``nn.Module`` classes defined at the top of a Python file, then the functions there that build one,
    read from its syntax tree only.

    A function builds a module class when it returns a call of one (directly, through a name it assigned,
    or through another such function of the file), or says so in its return annotation.

    Raises:
        ValueError: the file cannot be read or is not valid Python (the message names the line).
    """
    tree = _syntax_tree(Path(path))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    modules: dict[str, ast.ClassDef] = {}
    changed = True
    while changed:  # a class is a module if a base is nn.Module & co or another module class of the file
        changed = False
        for name, node in classes.items():
            if name not in modules and any(_base_name(b) in MODULE_BASES | set(modules) for b in node.bases):
                modules[name] = node
                changed = True
    found = [FoundModel(name, _required(node, classes), node.lineno) for name, node in modules.items()]
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    builds: dict[str, str] = {}
    changed = True
    while changed:  # a function builds what the class or function it returns builds
        changed = False
        for name, node in functions.items():
            if name not in builds:
                built = _what_it_builds(node, set(modules) | MODULE_BASES, builds)
                if built:
                    builds[name] = built
                    changed = True
    for name, node in functions.items():
        if name in builds and not name.startswith("_"):
            found.append(FoundModel(name, _required_of(node.args), node.lineno, builds[name]))
    return found


def _syntax_tree(path: Path) -> ast.Module:
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise ValueError(f"{path.name}: too large to be a model's source")
        return ast.parse(path.read_bytes(), filename=str(path))
    except OSError as error:
        raise ValueError(f"{path}: cannot read ({error.strerror or error})") from None
    except SyntaxError as error:
        raise ValueError(f"{path.name}:{error.lineno}: not valid Python ({error.msg})") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ValueError(f"{path.name}: cannot be read as Python ({error})") from None


def _base_name(node: ast.expr | None) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation: -> "ResNet"
        return node.value.rpartition(".")[2]
    return ""


def _what_it_builds(function: ast.FunctionDef, classes: set[str], functions: dict[str, str]) -> str:
    annotated = _base_name(function.returns)
    if annotated in classes:
        return annotated
    assigned: dict[str, str] = {}
    for node in _own_statements(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = _base_name(node.value.func)
        if isinstance(node, ast.Return) and node.value is not None:
            called = _base_name(node.value.func) if isinstance(node.value, ast.Call) else ""
            if isinstance(node.value, ast.Name):
                called = assigned.get(node.value.id, "")
            if called in classes:
                return called
            if called in functions:
                return functions[called]
    return ""


def _own_statements(function: ast.FunctionDef) -> Iterator[ast.AST]:
    """The statements of `function`, nested functions and classes left out."""
    stack = list(function.body)
    while stack:
        node = stack.pop(0)
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt) and not isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                stack.append(child)


def _required(node: ast.ClassDef, classes: dict[str, ast.ClassDef], depth: int = 0) -> tuple[str, ...]:
    init = next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    if init is None:
        local = [classes[b] for b in map(_base_name, node.bases) if b in classes]
        return _required(local[0], classes, depth + 1) if local and depth < 32 else ()
    return _required_of(init.args, skip=1)  # not `self`


def _required_of(arguments: ast.arguments, skip: int = 0) -> tuple[str, ...]:
    positional = [*arguments.posonlyargs, *arguments.args][skip:]
    without = positional[: len(positional) - len(arguments.defaults)]
    keyword_only = [a for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d is None]
    return tuple(a.arg for a in [*without, *keyword_only])
