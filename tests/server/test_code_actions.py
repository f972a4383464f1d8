"""Python code actions over stdio, as VS Code, Neovim 0.7 and Emacs (eglot) see them."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import CLIENTS, config, initialize, open_document, wait_for_diagnostics

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHOP = (
    "import os\n"
    "import sys\n"
    "\n"
    "\n"
    "def total(items, tax):\n"
    "    pieces = []\n"
    "    pieces.append(tax)\n"
    "    subtotal = sum(items)\n"
    "    return subtotal * (1 + tax), pieces, sys.argv\n"
)
UNSORTED = "import sys\nimport os\n\nprint(os.sep, sys.argv)\n"


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=config())
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.profile = request.param  # type: ignore[attr-defined]
    lsp_client.init_result = await initialize(lsp_client, request.param, root)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, name: str, text: str) -> str:
    path = client.root / name  # type: ignore[attr-defined]
    path.write_text(text)
    return open_document(client, path, text)


async def _actions(
    client: LanguageClient,
    uri: str,
    rng: types.Range,
    *,
    only: list[str] | None = None,
    diagnostics: list[types.Diagnostic] | None = None,
    trigger: types.CodeActionTriggerKind | None = None,
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=types.CodeActionContext(
                diagnostics=diagnostics or [], only=only, trigger_kind=trigger
            ),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def _range(a: int, b: int, c: int, d: int) -> types.Range:
    return types.Range(types.Position(a, b), types.Position(c, d))


async def _edit_of(client: LanguageClient, action: types.CodeAction) -> types.WorkspaceEdit:
    """The edit, the way this client gets it: resolve, or command + workspace/applyEdit."""
    if action.edit is not None:
        return action.edit
    if action.command is None:
        resolved = await client.code_action_resolve_async(action)
        assert resolved.edit is not None
        return resolved.edit
    applied = client.applied_edits  # type: ignore[attr-defined]
    before = len(applied)
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command=action.command.command, arguments=action.command.arguments
        )
    )
    assert len(applied) == before + 1
    return applied[-1].edit


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: p.line]) + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


def _edits(edit: types.WorkspaceEdit) -> list[types.TextEdit]:
    if edit.changes:
        return [e for edits in edit.changes.values() for e in edits]
    return [
        e
        for change in edit.document_changes or []
        if isinstance(change, types.TextDocumentEdit)
        for e in change.edits
    ]


async def test_kinds_are_advertised(client: LanguageClient):
    provider = client.init_result.capabilities.code_action_provider  # type: ignore[attr-defined]
    kinds = {str(getattr(k, "value", k)) for k in provider.code_action_kinds}
    assert {"quickfix", "refactor.extract", "refactor.inline", "source.organizeImports"} <= kinds
    assert "source.fixAll" in kinds


async def test_extract_variable_on_a_partial_line(client: LanguageClient):
    uri = _open(client, "extract.py", SHOP)
    actions = await _actions(client, uri, _range(8, 23, 8, 30))
    titles = [a.title for a in actions]
    assert "Extract variable" in titles
    assert all(a.edit is None for a in actions)  # listing computes nothing
    action = next(a for a in actions if a.title == "Extract variable")
    assert str(action.kind) in ("refactor.extract", types.CodeActionKind.RefactorExtract)
    edits = _edits(await _edit_of(client, action))
    assert any("1 + tax" in e.new_text for e in edits)


async def test_no_inline_on_a_mutated_list(client: LanguageClient):
    uri = _open(client, "inline.py", SHOP)
    actions = await _actions(client, uri, _range(5, 5, 5, 5))
    assert not any(a.title.startswith("Inline") for a in actions)


async def test_only_is_honoured(client: LanguageClient):
    uri = _open(client, "only.py", UNSORTED)
    actions = await _actions(client, uri, _range(0, 0, 0, 0), only=["refactor.extract"])
    assert actions == []
    actions = await _actions(client, uri, _range(3, 6, 3, 12), only=["refactor.extract"])
    assert actions and all(
        str(getattr(a.kind, "value", a.kind)) == "refactor.extract" for a in actions
    )


async def test_organize_imports_on_save_is_idempotent(client: LanguageClient):
    uri = _open(client, "save.py", UNSORTED)
    # what VS Code sends for editor.codeActionsOnSave: {"source.organizeImports": "explicit"}
    actions = await _actions(
        client,
        uri,
        _range(0, 0, 4, 0),
        only=["source.organizeImports"],
        trigger=types.CodeActionTriggerKind.Automatic,
    )
    assert [str(getattr(a.kind, "value", a.kind)) for a in actions] == ["source.organizeImports"]
    edits = _edits(actions[0].edit)  # computed at once: no resolve round trip on save
    assert edits
    fixed = _apply(UNSORTED, edits)
    assert fixed.startswith("import os\nimport sys\n")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    again = await _actions(
        client, uri, _range(0, 0, 4, 0), only=["source.organizeImports", "source.fixAll"]
    )
    assert again == []


async def test_unused_import_quick_fix(client: LanguageClient):
    uri = _open(client, "unused.py", SHOP)
    unused: list[types.Diagnostic] = []
    for _ in range(5):  # syntax and pyflakes results publish separately (merged)
        diagnostics = list(client.diagnostics.get(uri, ()))
        unused = [d for d in diagnostics if d.source == "pyflakes" and d.code == "UnusedImport"]
        if unused:
            break
        await wait_for_diagnostics(client, uri)
    assert [d.range.start.line for d in unused] == [0]
    actions = await _actions(client, uri, unused[0].range, only=["quickfix"], diagnostics=unused)
    assert [a.title for a in actions] == ["Remove unused import `os`"]
    assert _edits(actions[0].edit)[0].new_text == ""
