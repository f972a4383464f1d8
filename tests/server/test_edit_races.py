"""An edit computed while the user types in a file it changes is refused, not stamped
with the new version (the editor would apply it to text it was not computed on)."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp_client import config, initialize, open_document

pytestmark = pytest.mark.asyncio(loop_scope="module")

USERS = 300  # enough files that the rename is still running when the edit arrives
USER = "from lib import target\n\ntarget()\n"


@pytest_lsp.fixture(scope="module", config=config())
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("race")
    (root / "lib.py").write_text("def target():\n    return 1\n")
    (root / "a_user.py").write_text(USER)
    for n in range(USERS):
        (root / f"m_{n:03}.py").write_text(USER)
    lsp_client.root = root  # type: ignore[attr-defined]
    await initialize(lsp_client, "visual-studio-code", root)
    yield
    await lsp_client.shutdown_session()


async def _progressed(client: LanguageClient, token: str) -> None:
    """Until the rename reports that some files are done (a_user.py, first, among them)."""

    def done() -> bool:
        reports = client.progress_reports.get(token, [])
        return any(
            isinstance(r, types.WorkDoneProgressReport) and (r.percentage or 0) > 0 for r in reports
        )

    while not done():
        await asyncio.wait_for(client.wait_for_notification(types.PROGRESS), 30)


async def test_rename_refused_when_another_open_file_changes_meanwhile(client: LanguageClient):
    root = client.root  # type: ignore[attr-defined]
    lib = open_document(client, root / "lib.py", "def target():\n    return 1\n")
    user = open_document(client, root / "a_user.py", USER)
    token = "race"
    client.progress_reports[token] = []
    rename = asyncio.ensure_future(
        client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri=lib),
                position=types.Position(0, 5),
                new_name="renamed",
                work_done_token=token,
            )
        )
    )
    await _progressed(client, token)
    assert not rename.done()
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=user, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="\n" + USER)],
        )
    )
    with pytest.raises(JsonRpcException) as info:
        await rename
    assert "a_user.py changed while the edit was computed" in info.value.message
