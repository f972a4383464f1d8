"""The README's "ask Claude about the selection" snippets are the files the chat
end-to-end tests run (``test_neovim_chat.py``, ``test_emacs_chat.py``), verbatim."""

from __future__ import annotations

import pytest

from tests.e2e import HERE, REPO


@pytest.mark.parametrize(
    ("name", "language"), [("claude_ask.lua", "lua"), ("claude_ask.el", "elisp")]
)
def test_the_readme_quotes_the_tested_snippet(name: str, language: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    snippet = (HERE / name).read_text(encoding="utf-8")
    assert f"```{language}\n{snippet}```\n" in readme
