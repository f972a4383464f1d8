"""Real-world proof (issues 3 and 9): every refactoring through the LSP on real PyPI
packages, then their own test suites. Slow and needs PyPI: runs only with
``CLAUDE_LSP_REAL_PACKAGES=1``.

Each package gets its own ``python -m bench.real_packages --packages NAME`` run: the
sdist is downloaded into a temp dir, its tests run for a baseline, then each operation
(renames, extracts, inlines, fix all, organize imports on every file) runs on a fresh
copy and the suite runs again. No operation may be wrong: applied edits keep every
file parsing and the suite as green as before; a refusal is fine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.real_packages import PACKAGES

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.environ.get("CLAUDE_LSP_REAL_PACKAGES") != "1",
    reason="set CLAUDE_LSP_REAL_PACKAGES=1 to run (downloads from PyPI, several minutes)",
)


@pytest.mark.timeout(2400)
@pytest.mark.parametrize("name", [p.name for p in PACKAGES])
def test_refactored_package_still_passes_its_tests(name: str, tmp_path: Path) -> None:
    record = tmp_path / "result.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.real_packages",
            "--packages",
            name,
            "--work-dir",
            str(tmp_path / "work"),
            "--json",
            str(record),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=2350,
        check=False,
    )
    assert record.exists(), result.stderr[-4000:]
    (outcome,) = json.loads(record.read_text())
    report = result.stdout + "\n" + result.stderr[-3000:]
    assert outcome["baseline"]["passed"] > 0, report
    wrong = [r for r in outcome["results"] if r["status"] == "WRONG"]
    assert wrong == [], report
    assert any(r["status"] == "green" for r in outcome["results"]), report
