"""Syntax features end to end over stdio, as VS Code, Neovim 0.7 and Emacs see them."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import (
    CLIENTS,
    config,
    diagnostics_become,
    initialize,
    open_document,
    wait_for_diagnostics,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

BROKEN = "def f(:\n    pass\n\nclass A:\n    def m(self):\n        return 1\n"


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=config())
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.profile = request.param  # type: ignore[attr-defined]
    await initialize(lsp_client, request.param, root)
    yield
    await lsp_client.shutdown_session()


def _root(client: LanguageClient):
    return client.root  # type: ignore[attr-defined]


async def test_syntax_error_diagnostic_with_version(client: LanguageClient):
    uri = open_document(client, _root(client) / "broken.py", BROKEN, version=7)
    diagnostics = await wait_for_diagnostics(client, uri, version=7)
    assert [(d.range.start.line, d.range.start.character, d.message) for d in diagnostics] == [
        (0, 6, "missing `)`")
    ]
    assert diagnostics[0].source == "claude-lsp"
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error


async def test_fix_clears_and_close_clears(client: LanguageClient):
    uri = open_document(client, _root(client) / "fixme.py", BROKEN)
    assert await wait_for_diagnostics(client, uri)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, 6), types.Position(0, 6)), text=")"
                )
            ],
        )
    )
    assert await wait_for_diagnostics(client, uri, version=2) == []
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(5, 15), types.Position(5, 16)), text="("
                )
            ],
        )
    )
    diagnostics = await wait_for_diagnostics(client, uri, version=3)
    assert [(d.range.start.line, d.range.start.character, d.message) for d in diagnostics] == [
        (5, 15, "`(` was never closed")
    ]
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await diagnostics_become(client, uri, [])


async def test_document_symbols_hierarchy(client: LanguageClient):
    uri = open_document(client, _root(client) / "symbols.py", BROKEN)
    await wait_for_diagnostics(client, uri)
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    if isinstance(result[0], types.DocumentSymbol):
        outline = [(s.name, s.kind, [(c.name, c.kind) for c in s.children or []]) for s in result]
        assert ("A", types.SymbolKind.Class, [("m", types.SymbolKind.Method)]) in outline
    else:  # clients without hierarchical support get the flat form
        flat = [(s.name, s.kind, s.container_name) for s in result]
        assert ("m", types.SymbolKind.Method, "A") in flat


async def test_folding_and_selection(client: LanguageClient):
    text = "def f(a,\n      b):\n    return [\n        a,\n        b,\n    ]\n"
    uri = open_document(client, _root(client) / "fold.py", text)
    await wait_for_diagnostics(client, uri)
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert folds is not None
    assert (0, 5) in [(f.start_line, f.end_line) for f in folds]
    assert (2, 4) in [(f.start_line, f.end_line) for f in folds]
    ranges = await client.text_document_selection_range_async(
        types.SelectionRangeParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            positions=[types.Position(3, 8)],
        )
    )
    assert ranges is not None
    chain = []
    node = ranges[0]
    while node is not None:
        chain.append(
            (
                (node.range.start.line, node.range.start.character),
                (node.range.end.line, node.range.end.character),
            )
        )
        node = node.parent
    assert chain[0] == ((3, 8), (3, 9))
    assert ((2, 11), (5, 5)) in chain  # the list
    assert chain[-1] == ((0, 0), (6, 0))


async def test_unknown_language_gets_nothing(client: LanguageClient):
    uri = open_document(client, _root(client) / "notes.xyz", "(((", language_id="xyz")
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is None


async def test_request_for_unopened_document_is_empty(client: LanguageClient):
    uri = (_root(client) / "never-opened.py").as_uri()
    result = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is None
