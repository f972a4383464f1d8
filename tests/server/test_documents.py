"""Text sync as the client sees it: line breaks, several changes, encodings."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import config, initialize, open_document, wait_for_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    lsp_client.root = root  # type: ignore[attr-defined]
    await initialize(lsp_client, "visual-studio-code", root)
    yield
    await lsp_client.shutdown_session()


def _change(
    client: LanguageClient, uri: str, version: int, *changes: tuple[int, int, int, int, str]
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(a, b), types.Position(c, d)), text=text
                )
                for a, b, c, d, text in changes
            ],
        )
    )


async def _symbols(client: LanguageClient, uri: str) -> list[tuple[str, int]]:
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None
    return [(s.name, s.range.start.line) for s in symbols]  # type: ignore[union-attr]


@pytest.mark.parametrize("odd", ["\x0c", "# \u2028 \x85 \x1c"], ids=["form-feed", "u2028"])
async def test_edits_after_characters_that_splitlines_breaks_at(client: LanguageClient, odd: str):
    """LSP lines end only at \\n, \\r\\n and \\r: an edit after a form feed (PEP 8 allows
    them) or U+2028 lands on the line the client means."""
    name = "ff.py" if odd == "\x0c" else "u2028.py"
    uri = open_document(client, client.root / name, f"a = 1\n{odd}\nb = (2\n")
    diagnostics = await wait_for_diagnostics(client, uri, version=1)
    assert [(d.range.start.line, d.message) for d in diagnostics] == [(2, "`(` was never closed")]
    _change(client, uri, 2, (2, 6, 2, 6, ")"))
    assert await wait_for_diagnostics(client, uri, version=2) == []
    assert await _symbols(client, uri) == [("a", 0), ("b", 2)]
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(2, 0)
        )
    )
    assert isinstance(prepared, types.PrepareRenamePlaceholder)
    assert prepared.placeholder == "b"


async def test_several_changes_in_one_notification_on_a_crlf_document(client: LanguageClient):
    uri = open_document(client, client.root / "crlf.py", "def f(:\r\n    pass\r\nx = 1\r\n")
    diagnostics = await wait_for_diagnostics(client, uri, version=1)
    assert [(d.range.start.line, d.range.start.character) for d in diagnostics] == [(0, 6)]
    # Applied in order: the second range is in the text the first change produced.
    _change(client, uri, 2, (0, 6, 0, 6, ")"), (0, 7, 0, 7, " -> int"), (2, 4, 2, 5, "(2"))
    diagnostics = await wait_for_diagnostics(client, uri, version=2)
    assert [(d.range.start.line, d.range.start.character, d.message) for d in diagnostics] == [
        (2, 4, "`(` was never closed")
    ]


async def test_an_id_that_contradicts_the_extension(client: LanguageClient):
    """eglot 1.9 labels every buffer of a multi-mode entry with its first mode's id: a
    JavaScript file arriving as "python" is checked and outlined as JavaScript (no
    pyflakes on it)."""
    uri = open_document(
        client, client.root / "mislabelled.js", "function go(a) {\n  return a +;\n}\n"
    )
    diagnostics = await wait_for_diagnostics(client, uri, version=1)
    assert {d.source for d in diagnostics} == {"claude-lsp"}
    assert await _symbols(client, uri) == [("go", 0)]
