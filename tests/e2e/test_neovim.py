"""Neovim 0.7 (its built-in LSP client) against claude-lsp, headless.

Needs ``nvim`` (Debian: ``apt-get install -y neovim``); skipped when it is missing,
failed instead when ``CI`` is set. Run with ``.venv/bin/pytest tests/e2e/test_neovim.py``.
By hand, one scenario (the result lands in /tmp/result.json, the server's stderr in
``~/.cache/nvim/lsp.log``)::

    printf 'def f(:\\n    pass\\n\\nclass A:\\n    def m(self):\\n        return 1\\n' > /tmp/b.py
    CLAUDE_LSP_E2E_CMD='["'$PWD'/.venv/bin/python", "-m", "server"]' \\
    CLAUDE_LSP_E2E_ROOT=/tmp CLAUDE_LSP_E2E_FILE=/tmp/b.py \\
    CLAUDE_LSP_E2E_RESULT=/tmp/result.json \\
    nvim --headless -u NONE -i NONE -n -c 'luafile tests/e2e/neovim_diagnostics.lua'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import FIXED, HERE, SYNTAX_ERROR, Workspace, editor_binary, outline, run_editor


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path)


def run_neovim(scenario: str, ws: Workspace) -> dict[str, Any]:
    nvim = editor_binary("nvim", "neovim")
    script = HERE / f"neovim_{scenario}.lua"
    argv = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {script}"]
    return run_editor(argv, ws, logs=(ws.home / ".cache" / "nvim" / "lsp.log",))


# vim.diagnostic's view of SYNTAX_ERROR (zero-based lines and byte columns).
SHOWN_ERROR = {
    "lnum": 0,
    "col": 6,
    "end_lnum": 0,
    "end_col": 6,
    "severity": 1,
    "message": "missing `)`",
    "source": "claude-lsp",
}


def test_syntax_error_is_shown(ws: Workspace) -> None:
    observed = run_neovim("diagnostics", ws)
    assert observed["shown"] == [SHOWN_ERROR]
    assert observed["published"][-1] == {
        "uri": ws.uri,
        "version": observed["buffer_version"],
        "diagnostics": [SYNTAX_ERROR],
    }


def test_document_symbols(ws: Workspace) -> None:
    symbols = run_neovim("symbols", ws)["symbols"]
    assert outline(symbols) == [("f", 12, []), ("A", 5, [("m", 6, [])])]
    class_a = symbols[1]
    assert class_a["range"] == {
        "start": {"line": 3, "character": 0},
        "end": {"line": 5, "character": 16},
    }
    assert class_a["children"][0]["selectionRange"] == {
        "start": {"line": 4, "character": 8},
        "end": {"line": 4, "character": 9},
    }


def test_typing_the_fix_clears_the_diagnostic(ws: Workspace) -> None:
    observed = run_neovim("edit", ws)
    assert observed["before"] == [SHOWN_ERROR]
    assert "\n".join(observed["text"]) + "\n" == FIXED
    assert observed["after"] == []
    assert observed["buffer_version"] > 0
    assert observed["last_publish"] == {
        "uri": ws.uri,
        "version": observed["buffer_version"],
        "diagnostics": [],
    }
