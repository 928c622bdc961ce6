"""Importing models into projects: PyTorch code (through torch.fx) and ONNX files.

`import_model` is the one entry point, shared by the command line and the GUI: SOURCE
is ``file.py:ClassName``, ``package.module:ClassName`` or ``model.onnx``. Importing
Python code runs it; importing ONNX runs nothing. The result is an ordinary project
(it validates, summarises, exports and trains), the model's weights named for the
generated model when asked for, and notes for the user. Every failure is a
`ModelImportError` whose message is one line.
"""

from __future__ import annotations

from backend.importers.common import ModelImportError, parse_input_shapes
from backend.importers.module_loading import Source, parse_source
from backend.importers.onnx_import import import_onnx
from backend.importers.pytorch import ImportResult, import_pytorch

__all__ = ["ImportResult", "ModelImportError", "Source", "import_model", "parse_input_shapes", "parse_source"]


def import_model(
    source: str | Source, shapes: list[tuple[int, ...]] | None = None, weights: bool | str = False
) -> ImportResult:
    """A project from `source` (see the module docstring).

    Args:
        shapes: the shape of one sample of each input (None: guessed for PyTorch code, read from ONNX).
        weights: False, True (keep the model's weights) or the path of a state_dict to load first.

    Raises:
        ValueError: `source` has none of the accepted forms (a usage mistake).
        ModelImportError: anything else that stops the import.
    """
    if isinstance(source, str):
        source = parse_source(source)
    if source.kind == "onnx":
        return import_onnx(source.path, bool(weights))
    return import_pytorch(source, shapes, weights)
