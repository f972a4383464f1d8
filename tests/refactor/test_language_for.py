"""Which grammar a document gets: the editor's language id, unless the extension names
a language of another family (eglot 1.9 labels every buffer of a multi-mode server
entry with its first mode's id)."""

from __future__ import annotations

import pytest

from refactor.syntax.languages import language_for


@pytest.mark.parametrize(
    ("path", "language_id", "expected"),
    [
        ("/w/app.py", "python", "python"),
        ("/w/app.js", "python", "javascript"),  # eglot: the entry's first mode
        ("/w/notes.md", "python", "markdown"),
        ("/w/conf.yaml", "js", "yaml"),
        ("/w/lib.h", "cpp", "cpp"),  # a C header edited as C++
        ("/w/view.js", "javascriptreact", "javascriptreact"),
        ("/w/view.ts", "typescriptreact", "typescriptreact"),
        ("/w/script", "python", "python"),  # no extension: the id decides
        ("/w/README.txt", "markdown", "markdown"),  # unknown extension: the id decides
        ("/w/app.js", "plaintext", "javascript"),  # unknown id: the extension decides
        ("/w/app.unknown", None, None),
    ],
)
def test_language_for(path: str, language_id: str | None, expected: str | None) -> None:
    assert language_for(path, language_id) == expected
