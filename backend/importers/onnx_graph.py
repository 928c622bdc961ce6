"""An ONNX graph as tables the importer can ask: constants, shapes, producers, attributes, module scopes.

The file is parsed with the ``onnx`` package and its shapes inferred by onnx's own
shape inference (with data propagation, so reshapes get their output shapes). Nothing
in the model is run. Constants are the initializers, ``Constant`` nodes and what a
small set of pure data operations (slicing, concatenating, transposing, casting...)
makes of them, worked out with numpy: exporters often leave weights split and
re-joined (an LSTM's gates) or sizes computed (``x.view(x.size(0), -1)``).

Files written by PyTorch's exporter say which module each node came from
(``pkg.torch.onnx.name_scopes`` and ``class_hierarchy``); `scope` reads that, so a
layer that PyTorch wrote as several operators (local response norm) can be read back
as one.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

from backend.importers.common import ModelImportError

MAX_FILE_BYTES = 2 * 1024**3  # protobuf's own limit for one message
INT64_MAX = 2**63 - 1
FOLDABLE = {
    "Identity", "Cast", "CastLike", "Reshape", "Transpose", "Concat", "Slice", "Squeeze", "Unsqueeze", "Gather",
    "Expand", "ConstantOfShape", "Mul", "Add", "Sub", "Div", "Neg", "Shape", "Range", "Tile",
}  # fmt: skip
MAX_FOLDED_VALUES = 1 << 27  # 512 MiB of float32: VGG's first fully connected layer is 103 M
LARGE = 4096  # initializers with more values than this stay out of shape inference


@dataclass(frozen=True)
class Scope:
    """The module a node came from: its path in the model (``layer1.conv1``) and class (``torch.nn...Conv2d``)."""

    path: str
    cls: str


def read_model(path: Path) -> tuple[onnx.ModelProto, dict[str, onnx.TensorProto]]:
    """Parse an ONNX file and infer its shapes; `ModelImportError` for a missing, huge or corrupt one.

    Returns the shape-inferred graph without its large initializers (shape inference copies
    the whole model twice; weights only need their sizes there) and those initializers by name.
    """
    if not path.exists():
        raise ModelImportError(f"{path}: no such file")
    if not path.is_file():
        raise ModelImportError(f"{path}: is not a file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ModelImportError(f"{path.name}: larger than an ONNX file can be")
    try:
        model = onnx.load(str(path))
    except Exception as error:  # protobuf's DecodeError and friends: any of them means the same thing
        raise ModelImportError(f"{path.name}: not a readable ONNX file ({_first_line(error)})") from None
    if not model.graph.node or not model.graph.output:
        raise ModelImportError(f"{path.name}: not a readable ONNX file (it holds no graph)")
    large = {t.name: t for t in model.graph.initializer if int(np.prod(t.dims, dtype=np.int64)) > LARGE}
    small = []
    for tensor in model.graph.initializer:
        if tensor.name not in large:
            copy = onnx.TensorProto()
            copy.CopyFrom(tensor)
            small.append(copy)
    model.graph.ClearField("initializer")
    model.graph.initializer.extend(small)
    model.graph.input.extend(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in large.values())
    try:
        return shape_inference.infer_shapes(model, data_prop=True), large
    except Exception as error:
        raise ModelImportError(f"{path.name}: its shapes cannot be worked out ({_first_line(error)})") from None


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return (text.splitlines()[0][:160] if text else type(error).__name__) or type(error).__name__


class OnnxGraph:
    """Lookups over one (shape-inferred) ONNX graph."""

    def __init__(self, model: onnx.ModelProto, large: dict[str, onnx.TensorProto] | None = None):
        self.model = model
        self.graph = model.graph
        self.constants: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in self.graph.initializer}
        self.stored = dict(large or {})  # read into numpy when first asked for
        self.shapes: dict[str, list] = {}
        self.types: dict[str, int] = {}
        for info in [*self.graph.input, *self.graph.value_info, *self.graph.output]:
            kind = info.type.tensor_type
            if kind.HasField("shape"):
                self.shapes[info.name] = [
                    d.dim_value if d.HasField("dim_value") else d.dim_param or None for d in kind.shape.dim
                ]
            self.types[info.name] = kind.elem_type
        self.producers = {name: node for node in self.graph.node for name in node.output if name}
        self.consumers: dict[str, list[onnx.NodeProto]] = {}
        for node in self.graph.node:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)
        outputs = {o.name for o in self.graph.output}
        self.outputs = [o.name for o in self.graph.output]
        self.inputs = [i.name for i in self.graph.input if i.name not in self.constants and i.name not in self.stored]
        self.uses = {name: len(users) + (name in outputs) for name, users in self.consumers.items()}

    # -- lookups -------------------------------------------------------------------------------------
    def const(self, name: str) -> np.ndarray | None:
        if name in self.stored:
            self.constants[name] = numpy_helper.to_array(self.stored.pop(name))
        return self.constants.get(name) if name else None

    def initializer_names(self) -> list[str]:
        return [*self.stored, *self.constants]

    def shape(self, name: str) -> list | None:
        return self.shapes.get(name)

    @staticmethod
    def attr(node: onnx.NodeProto, name: str, default: Any = None) -> Any:
        for attribute in node.attribute:
            if attribute.name == name:
                value = helper.get_attribute_value(attribute)
                return value.decode() if isinstance(value, bytes) else value
        return default

    @staticmethod
    def scope(node: onnx.NodeProto) -> Scope | None:
        meta = {p.key: p.value for p in node.metadata_props}
        try:
            paths = _listing(meta["pkg.torch.onnx.name_scopes"])
            classes = _listing(meta["pkg.torch.onnx.class_hierarchy"])
        except (KeyError, ValueError):
            return None
        if len(paths) < 2 or len(classes) < 2:
            return None
        return Scope(paths[-2], classes[-2])

    # -- constant folding ----------------------------------------------------------------------------
    def fold(self, node: onnx.NodeProto) -> bool:
        """Work out `node`'s outputs when they depend on constants only; True when they did."""
        if node.op_type == "Constant":
            value = _constant_value(node)
            if value is None:
                return False
            self.constants[node.output[0]] = value
            return True
        if node.op_type not in FOLDABLE:
            return False
        if node.op_type == "Shape":
            shape = self.shape(node.input[0])
            if shape is None or not all(isinstance(d, int) for d in shape):
                return False
            start, end = self.attr(node, "start", 0), self.attr(node, "end", None)
            self.constants[node.output[0]] = np.array(shape[start:end], dtype=np.int64)
            return True
        inputs = [self.const(name) if name else None for name in node.input]
        if any(value is None for name, value in zip(node.input, inputs, strict=True) if name):
            return False
        if _grown_size(node.op_type, inputs) > MAX_FOLDED_VALUES:  # refused before anything is allocated
            return False
        try:
            result = _evaluate(node, inputs, self.attr)
        except (ValueError, IndexError, TypeError, KeyError, MemoryError, OverflowError):
            return False
        if result is None or result.size > MAX_FOLDED_VALUES:
            return False
        self.constants[node.output[0]] = result
        return True


def _grown_size(op: str, inputs: list) -> int:
    """How many values a node that makes an array of a given shape would make (0 for the other nodes)."""
    if op == "ConstantOfShape":
        sizes = [int(d) for d in inputs[0]]
    elif op == "Expand":
        try:
            sizes = list(np.broadcast_shapes(tuple(inputs[0].shape), tuple(int(d) for d in inputs[1])))
        except ValueError:
            return 0  # shapes that do not broadcast: evaluating it fails as it should
    elif op == "Tile":
        sizes = [int(d) for d in inputs[1]] + [inputs[0].size]
    else:
        return 0
    return math.prod(max(size, 0) for size in sizes)


def _listing(text: str) -> list[str]:
    """The exporter writes lists as Python literals: ``['', 'conv1', 'conv2d']``."""
    value = ast.literal_eval(text)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(text)
    return value


def _constant_value(node: onnx.NodeProto) -> np.ndarray | None:
    for attribute in node.attribute:
        value = helper.get_attribute_value(attribute)
        if attribute.name == "value":
            return numpy_helper.to_array(value)
        if attribute.name in ("value_float", "value_int"):
            return np.array(value)
        if attribute.name in ("value_floats", "value_ints"):
            return np.array(list(value))
    return None


def _evaluate(node: onnx.NodeProto, inputs: list, attr) -> np.ndarray | None:
    """numpy for the data operations of `FOLDABLE` (enough for what exporters leave in shape and weight plumbing)."""
    op, a = node.op_type, inputs[0] if inputs else None
    if op in ("Identity",):
        return a
    if op in ("Cast",):
        return a.astype(helper.tensor_dtype_to_np_dtype(attr(node, "to")))
    if op == "CastLike":
        return a.astype(inputs[1].dtype)
    if op == "Reshape":
        target = [int(d) for d in inputs[1]]
        target = [a.shape[i] if d == 0 and not attr(node, "allowzero", 0) else d for i, d in enumerate(target)]
        return a.reshape(target)
    if op == "Transpose":
        return np.transpose(a, attr(node, "perm", None))
    if op == "Concat":
        return np.concatenate([np.atleast_1d(v) for v in inputs], axis=attr(node, "axis"))
    if op == "Slice":
        return _slice(a, inputs[1:])
    if op == "Squeeze":
        axes = inputs[1] if len(inputs) > 1 and inputs[1] is not None else attr(node, "axes", None)
        return np.squeeze(a, axis=tuple(int(x) for x in axes)) if axes is not None else np.squeeze(a)
    if op == "Unsqueeze":
        axes = inputs[1] if len(inputs) > 1 else attr(node, "axes")
        result = a
        for axis in sorted(int(x) % (a.ndim + len(axes)) for x in axes):
            result = np.expand_dims(result, axis)
        return result
    if op == "Gather":
        return np.take(a, inputs[1].astype(np.int64), axis=attr(node, "axis", 0))
    if op == "Expand":
        return a * np.ones([int(d) for d in inputs[1]], dtype=a.dtype)
    if op == "Tile":
        return np.tile(a, [int(d) for d in inputs[1]])
    if op == "ConstantOfShape":
        fill = attr(node, "value", None)
        value = numpy_helper.to_array(fill) if fill is not None else np.zeros(1, dtype=np.float32)
        return np.full([int(d) for d in a], value.reshape(-1)[0], dtype=value.dtype)
    if op == "Range":
        return np.arange(inputs[0], inputs[1], inputs[2])
    if op == "Neg":
        return -a
    arithmetic = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract, "Div": np.divide}
    if op in arithmetic:
        result = arithmetic[op](a, inputs[1])
        return result.astype(a.dtype) if np.issubdtype(a.dtype, np.integer) else result
    return None


def _slice(data: np.ndarray, parts: list) -> np.ndarray:
    starts, ends = parts[0], parts[1]
    axes = parts[2] if len(parts) > 2 and parts[2] is not None else range(len(starts))
    steps = parts[3] if len(parts) > 3 and parts[3] is not None else [1] * len(starts)
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=False):
        end = None if int(end) >= INT64_MAX // 2 else int(end)
        index[int(axis)] = slice(int(start), end, int(step))
    return data[tuple(index)]
