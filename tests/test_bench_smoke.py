"""Smoke test of `python -m bench`: claude-lsp only, so the peers venv is not needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_bench_runs_against_claude_lsp_alone(tmp_path: Path) -> None:
    record = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--no-peers",
            "--runs",
            "2",
            "--edits",
            "4",
            "--timeout",
            "30",
            "--json",
            str(record),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("claude-lsp ")]
    for metric in (
        "launch -> initialize",
        "didOpen -> first diagnostics",
        "didChange -> diagnostics",
    ):
        assert any(metric in row and " ms" in row for row in rows), result.stdout
    assert "Goals (issue 2)" in result.stdout
    assert "jedi-language-server  " not in result.stdout
    assert record.exists()
