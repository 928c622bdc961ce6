"""Exporters: a project to a file others can use (Python code, ONNX, TorchScript, a training script).

Each is a plain function ``export_x(project, path, network=None) -> list[Exported]``
used by the command line and the GUI alike; all raise `ExportError` with a clear
message. The training-script exporter lives in ``script_export``.
"""

from backend.exporters.common import Exported, ExportError
from backend.exporters.onnx_export import export_onnx
from backend.exporters.python_code import export_python
from backend.exporters.torchscript_export import export_torchscript

__all__ = ["ExportError", "Exported", "export_onnx", "export_python", "export_torchscript"]
