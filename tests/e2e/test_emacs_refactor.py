"""Emacs 28 + eglot 1.9 refactors against claude-lsp: rename across two files, and an
extract through the code action's command + ``workspace/applyEdit`` (eglot 1.9 has no
codeAction/resolve).

One editor run (``emacs_refactor.el``) does both steps in that order and saves the
buffers; the tests assert the texts eglot ended with and the files it saved. Needs
``emacs`` with eglot (Debian: ``apt-get install -y emacs-nox elpa-eglot``); skipped when
``emacs`` is missing, failed instead when ``CI`` is set.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e import HERE, Workspace, editor_binary, run_editor
from tests.e2e.test_neovim_refactor import (
    EXTRACTED_SHOP,
    RENAMED_CART,
    RENAMED_SHOP,
    refactor_workspace,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict[str, Any]]:
    emacs = editor_binary("emacs", "emacs-nox elpa-eglot")
    ws = refactor_workspace(tmp_path_factory.mktemp("emacs-refactor").resolve())
    return ws, run_editor([emacs, "--batch", "-Q", "-l", str(HERE / "emacs_refactor.el")], ws)


def test_rename_across_two_files(run: tuple[Workspace, dict[str, Any]]) -> None:
    ws, observed = run
    renamed = observed["renamed"]
    # cart.py was not visited: eglot asks before editing it (answered yes)
    assert renamed["prompts"] == [
        f"[eglot] Server wants to edit:\n  {ws.root / 'cart.py'}\n  {ws.root / 'shop.py'}\n"
        " Proceed? "
    ]
    assert renamed["shop"] == RENAMED_SHOP
    assert renamed["cart"] == RENAMED_CART
    assert (ws.root / "cart.py").read_text() == RENAMED_CART  # saved by Emacs


def test_extract_variable_through_the_command(run: tuple[Workspace, dict[str, Any]]) -> None:
    ws, observed = run
    extracted = observed["extracted"]
    offered = extracted["offered"]
    assert offered[:2] == ["Extract variable", "Extract method"]
    assert all("Claude" in title for title in offered[2:])  # the AI actions follow
    assert extracted["apply_edit_requests"] == 1
    assert extracted["text"] == EXTRACTED_SHOP
    assert (ws.root / "shop.py").read_text() == EXTRACTED_SHOP
