"""Renames with occurrences rope cannot be sure of, over stdio: VS Code (which has
``changeAnnotationSupport``) gets them as annotated edits that need confirmation;
Neovim 0.7 and Emacs get only the sure edits."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
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
# ``mirror`` serves lib's names through a module __getattr__ (as toolz's ``tlz``)
MIRROR = "import lib\n\n\ndef __getattr__(name):\n    return getattr(lib, name)\n"
LIB = "def helper():\n    return 1\n"
USE = "import lib\nimport mirror\n\nprint(lib.helper(), mirror.helper())\n"
SHAPES = (
    "class Shape:\n    def area_of(self):\n        return 0\n\n\n"
    "def total(s):\n    return s.area_of()\n"
)


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=config())
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("annotations")
    files = {"fields.py": FIELDS, "setting.py": SETTING, "shapes.py": SHAPES}
    files |= {"mirror/__init__.py": MIRROR, "lib.py": LIB, "use.py": USE}
    for name, text in files.items():
        (root / name).parent.mkdir(exist_ok=True)
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


async def test_a_dynamic_reexport_is_confirmed_or_the_rename_refused(client: LanguageClient):
    """``mirror.helper`` may be lib's helper or not: VS Code asks; an editor that
    cannot ask gets a refusal (the sure edits alone would break ``mirror.helper()``)."""
    if client.profile != "visual-studio-code":  # type: ignore[attr-defined]
        with pytest.raises(JsonRpcException, match=r"reached at use\.py:4 through a module"):
            await _rename(client, "lib.py", 0, 5, "assist")
        return
    edit = await _rename(client, "lib.py", 0, 5, "assist")
    assert edit is not None
    (key, annotation), *_ = (edit.change_annotations or {}).items()
    assert annotation.label == "Names a workspace module serves without defining them (1)"
    assert annotation.needs_confirmation is True
    assert _edits(edit) == [
        ("lib.py", 0, 4, "assist", None),
        ("use.py", 3, 10, "assist", None),
        ("use.py", 3, 27, "assist", key),
    ]
