"""Real-world proof (issue 3): refactor real PyPI packages through the LSP, then run
their own test suites. Slow and needs PyPI: runs only with ``CLAUDE_LSP_REAL_PACKAGES=1``.

Each package gets its own ``python -m bench.real_packages --packages NAME`` run: the
sdist is downloaded into a temp dir, its tests run for a baseline, a widely used function
is renamed (``textDocument/rename``) and a function body extracted (``codeAction`` +
``codeAction/resolve``), the edits are written to disk, and the suite must pass as
before; the rename must also leave no ``__all__`` entry naming the old function.
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


@pytest.mark.timeout(1200)
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
        timeout=1150,
        check=False,
    )
    assert record.exists(), result.stderr[-4000:]
    (outcome,) = json.loads(record.read_text())
    report = result.stdout + "\n" + result.stderr[-3000:]
    assert not outcome["problems"], report
    assert outcome["rename_files"] >= 2, report
    assert outcome["stale_all"] == [], report
    before, after = outcome["before"], outcome["after"]
    assert before["passed"] > 0, report
    assert after["passed"] == before["passed"], report
    assert after["failed"] + after["errors"] <= before["failed"] + before["errors"], report
    assert outcome["ok"], report
