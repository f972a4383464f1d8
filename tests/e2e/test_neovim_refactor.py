"""Neovim 0.7 refactors against claude-lsp: rename across two files, extract variable
as a user picks it (Neovim 0.7.2 resolves code actions), and extract method through the
server's command + ``workspace/applyEdit`` (the path of clients without resolve).

One editor run (``neovim_refactor.lua``) does the three steps in that order and writes
the buffers; the tests assert the buffers Neovim ended with and the files it saved.
Needs ``nvim`` (Debian: ``apt-get install -y neovim``); skipped when it is missing,
failed instead when ``CI`` is set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import HERE, Workspace, editor_binary, run_editor

SHOP = "def price(items):\n    return sum(items)\n\n\nTOTAL = price([1, 2])\n"
CART = "from shop import price\n\n\ndef checkout(items):\n    return price(items) * 2\n"
RENAMED_SHOP = "def total_price(items):\n    return sum(items)\n\n\nTOTAL = total_price([1, 2])\n"
RENAMED_CART = (
    "from shop import total_price\n\n\ndef checkout(items):\n    return total_price(items) * 2\n"
)
EXTRACTED_SHOP = (
    "def total_price(items):\n"
    "    extracted = sum(items)\n"
    "    return extracted\n"
    "\n"
    "\n"
    "TOTAL = total_price([1, 2])\n"
)
# rope's layout for a function extracted at module level (three blank lines before it,
# one after): it parses, and is what rope's ExtractMethod itself produces.
EXTRACTED_METHOD_SHOP = (
    "def total_price(items):\n"
    "    extracted = sum(items)\n"
    "    return extracted\n"
    "\n"
    "\n"
    "\n"
    "def extracted():\n"
    "    return [1, 2]\n"
    "\n"
    "TOTAL = total_price(extracted())\n"
)


def refactor_workspace(base: Path) -> Workspace:
    """``shop.py`` (the file the editor opens) and ``cart.py``, which imports from it."""
    root = base / "ws"
    root.mkdir()
    (root / "shop.py").write_text(SHOP)
    (root / "cart.py").write_text(CART)
    home = base / "home"
    home.mkdir()
    return Workspace(root=root, file=root / "shop.py", home=home, result=base / "result.json")


def lines(text: str) -> list[str]:
    """A text as an editor's buffer lines (no entry for the final newline)."""
    return text.split("\n")[:-1]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict[str, Any]]:
    nvim = editor_binary("nvim", "neovim")
    ws = refactor_workspace(tmp_path_factory.mktemp("nvim-refactor").resolve())
    script = HERE / "neovim_refactor.lua"
    argv = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {script}"]
    return ws, run_editor(argv, ws, logs=(ws.home / ".cache" / "nvim" / "lsp.log",))


def test_rename_across_two_files(run: tuple[Workspace, dict[str, Any]]) -> None:
    ws, observed = run
    assert observed["renamed"] == {"shop": lines(RENAMED_SHOP), "cart": lines(RENAMED_CART)}
    assert (ws.root / "cart.py").read_text() == RENAMED_CART  # written by Neovim (:wall)


def test_extract_variable_through_resolve(run: tuple[Workspace, dict[str, Any]]) -> None:
    """Neovim 0.7.2 declares codeAction/resolve support: listing carries no edit, no
    command; Neovim resolves the picked action and applies its edit."""
    _, observed = run
    offered = observed["offered"]
    assert offered[:2] == ["Extract variable", "Extract method"]
    assert all("Claude" in title for title in offered[2:])  # the AI actions follow
    assert observed["listed"] == {"kind": "refactor.extract", "edit": False, "command": False}
    assert observed["extracted_variable"] == lines(EXTRACTED_SHOP)


def test_extract_method_through_the_command(run: tuple[Workspace, dict[str, Any]]) -> None:
    """The server's command computes the edit and sends one workspace/applyEdit."""
    ws, observed = run
    assert observed["apply_edit_requests"] == 1
    assert observed["extracted_method"] == lines(EXTRACTED_METHOD_SHOP)
    assert (ws.root / "shop.py").read_text() == EXTRACTED_METHOD_SHOP  # :write
