"""Renames with occurrences rope cannot be sure of, over stdio: VS Code (which has
``changeAnnotationSupport``) gets them as annotated edits that need confirmation;
Neovim 0.7 and Emacs get only the sure edits."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import CLIENTS, config, initialize, open_document

pytestmark = pytest.mark.asyncio(loop_scope="module")

FIELDS = (
    "class Field:\n"
    "    def get_default(self):\n"
    "        return 1\n"
    "\n"
    "\n"
    "class Sub(Field):\n"
    "    def get_default(self):\n"
    "        return super().get_default() + 1\n"
    "\n"
    "\n"
    "def describe(param):\n"
    "    # asks param.get_default\n"
    "    return param.get_default()\n"
)
SETTING = "class Setting:\n    def get_default(self):\n        return 0\n"
SHAPES = (
    "class Shape:\n    def area_of(self):\n        return 0\n\n\n"
    "def total(s):\n    return s.area_of()\n"
)


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=config())
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("annotations")
    for name, text in {"fields.py": FIELDS, "setting.py": SETTING, "shapes.py": SHAPES}.items():
        (root / name).write_text(text)
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.profile = request.param  # type: ignore[attr-defined]
    await initialize(lsp_client, request.param, root)
    yield
    await lsp_client.shutdown_session()


def _edits(edit: types.WorkspaceEdit) -> list[tuple[str, int, int, str, str | None]]:
    """(file, line, character, new text, annotation id) of every edit."""
    found = []
    for uri, edits in (edit.changes or {}).items():
        found += [
            (uri.rsplit("/", 1)[-1], e.range.start.line, e.range.start.character, e.new_text, None)
            for e in edits
        ]
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit):
            name = change.text_document.uri.rsplit("/", 1)[-1]
            for e in change.edits:
                key = e.annotation_id if isinstance(e, types.AnnotatedTextEdit) else None
                found.append((name, e.range.start.line, e.range.start.character, e.new_text, key))
    return sorted(found, key=lambda t: (t[0], t[1], t[2]))


async def _rename(client: LanguageClient, name: str, line: int, character: int, new: str):
    uri = open_document(client, client.root / name, (client.root / name).read_text())  # type: ignore[attr-defined]
    return await client.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
            new_name=new,
        )
    )


async def test_unsure_calls_need_confirmation(client: LanguageClient):
    edit = await _rename(client, "fields.py", 6, 9, "default_value")
    assert edit is not None
    sure = [
        ("fields.py", 1, 8, "default_value", None),
        ("fields.py", 6, 8, "default_value", None),
        ("fields.py", 7, 23, "default_value", None),  # super().get_default()
    ]
    if client.profile != "visual-studio-code":  # type: ignore[attr-defined]
        assert _edits(edit) == sure
        assert edit.change_annotations is None
        return
    annotations = edit.change_annotations or {}
    assert len(annotations) == 2
    unsure = next(k for k, a in annotations.items() if a.label.startswith("Calls on objects"))
    docs = next(k for k, a in annotations.items() if a.label.startswith("Mentions"))
    assert annotations[unsure].needs_confirmation is True
    assert annotations[unsure].label == "Calls on objects of unknown type (1)"
    assert "class `Setting` (setting.py) also defines `get_default`" in (
        annotations[unsure].description or ""
    )
    assert annotations[docs].needs_confirmation is True
    assert _edits(edit) == sorted(
        [
            *sure,
            ("fields.py", 11, 17, "default_value", docs),
            ("fields.py", 12, 17, "default_value", unsure),
        ],
        key=lambda t: (t[0], t[1], t[2]),
    )


async def test_unsure_calls_are_included_when_no_other_class_has_the_name(client: LanguageClient):
    edit = await _rename(client, "shapes.py", 1, 9, "area")
    assert edit is not None
    assert _edits(edit) == [
        ("shapes.py", 1, 8, "area", None),
        ("shapes.py", 6, 13, "area", None),  # s.area_of(): no other class has area_of
    ]
    assert not edit.change_annotations
