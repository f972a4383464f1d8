"""prepareRename and rename over stdio, as VS Code, Neovim 0.7 and Emacs (eglot) see them.

Every scenario writes its own modules into one workspace per client profile, asserts
the exact edits per file (and the texts they produce), and checks that the server
wrote nothing: the files on disk are byte for byte what the test wrote.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp_client import CLIENTS, config, initialize, open_document

pytestmark = pytest.mark.asyncio(loop_scope="module")

REQUEST_FAILED = -32803

PRICING = "def price(items, tax=0.0):\n    return sum(items) * (1 + tax)\n"
CART = "from pricing import price\n\n\ndef checkout(items):\n    return price(items, tax=0.2)\n"
REPORT = (
    "import pricing\n"
    "\n"
    "LABEL = 'price of the basket'\n"
    "\n"
    "\n"
    "def rows(baskets):\n"
    "    return sorted(baskets, key=pricing.price)\n"
)
LEVY = "def levy(amount, rate=0.1):\n    return amount * rate\n"
INVOICE = "from rates import levy\n\nTOTAL = levy(100, rate=0.2)\n"
LEDGER = "import rates\n\nFEES = [rates.levy(5, rate=0.3), rates.levy(7)]\n"
UTIL = "def helper():\n    return 1\n"
USES_UTIL = "import util_a\n\nVALUE = util_a.helper()\n"
SCOPES = (
    "def price_b(items):\n"
    "    subtotal = sum(items)\n"
    "    return subtotal\n"
    "\n"
    "\n"
    "def discount(amount):\n"
    "    return amount / 10\n"
)
BROKEN = "def fine():\n    return 1\n\n\ndef broken(:\n    pass\n"
DRAFT_ON_DISK = "def greet():\n    return 'hi'\n"
DRAFT_BUFFER = "# unsaved\ndef greet():\n    return 'hi'\n\n\nMESSAGE = greet()\n"
CALLER = "from draft import greet\n\nprint(greet())\n"
WORKSPACE = {
    "pricing.py": PRICING,
    "cart.py": CART,
    "report.py": REPORT,
    "prep_cart.py": CART.replace("pricing", "prep_pricing"),  # not linked to pricing.py
    "prep_report.py": REPORT.replace("pricing", "prep_pricing"),
    "rates.py": LEVY,
    "invoice.py": INVOICE,
    "ledger.py": LEDGER,
    "util_a.py": UTIL,
    "uses_util.py": USES_UTIL,
    "scopes.py": SCOPES,
    "broken_r.py": BROKEN,
    "draft.py": DRAFT_ON_DISK,
    "caller.py": CALLER,
}


@pytest_lsp.fixture(scope="module", params=CLIENTS, config=config())
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("rename")
    for name, text in WORKSPACE.items():  # the project exists before the editor starts
        (root / name).write_text(text)
    lsp_client.root = root  # type: ignore[attr-defined]
    lsp_client.profile = request.param  # type: ignore[attr-defined]
    await initialize(lsp_client, request.param, root)
    yield
    await lsp_client.shutdown_session()


# -- helpers --------------------------------------------------------------------------


def _root(client: LanguageClient) -> Path:
    root: Path = client.root  # type: ignore[attr-defined]
    return root


def _uris(client: LanguageClient, *names: str) -> dict[str, str]:
    return {name: (_root(client) / name).as_uri() for name in names}


def _open(client: LanguageClient, name: str, text: str, version: int = 1) -> str:
    return open_document(client, _root(client) / name, text, version=version)


def _disk(client: LanguageClient) -> dict[str, bytes | None]:
    """Everything under the workspace: files with their bytes, folders as None."""
    root = _root(client)
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


def _pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def _doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def _prepare(
    client: LanguageClient, uri: str, line: int, character: int
) -> types.PrepareRenameResult | None:
    """A prepareRename; also checks that the request wrote nothing to disk."""
    before = _disk(client)
    try:
        return await client.text_document_prepare_rename_async(
            types.PrepareRenameParams(text_document=_doc(uri), position=_pos(line, character))
        )
    finally:
        assert _disk(client) == before


async def _rename(
    client: LanguageClient, uri: str, line: int, character: int, new_name: str
) -> types.WorkspaceEdit | None:
    """A rename; also checks that the request wrote nothing to disk."""
    before = _disk(client)
    try:
        return await client.text_document_rename_async(
            types.RenameParams(
                text_document=_doc(uri), position=_pos(line, character), new_name=new_name
            )
        )
    finally:
        assert _disk(client) == before


async def _refused(
    client: LanguageClient, uri: str, line: int, character: int, new_name: str
) -> str:
    """The message of a refused rename (an error response), checked to have been shown."""
    shown = len(client.messages)
    with pytest.raises(JsonRpcException) as info:
        await _rename(client, uri, line, character, new_name)
    assert info.value.code == REQUEST_FAILED
    assert [m.message for m in client.messages[shown:]] == [
        "Rename: " + info.value.message.removeprefix("rename refused: ")
    ]
    return info.value.message


def _supports_document_changes(client: LanguageClient) -> bool:
    return client.profile != "neovim@v0.7.0"  # type: ignore[attr-defined]


Edit = tuple[int, int, int, int, str]


def _split(
    client: LanguageClient, edit: types.WorkspaceEdit
) -> tuple[dict[str, list[Edit]], dict[str, int | None]]:
    """Edits per uri as (line, char, end line, end char, text), and versions per uri.

    Checks the edit's shape against the profile: versioned ``documentChanges`` when the
    client supports them, plain ``changes`` otherwise. Only the edits applied without
    asking: annotated ones the user confirms are `_confirmable`'s.
    """
    per_file: dict[str, list[Edit]] = {}
    versions: dict[str, int | None] = {}
    if not _supports_document_changes(client):
        assert edit.document_changes is None
        assert edit.changes is not None
        items = {uri: list(edits) for uri, edits in edit.changes.items()}
    else:
        assert edit.changes is None
        assert edit.document_changes is not None
        items = {}
        for change in edit.document_changes:
            if isinstance(change, types.TextDocumentEdit):
                sure = [e for e in change.edits if not isinstance(e, types.AnnotatedTextEdit)]
                if not sure:
                    continue
                items[change.text_document.uri] = sure  # type: ignore[assignment]
                versions[change.text_document.uri] = change.text_document.version
    for uri, edits in items.items():
        per_file[uri] = [
            (r.start.line, r.start.character, r.end.line, r.end.character, e.new_text)
            for e in edits
            for r in [e.range]
        ]
    return per_file, versions


def _renames(edit: types.WorkspaceEdit) -> list[tuple[str, str]]:
    return [
        (c.old_uri, c.new_uri)
        for c in edit.document_changes or []
        if isinstance(c, types.RenameFile)
    ]


def _apply(text: str, edits: list[Edit]) -> str:
    lines = text.split("\n")

    def offset(line: int, character: int) -> int:
        return sum(len(row) + 1 for row in lines[:line]) + character

    for line, char, end_line, end_char, new in sorted(edits, reverse=True):
        text = text[: offset(line, char)] + new + text[offset(end_line, end_char) :]
    return text


# -- prepareRename --------------------------------------------------------------------


async def test_prepare_rename_on_a_name(client: LanguageClient):
    uri = _open(client, "prep_cart.py", WORKSPACE["prep_cart.py"])
    result = await _prepare(client, uri, 3, 7)  # inside `checkout`
    assert result == types.PrepareRenamePlaceholder(
        range=types.Range(_pos(3, 4), _pos(3, 12)), placeholder="checkout"
    )
    result = await _prepare(client, uri, 4, 11)  # at the start of `price` in a call
    assert result == types.PrepareRenamePlaceholder(
        range=types.Range(_pos(4, 11), _pos(4, 16)), placeholder="price"
    )


@pytest.mark.parametrize(
    ("line", "character", "message"),
    [
        (5, 1, "'def' is a keyword"),
        (6, 5, "'return' is a keyword"),
        (6, 12, "'sorted' is a builtin; it cannot be renamed"),
        (2, 10, "there is no name to rename here (string or comment)"),
        (1, 0, "there is no name to rename here"),
    ],
    ids=["def", "return", "builtin", "string", "blank-line"],
)
async def test_prepare_rename_refused(
    client: LanguageClient, line: int, character: int, message: str
):
    uri = _open(client, "prep_report.py", WORKSPACE["prep_report.py"])
    with pytest.raises(JsonRpcException) as info:
        await _prepare(client, uri, line, character)
    assert (info.value.code, info.value.message) == (REQUEST_FAILED, message)


# -- rename ---------------------------------------------------------------------------


async def test_function_used_in_three_files(client: LanguageClient):
    uris = _uris(client, "pricing.py", "cart.py", "report.py")
    _open(client, "pricing.py", PRICING, version=3)
    _open(client, "cart.py", CART, version=7)  # report.py stays closed
    edit = await _rename(client, uris["pricing.py"], 0, 6, "total_price")
    assert edit is not None
    per_file, versions = _split(client, edit)
    assert per_file == {
        uris["pricing.py"]: [(0, 4, 0, 9, "total_price")],
        uris["cart.py"]: [(0, 20, 0, 25, "total_price"), (4, 11, 4, 16, "total_price")],
        uris["report.py"]: [(6, 39, 6, 44, "total_price")],
    }
    if _supports_document_changes(client):
        # the open documents' versions; None for the file the editor has not opened
        assert versions == {uris["pricing.py"]: 3, uris["cart.py"]: 7, uris["report.py"]: None}
    assert _apply(PRICING, per_file[uris["pricing.py"]]) == (
        "def total_price(items, tax=0.0):\n    return sum(items) * (1 + tax)\n"
    )
    assert _apply(CART, per_file[uris["cart.py"]]) == (
        "from pricing import total_price\n"
        "\n"
        "\n"
        "def checkout(items):\n"
        "    return total_price(items, tax=0.2)\n"
    )
    assert _apply(REPORT, per_file[uris["report.py"]]) == REPORT.replace(
        "pricing.price", "pricing.total_price"
    )
    assert _renames(edit) == []


async def test_parameter_renames_keyword_arguments_at_call_sites(client: LanguageClient):
    uris = _uris(client, "rates.py", "invoice.py", "ledger.py")
    _open(client, "rates.py", LEVY)
    edit = await _rename(client, uris["rates.py"], 0, 18, "percent")
    assert edit is not None
    per_file, _ = _split(client, edit)
    assert per_file == {
        uris["rates.py"]: [(0, 17, 0, 21, "percent"), (1, 20, 1, 24, "percent")],
        uris["invoice.py"]: [(2, 18, 2, 22, "percent")],
        uris["ledger.py"]: [(2, 22, 2, 26, "percent")],
    }
    assert _apply(LEVY, per_file[uris["rates.py"]]) == (
        "def levy(amount, percent=0.1):\n    return amount * percent\n"
    )
    assert _apply(INVOICE, per_file[uris["invoice.py"]]) == (
        "from rates import levy\n\nTOTAL = levy(100, percent=0.2)\n"
    )
    assert _apply(LEDGER, per_file[uris["ledger.py"]]) == (
        "import rates\n\nFEES = [rates.levy(5, percent=0.3), rates.levy(7)]\n"
    )


async def test_renaming_a_module(client: LanguageClient):
    uris = _uris(client, "util_a.py", "uses_util.py")
    uri = _open(client, "uses_util.py", USES_UTIL, version=4)
    profile = client.profile  # type: ignore[attr-defined]
    if profile != "visual-studio-code":  # no RenameFile in workspace edits
        message = await _refused(client, uri, 0, 9, "tools_a")
        assert message == (
            "rename refused: this refactor renames files, and the editor does not support "
            "file renames in workspace edits (RenameFile); nothing was changed"
        )
        return
    edit = await _rename(client, uri, 0, 9, "tools_a")
    assert edit is not None
    per_file, versions = _split(client, edit)
    assert per_file == {uris["uses_util.py"]: [(0, 7, 0, 13, "tools_a"), (2, 8, 2, 14, "tools_a")]}
    assert versions == {uris["uses_util.py"]: 4}
    assert _renames(edit) == [(uris["util_a.py"], (_root(client) / "tools_a.py").as_uri())]
    # the text edits come before the file rename that they do not depend on
    assert isinstance(edit.document_changes[-1], types.RenameFile)  # type: ignore[index]
    assert _apply(USES_UTIL, per_file[uris["uses_util.py"]]) == (
        "import tools_a\n\nVALUE = tools_a.helper()\n"
    )
    assert not (_root(client) / "tools_a.py").exists()


@pytest.mark.parametrize(
    ("line", "character", "new_name", "message"),
    [
        (
            0,
            5,
            "discount",
            "'discount' already exists in the scope of 'price_b'; pick another name",
        ),
        (1, 6, "items", "'items' already exists in the scope of 'subtotal'; pick another name"),
        (0, 5, "sum", "'sum' would shadow the builtin; pick another name"),
        (1, 16, "total", "'sum' is a builtin; it cannot be renamed"),
        (0, 5, "class", "'class' is not a valid Python name"),
    ],
    ids=["global", "local", "builtin-name", "builtin", "keyword"],
)
async def test_rename_refused(
    client: LanguageClient, line: int, character: int, new_name: str, message: str
):
    uri = _open(client, "scopes.py", SCOPES)
    assert await _refused(client, uri, line, character, new_name) == f"rename refused: {message}"


async def test_rename_in_a_file_that_does_not_parse(client: LanguageClient):
    uri = _open(client, "broken_r.py", BROKEN)
    message = await _refused(client, uri, 0, 5, "okay")
    assert message == (
        "rename refused: the file does not parse (broken_r.py:5: invalid syntax); fix it first"
    )


async def test_unsaved_buffer_text_is_honoured(client: LanguageClient):
    uris = _uris(client, "draft.py", "caller.py")
    uri = _open(client, "draft.py", DRAFT_BUFFER, version=2)
    edit = await _rename(client, uri, 1, 5, "welcome")
    assert edit is not None
    per_file, _ = _split(client, edit)
    # positions in the buffer (one line lower than on disk), and the buffer-only call
    assert per_file == {
        uris["draft.py"]: [(1, 4, 1, 9, "welcome"), (5, 10, 5, 15, "welcome")],
        uris["caller.py"]: [(0, 18, 0, 23, "welcome"), (2, 6, 2, 11, "welcome")],
    }
    assert _apply(DRAFT_BUFFER, per_file[uris["draft.py"]]) == (
        "# unsaved\ndef welcome():\n    return 'hi'\n\n\nMESSAGE = welcome()\n"
    )
    assert _apply(CALLER, per_file[uris["caller.py"]]) == (
        "from draft import welcome\n\nprint(welcome())\n"
    )
    assert (_root(client) / "draft.py").read_text() == DRAFT_ON_DISK


LATE = "def late():\n    return 0\n"
LATE_USER = "from late import late\n\nLATE = late()\n"


async def test_files_created_after_start_are_seen(client: LanguageClient):
    """A file created after the server started: one opened, one only announced."""
    uris = _uris(client, "late.py", "late_user.py")
    (_root(client) / "late.py").write_text(LATE)
    (_root(client) / "late_user.py").write_text(LATE_USER)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uris["late_user.py"], types.FileChangeType.Created)]
        )
    )
    _open(client, "late.py", LATE)
    edit = await _rename(client, uris["late.py"], 0, 4, "early")
    assert edit is not None
    per_file, _ = _split(client, edit)
    assert per_file == {
        uris["late.py"]: [(0, 4, 0, 8, "early")],
        uris["late_user.py"]: [(0, 17, 0, 21, "early"), (2, 7, 2, 11, "early")],
    }
    assert _apply(LATE_USER, per_file[uris["late_user.py"]]) == (
        "from late import early\n\nLATE = early()\n"
    )
