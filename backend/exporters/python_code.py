"""Export as Python: the generated module, exactly the source the app trains.

The file needs only ``torch``: ``python -c "from model import Lenet5; Lenet5()"``
works anywhere PyTorch is installed.
"""

from __future__ import annotations

import os
from pathlib import Path

from backend.codegen import CodegenError, generate
from backend.exporters.common import Exported, ExportError, Reports, check_folder, select_networks, write_text
from graph.project import Project


def export_python(
    project: Project, path: str | os.PathLike, network: str | None = None, reports: Reports | None = None
) -> list[Exported]:
    """Write the generated PyTorch module of `project` (or of one `network`) to `path`.

    Args:
        reports: the networks' validation reports when the caller has them (validated once otherwise).

    Raises:
        ExportError: a network has errors, or the file cannot be written.
    """
    target = Path(path)
    check_folder(target)
    names = select_networks(project, network)
    try:
        generated = generate(project, names, reports)
    except CodegenError as error:
        raise ExportError(f"the network has errors:\n{error}") from None
    write_text(target, generated.source)
    classes = ", ".join(generated.class_names.values())
    return [Exported(target, name, f"classes: {classes}") for name in names[:1]]
