"""No dead code in the product: vulture (configured in pyproject.toml) finds nothing in graph/, backend/ or app/.

tests/ and bench/ are scanned too, as users of the code, but their own findings
(fixtures, pytest marks) are not this test's business.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("graph/", "backend/", "app/")


def vulture_findings(*args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "vulture", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode in (0, 3), result.stderr  # 3: dead code found
    return result.stdout.splitlines()


def test_vulture_finds_no_dead_code_in_graph_backend_or_app():
    findings = [line for line in vulture_findings() if line.startswith(PRODUCT)]
    assert not findings, "\n".join(findings)


def test_vulture_would_see_a_dead_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def used():\n    return 1\n\n\ndef forgotten():\n    return 2\n\n\nused()\n", encoding="utf-8")
    assert vulture_findings(str(sample)) == [f"{sample}:5: unused function 'forgotten' (60% confidence)"]
