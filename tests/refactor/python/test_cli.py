"""`claude-lsp fix` and `claude-lsp rename` on files on disk."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

UNTIDY = "import sys\nimport json\nimport os\n\nprint(os.sep, sys.argv)\n"
TIDY = "import os\nimport sys\n\nprint(os.sep, sys.argv)\n"  # isort: one blank line before code


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_fix_diff_writes_nothing_then_fix_writes_once(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "skip.py").write_text(UNTIDY)
    target = tmp_path / "app.py"
    target.write_text(UNTIDY)
    diff = _run("fix", "--diff", ".", cwd=tmp_path)
    assert diff.returncode == 1  # changes would be made
    assert "-import json\n" in diff.stdout
    assert "skip.py" not in diff.stdout
    assert target.read_text() == UNTIDY
    fixed = _run("fix", ".", cwd=tmp_path)
    assert fixed.returncode == 0
    assert target.read_text() == TIDY
    assert (tmp_path / "ignored" / "skip.py").read_text() == UNTIDY
    again = _run("fix", "--diff", ".", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "")
    assert "would fix 0 files" in again.stderr


def test_rename_across_files(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "lib.py").write_text("def compute(value):\n    return value * 2\n")
    (tmp_path / "main.py").write_text("from lib import compute\n\nprint(compute(value=3))\n")
    preview = _run("rename", "lib.py:1:5", "double", "--diff", cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    assert "+def double(value):" in preview.stdout
    assert "lib.py" in preview.stdout and "main.py" in preview.stdout
    assert (tmp_path / "lib.py").read_text().startswith("def compute")
    done = _run("rename", "lib.py:1:5", "double", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        tmp_path / "main.py"
    ).read_text() == "from lib import double\n\nprint(double(value=3))\n"
    refused = _run("rename", "main.py:3:1", "len", cwd=tmp_path)
    assert refused.returncode == 1
    assert "claude-lsp rename:" in refused.stderr


def test_rename_that_needs_a_confirmation_is_refused(tmp_path: Path):
    """``mirror.helper`` reaches lib's helper through a module ``__getattr__``: the
    command has nobody to ask, so it refuses and writes nothing."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    files = {
        "lib.py": "def helper():\n    return 1\n",
        "mirror.py": "import lib\n\n\ndef __getattr__(name):\n    return getattr(lib, name)\n",
        "use.py": "import mirror\n\nprint(mirror.helper())\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    refused = _run("rename", "lib.py:1:5", "assist", cwd=tmp_path)
    assert refused.returncode == 1
    assert "reached at use.py:3 through a module" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert {n: (tmp_path / n).read_text() for n in files} == files
