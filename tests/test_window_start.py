"""The window's code loads without PyTorch: torch (a second or more to import) is loaded on a worker
thread once the window shows, so the first paint never waits for it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_importing_the_window_does_not_import_torch():
    probe = "import sys, app.main; print(sorted(m for m in ('torch', 'onnx') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"
