"""Real-editor end-to-end tests: Neovim and Emacs drive claude-lsp as a user's editor would.

Each scenario script (``neovim_*.lua``, ``emacs_*.el``) opens a file in a temp workspace,
talks to ``python -m server`` through the editor's own LSP client, and writes what the
editor saw to a JSON result file; the tests assert the exact values. This module holds
the runner the two test modules share.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SERVER_COMMAND = [sys.executable, "-m", "server"]
RUN_TIMEOUT_S = 25  # the scripts give up on the server after 10 s
OK_MARKER = "CLAUDE-LSP-E2E: OK"
MODEL_ENV_PREFIXES = ("ANTHROPIC_", "CLAUDE_CODE_")  # the model provider: only via extra_env

BROKEN = "def f(:\n    pass\n\nclass A:\n    def m(self):\n        return 1\n"
FIXED = BROKEN.replace("def f(:", "def f():")
SYNTAX_ERROR = {
    "range": {"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 6}},
    "message": "missing `)`",
    "severity": 1,
    "code": "syntax-error",
    "source": "claude-lsp",
}


def editor_binary(name: str, apt_packages: str) -> str:
    """The editor's path; skip when it is missing, except under CI, where that fails."""
    path = shutil.which(name)
    if path is not None:
        return path
    reason = f"`{name}` is not installed (apt-get install -y {apt_packages})"
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{reason}, and CI is set: CI must install it")
    pytest.skip(reason)


@dataclass
class Workspace:
    """A temp workspace holding ``broken.py``, plus a private HOME and result file."""

    root: Path
    file: Path
    home: Path
    result: Path

    @classmethod
    def create(cls, tmp_path: Path) -> Workspace:
        base = tmp_path.resolve()
        root = base / "ws"
        root.mkdir()
        file = root / "broken.py"
        file.write_text(BROKEN)
        home = base / "home"
        home.mkdir()
        return cls(root=root, file=file, home=home, result=base / "result.json")

    @property
    def uri(self) -> str:
        return self.file.as_uri()


def run_editor(
    argv: list[str],
    ws: Workspace,
    logs: tuple[Path, ...] = (),
    extra_env: Mapping[str, str] | None = None,
    timeout: float = RUN_TIMEOUT_S,
) -> dict[str, Any]:
    """Run one scenario; return what the editor observed, or fail with all its output.

    The editor, and so the server it starts, gets ``extra_env`` on top of a private HOME;
    the model provider settings of the test run itself (an API key, a base URL) are not
    passed on, so a scenario talks to the model only through what ``extra_env`` says."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(MODEL_ENV_PREFIXES)}
    env = {
        **inherited,
        "HOME": str(ws.home),
        "XDG_CONFIG_HOME": str(ws.home / ".config"),
        "XDG_CACHE_HOME": str(ws.home / ".cache"),
        "XDG_DATA_HOME": str(ws.home / ".local" / "share"),
        "XDG_STATE_HOME": str(ws.home / ".local" / "state"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "CLAUDE_LSP_E2E_CMD": json.dumps(SERVER_COMMAND),
        "CLAUDE_LSP_E2E_ROOT": str(ws.root),
        "CLAUDE_LSP_E2E_FILE": str(ws.file),
        "CLAUDE_LSP_E2E_RESULT": str(ws.result),
        **(extra_env or {}),
    }
    files = (ws.result, *logs)
    try:
        proc = subprocess.run(
            argv,
            cwd=ws.root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"{argv[0]} did not finish within {timeout} s\n"
            + _report(argv, None, _text(exc.stdout), _text(exc.stderr), files)
        )
    report = _report(argv, proc.returncode, proc.stdout, proc.stderr, files)
    assert proc.returncode == 0, report
    assert OK_MARKER in proc.stdout, report
    result = json.loads(ws.result.read_text())
    assert result.get("ok") is True, report
    return result["observed"]


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def _report(
    argv: list[str], returncode: int | None, stdout: str, stderr: str, files: tuple[Path, ...]
) -> str:
    parts = [f"command: {argv}", f"exit code: {returncode}", f"stdout:\n{stdout}"]
    parts.append(f"stderr:\n{stderr}")
    parts += [f"{p.name}:\n{p.read_text(errors='replace')}" for p in files if p.exists()]
    return "\n".join(parts)


def outline(symbols: list[dict[str, Any]]) -> list[tuple[str, int, list[Any]]]:
    """DocumentSymbol trees as (name, kind, children) tuples."""
    return [(s["name"], s["kind"], outline(s.get("children") or [])) for s in symbols]
