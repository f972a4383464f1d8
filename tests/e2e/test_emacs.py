"""Emacs 28 + eglot 1.9 (with Flymake and imenu) against claude-lsp, in batch mode.

Needs ``emacs`` with eglot (Debian: ``apt-get install -y emacs-nox elpa-eglot``);
skipped when ``emacs`` is missing, failed instead when ``CI`` is set. Run with
``.venv/bin/pytest tests/e2e/test_emacs.py``. By hand, one scenario (the result lands
in /tmp/result.json; on failure eglot's events and stderr buffers go to stderr)::

    printf 'def f(:\\n    pass\\n\\nclass A:\\n    def m(self):\\n        return 1\\n' > /tmp/b.py
    CLAUDE_LSP_E2E_CMD='["'$PWD'/.venv/bin/python", "-m", "server"]' \\
    CLAUDE_LSP_E2E_FILE=/tmp/b.py CLAUDE_LSP_E2E_RESULT=/tmp/result.json \\
    emacs --batch -Q -l tests/e2e/emacs_diagnostics.el
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import FIXED, HERE, SYNTAX_ERROR, Workspace, editor_binary, outline, run_editor


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path)


def run_emacs(scenario: str, ws: Workspace) -> dict[str, Any]:
    emacs = editor_binary("emacs", "emacs-nox elpa-eglot")
    return run_editor([emacs, "--batch", "-Q", "-l", str(HERE / f"emacs_{scenario}.el")], ws)


# Flymake's view of SYNTAX_ERROR. eglot 1.9 hands an empty LSP range to
# `flymake-diag-region', which takes 1-based columns, so the zero-width error at
# character 6 is drawn from column 5 (the `(`); the LSP diagnostic itself is exact.
SHOWN_ERROR = {
    "line": 0,
    "column": 5,
    "type": "eglot-error",
    "text": "claude-lsp [syntax-error]: missing `)`",
    "lsp": SYNTAX_ERROR,
}


def test_syntax_error_is_shown(ws: Workspace) -> None:
    observed = run_emacs("diagnostics", ws)
    assert observed["shown"] == [SHOWN_ERROR]
    assert observed["published"][-1] == {
        "uri": ws.uri,
        "version": observed["buffer_version"],
        "diagnostics": [SYNTAX_ERROR],
    }


def test_document_symbols(ws: Workspace) -> None:
    observed = run_emacs("symbols", ws)
    symbols = observed["symbols"]
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
    # imenu, built by eglot from the same answer: [name, [line, column]] or [name, children].
    assert observed["imenu"] == [
        ["Function", [["f", [0, 4]]]],
        ["Class", [["A", [3, 6]]]],
        ["Method", [["A", [["m", [4, 8]]]]]],
    ]


def test_typing_the_fix_clears_the_diagnostic(ws: Workspace) -> None:
    observed = run_emacs("edit", ws)
    assert observed["before"] == [SHOWN_ERROR]
    assert observed["text"] == FIXED
    assert observed["after"] == []
    assert observed["buffer_version"] > 0
    assert observed["last_publish"] == {
        "uri": ws.uri,
        "version": observed["buffer_version"],
        "diagnostics": [],
    }
