"""Python code actions over stdio, as VS Code, Neovim 0.7 and Emacs (eglot) see them."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
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
    # The AI actions (kinds *.claude*) are listed too; tests/server/test_ai_actions.py has them.
    return [
        a
        for a in result or []
        if isinstance(a, types.CodeAction) and "claude" not in str(a.kind or "")
    ]


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


AREA = "def area(w, h):\n    size = w * h\n    return size + 1\n\n\nprint(area(2, 3))\n"


def _kind(action: types.CodeAction) -> str:
    return str(getattr(action.kind, "value", action.kind))


async def _apply_action(
    client: LanguageClient, uri: str, text: str, rng: types.Range, *, kind: str, title: str
) -> tuple[str, types.WorkspaceEdit]:
    """List with ``only=[kind]``, take the action titled ``title``, get its edit the way
    this client does, and return the document text after the edit."""
    actions = await _actions(client, uri, rng, only=[kind])
    assert all(_kind(a).startswith(kind) for a in actions)
    action = next((a for a in actions if a.title == title), None)
    assert action is not None, [a.title for a in actions]
    edit = await _edit_of(client, action)
    return _apply(text, _edits(edit)), edit


async def test_inline_variable(client: LanguageClient):
    uri = _open(client, "inline_ok.py", AREA)
    after, _ = await _apply_action(
        client,
        uri,
        AREA,
        _range(1, 5, 1, 5),
        kind="refactor.inline",
        title="Inline variable `size`",
    )
    assert after == "def area(w, h):\n    return w * h + 1\n\n\nprint(area(2, 3))\n"


async def test_remove_parameter_rewrites_call_sites(client: LanguageClient):
    uri = _open(client, "rewrite.py", AREA.replace("size + 1", "size + 1 + 0"))
    text = AREA.replace("size + 1", "size + 1 + 0")
    after, _ = await _apply_action(
        client,
        uri,
        text,
        _range(0, 12, 0, 12),
        kind="refactor.rewrite",
        title="Remove parameter `h`",
    )
    assert "def area(w):" in after
    assert "print(area(2))" in after


async def test_move_to_a_new_module(client: LanguageClient):
    text = "\n\ndef helper(x):\n    return x * 2\n\n\nprint(helper(1))\n"
    uri = _open(client, "mover.py", text)
    actions = await _actions(client, uri, _range(2, 5, 2, 5), only=["refactor.move"])
    assert [a.title for a in actions] == ["Move `helper` to new module `helper.py`"]
    new_uri = (client.root / "helper.py").as_uri()  # type: ignore[attr-defined]
    if client.profile != "visual-studio-code":  # type: ignore[attr-defined]
        # Neovim 0.7 and eglot 1.9 cannot create files in a workspace edit: refused.
        with pytest.raises(JsonRpcException, match="does not support file creation"):
            await _edit_of(client, actions[0])
        assert not (client.root / "helper.py").exists()  # type: ignore[attr-defined]
        return
    edit = await _edit_of(client, actions[0])
    changes = edit.document_changes or []
    assert [c.uri for c in changes if isinstance(c, types.CreateFile)] == [new_uri]
    texts = {
        c.text_document.uri: list(c.edits) for c in changes if isinstance(c, types.TextDocumentEdit)
    }
    assert _apply(text, texts[uri]) == "import helper\nprint(helper.helper(1))\n"
    assert _apply("", texts[new_uri]).startswith("def helper(x):\n    return x * 2\n")


async def test_fix_all_removes_unused_imports_and_sorts(client: LanguageClient):
    text = "import sys\nimport json\nimport os\n\nprint(os.sep, sys.argv)\n"
    uri = _open(client, "fixall.py", text)
    actions = await _actions(
        client,
        uri,
        _range(0, 0, 5, 0),
        only=["source.fixAll"],
        trigger=types.CodeActionTriggerKind.Automatic,
    )
    assert [_kind(a) for a in actions] == ["source.fixAll"]
    # isort's layout: one blank line between the imports and code that is not a def
    assert _apply(text, _edits(actions[0].edit)) == (
        "import os\nimport sys\n\nprint(os.sep, sys.argv)\n"
    )


async def test_undefined_name_quick_fix_adds_the_import(client: LanguageClient):
    module = client.root / "shouting.py"  # type: ignore[attr-defined]
    module.write_text("def shout(text):\n    return text.upper()\n")
    # What an editor's file watcher reports for a file created outside it.
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=module.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    text = "print(shout('hi'))\n"
    uri = _open(client, "needs_import.py", text)
    undefined: list[types.Diagnostic] = []
    while not undefined:  # bounded by the wait's own timeout
        undefined = [d for d in client.diagnostics.get(uri, ()) if d.code == "UndefinedName"]
        if not undefined:
            await wait_for_diagnostics(client, uri)
    actions = await _actions(
        client, uri, undefined[0].range, only=["quickfix"], diagnostics=undefined
    )
    assert "Import `shout` from `shouting`" in [a.title for a in actions]
    action = next(a for a in actions if a.title == "Import `shout` from `shouting`")
    assert _apply(text, _edits(await _edit_of(client, action))) == (
        "from shouting import shout\n\nprint(shout('hi'))\n"
    )
