"""Bad input over LSP: the server answers (an error or an empty result), never crashes."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import (
    config,
    diagnostics_become,
    initialize,
    open_document,
    wait_for_diagnostics,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    lsp_client.root = root  # type: ignore[attr-defined]
    await initialize(lsp_client, "visual-studio-code", root)
    yield
    await lsp_client.shutdown_session()


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def _symbols(client: LanguageClient, uri: str):
    return await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=_doc(uri))
    )


async def _alive(client: LanguageClient) -> None:
    """The server still answers and still computes symbols."""
    uri = open_document(client, client.root / "alive.py", "class Alive:\n    pass\n")
    symbols = await _symbols(client, uri)
    assert symbols is not None
    assert [s.name for s in symbols] == ["Alive"]


async def test_binary_document_gets_no_syntax_features(client: LanguageClient):
    uri = open_document(client, client.root / "blob.py", "x = 1\x00\x01\x02def (")
    assert await wait_for_diagnostics(client, uri) == []
    assert await _symbols(client, uri) is None
    await _alive(client)


async def test_lone_surrogates_are_survived(client: LanguageClient):
    uri = open_document(client, client.root / "surrogate.py", "x = '\udc80'\ndef f(:\n")
    diagnostics = await wait_for_diagnostics(client, uri)
    assert [(d.range.start.line, d.message) for d in diagnostics] == [(1, "missing `)`")]


async def test_ten_megabyte_document_is_skipped(client: LanguageClient):
    text = "x = 1\n" * (10 * 1024 * 1024 // 6) + "def (\n"
    uri = open_document(client, client.root / "huge.py", text)
    assert await wait_for_diagnostics(client, uri) == []
    assert await _symbols(client, uri) is None
    await _alive(client)


async def test_deeply_nested_brackets(client: LanguageClient):
    text = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"
    uri = open_document(client, client.root / "deep.py", text)
    assert await wait_for_diagnostics(client, uri) == []
    assert [s.name for s in await _symbols(client, uri)] == ["x"]
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=_doc(uri))
    )
    assert list(folds) == []
    ranges = await client.text_document_selection_range_async(
        types.SelectionRangeParams(
            text_document=_doc(uri), positions=[types.Position(0, 4 + 25_000)]
        )
    )
    depth, node = 0, ranges[0]
    while node is not None:
        depth, node = depth + 1, node.parent
    assert 2 <= depth <= 100
    unbalanced = "{" * 50_000
    uri = open_document(client, client.root / "deep.json", unbalanced, language_id="json")
    diagnostics = await wait_for_diagnostics(client, uri)
    assert 1 <= len(diagnostics) <= 100


async def test_burst_of_a_thousand_changes(client: LanguageClient):
    uri = open_document(client, client.root / "burst.py", "")
    await wait_for_diagnostics(client, uri, version=1, timeout=240)
    for version in range(2, 1002):
        # Type "def f{n}(): pass\n" one line per change, at the end of the document.
        line = version - 2
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(types.Position(line, 0), types.Position(line, 0)),
                        text=f"def f{line}(): pass\n" if version < 1001 else "def broken(:\n",
                    )
                ],
            )
        )
    # The settled state, not the first publish for version 1001: each source publishes
    # on its own (pyflakes in a worker process), and either may come first. The timeout
    # is a hang guard for a loaded machine, not a speed goal (bench.typing_load has that).
    await diagnostics_become(client, uri, ["missing `)`"], timeout=240)
    diagnostics = client.diagnostics[uri]
    assert [(d.range.start.line, d.message) for d in diagnostics] == [(999, "missing `)`")]
    symbols = await _symbols(client, uri)
    assert [s.name for s in symbols][:3] == ["f0", "f1", "f2"]
    assert len(symbols) == 1000


async def test_positions_past_the_end_are_clamped(client: LanguageClient):
    uri = open_document(client, client.root / "short.py", "x = 1\n")
    ranges = await client.text_document_selection_range_async(
        types.SelectionRangeParams(text_document=_doc(uri), positions=[types.Position(99, 99)])
    )
    assert ranges is not None
    assert ranges[0].range.end == types.Position(1, 0)


async def test_a_huge_document_gets_a_clear_refusal_not_a_parse(client: LanguageClient):
    """Over syntax.maxFileSize: code actions list no Python refactors (listing them
    parsed the whole text on the event loop) and a rename is refused, saying why."""
    text = "def compute(value):\n    return value\n\n\n" * (2_100_000 // 40)
    uri = open_document(client, client.root / "big_module.py", text)
    assert await wait_for_diagnostics(client, uri) == []
    start = types.Position(0, 4)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(uri),
            range=types.Range(start, start),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    kinds = [a.kind for a in actions or [] if isinstance(a, types.CodeAction)]
    assert not [k for k in kinds if k and str(k).startswith(("refactor", "quickfix", "source"))]
    with pytest.raises(Exception, match=r"over syntax\.maxFileSize"):
        await client.text_document_prepare_rename_async(
            types.PrepareRenameParams(text_document=_doc(uri), position=start)
        )
    with pytest.raises(Exception, match=r"over syntax\.maxFileSize"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=_doc(uri), position=start, new_name="other")
        )
    small = open_document(client, client.root / "small_module.py", text[:40])
    await wait_for_diagnostics(client, small)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=_doc(small),
            range=types.Range(start, start),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert any(str(a.kind).startswith("refactor") for a in actions or [])  # same file, small
    await _alive(client)
