"""Lone ``\\r`` and mixed line endings through the LSP: LSP breaks lines at ``\\n``,
``\\r\\n`` and a lone ``\\r``, so a diagnostic's range, a rename edit and a code action's
edit on such a file must land where they land on the same file with ``\\n`` only.

Each document is checked against its ``\\n`` twin: the same diagnostics, symbols and edit
ranges, and the edit applied the way a client applies it (an independent splitter,
``re.split``) gives the twin's result with the file's own endings kept.
"""

from __future__ import annotations

import re

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

ENDINGS = {"cr": ["\r"], "mixed": ["\r", "\r\n", "\n"], "crlf-then-cr": ["\r\n", "\r"]}


def with_endings(text: str, kind: str) -> str:
    """``text`` (``\\n`` only) with its line breaks replaced in turn by ``kind``'s."""
    cycle = ENDINGS[kind]
    parts = text.split("\n")
    out = parts[0]
    for index, part in enumerate(parts[1:]):
        out += cycle[index % len(cycle)] + part
    return out


def lsp_apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply edits as an LSP client does: lines end at \\r\\n, \\r or \\n."""
    pieces = re.split(r"(\r\n|\r|\n)", text)
    starts, offset = [0], 0
    for index, piece in enumerate(pieces):
        offset += len(piece)
        if index % 2 == 1:
            starts.append(offset)

    def at(p: types.Position) -> int:
        line_text = pieces[2 * p.line] if 2 * p.line < len(pieces) else ""
        return starts[p.line] + min(p.character, len(line_text))

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
        text = text[: at(e.range.start)] + e.new_text + text[at(e.range.end) :]
    return text


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("breaks")
    lsp_client.root = root  # type: ignore[attr-defined]
    await initialize(lsp_client, "visual-studio-code", root)
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, name: str, text: str) -> str:
    path = client.root / name  # type: ignore[attr-defined]
    path.write_bytes(text.encode())
    return open_document(client, path, text)


def _shape(diagnostics: list[types.Diagnostic]) -> list[tuple[object, ...]]:
    return sorted(
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
         d.source, d.message)
        for d in diagnostics
    )  # fmt: skip


async def _unused(client: LanguageClient, name: str, text: str) -> list[types.Diagnostic]:
    uri = _open(client, name, text)
    await diagnostics_become(client, uri, ["'os' imported but unused"])
    return list(client.diagnostics[uri])


BROKEN = "x = 'é'\nimport os\n\n\ndef f(a:\n    return a\n"
UNUSED = "x = 'é'\nimport os\nimport sys\n\n\ndef f():\n    return sys.argv\n"


@pytest.mark.parametrize("kind", list(ENDINGS))
async def test_diagnostic_ranges(client: LanguageClient, kind: str):
    twin = await _unused(client, f"lf_{kind}.py", UNUSED)
    got = await _unused(client, f"unused_{kind}.py", with_endings(UNUSED, kind))
    assert _shape(got) == _shape(twin)
    assert [(d.range.start.line, d.message) for d in got] == [(1, "'os' imported but unused")]
    syntax_twin = await wait_for_diagnostics(
        client, _open(client, f"lf_broken_{kind}.py", BROKEN), version=1
    )
    broken = with_endings(BROKEN, kind)
    syntax = await wait_for_diagnostics(
        client, _open(client, f"broken_{kind}.py", broken), version=1
    )
    assert _shape(syntax) == _shape(syntax_twin)
    assert any(d.range.start.line == 4 for d in syntax)


async def _symbols(client: LanguageClient, uri: str) -> list[tuple[str, int, int]]:
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri))
    )
    return [(s.name, s.range.start.line, s.selection_range.start.character) for s in result or []]


@pytest.mark.parametrize("kind", list(ENDINGS))
async def test_symbols_and_incremental_changes(client: LanguageClient, kind: str):
    source = "a = 1\nb = 2\nc = 3\n"
    text = with_endings(source, kind)
    uri = _open(client, f"sym_{kind}.py", text)
    assert await _symbols(client, uri) == [("a", 0, 0), ("b", 1, 0), ("c", 2, 0)]
    # Replace "b" on line 1, then join lines 0 and 1 by deleting the first break.
    changes = [
        types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(1, 0), types.Position(1, 1)), text="bee"
        ),
        types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(0, 5), types.Position(1, 0)), text="; "
        ),
    ]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=changes,
        )
    )
    assert await _symbols(client, uri) == [("a", 0, 0), ("bee", 0, 7), ("c", 1, 0)]


RENAME = "value = 1\nprint(value)\n\n\ndef use():\n    return value + 1\n"


@pytest.mark.parametrize("kind", list(ENDINGS))
async def test_rename_edit(client: LanguageClient, kind: str):
    text = with_endings(RENAME, kind)
    uri = _open(client, f"rename_{kind}.py", text)
    edit = await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(1, 8),
            new_name="amount",
        )
    )
    assert edit is not None
    edits = [e for change in edit.document_changes or [] for e in change.edits]
    starts = sorted((e.range.start.line, e.range.start.character) for e in edits)
    assert starts == [(0, 0), (1, 6), (5, 11)]
    assert lsp_apply(text, edits) == with_endings(RENAME.replace("value", "amount"), kind)


FIXABLE = "import os\nimport sys\n\n\ndef main():\n    return os.sep\n"


@pytest.mark.parametrize("kind", list(ENDINGS))
async def test_code_action_edit(client: LanguageClient, kind: str):
    text = with_endings(FIXABLE, kind)
    uri = _open(client, f"fix_{kind}.py", text)
    await wait_for_diagnostics(client, uri, version=1)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll"]),
        )
    )
    [action] = [a for a in result or [] if isinstance(a, types.CodeAction)]
    if action.edit is None:
        action = await client.code_action_resolve_async(action)
    assert action.edit is not None
    edits = [e for change in action.edit.document_changes or [] for e in change.edits]
    fixed = lsp_apply(text, edits)
    assert "sys" not in fixed
    assert re.split(r"\r\n|\r|\n", fixed) == re.split(
        r"\r\n|\r|\n", "import os\n\n\ndef main():\n    return os.sep\n"
    )
