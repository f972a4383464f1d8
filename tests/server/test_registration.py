"""Dynamic registration of watched files, only where the client supports it."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp_client import config, initialize

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", params=["visual-studio-code", "neovim@v0.7.0"], config=config())
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient, tmp_path_factory):
    lsp_client.profile = request.param  # type: ignore[attr-defined]
    await initialize(lsp_client, request.param, tmp_path_factory.mktemp("reg"))
    yield
    await lsp_client.shutdown_session()


async def test_watched_files_registered_when_supported(client: LanguageClient):
    # A request round trip guarantees the server has processed `initialized`.
    await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(
            text_document=types.TextDocumentIdentifier(uri="file:///none.py")
        )
    )
    await asyncio.sleep(0)  # let the registration request's response be processed
    methods = [r.method for r in client.registrations]  # type: ignore[attr-defined]
    if client.profile == "visual-studio-code":  # type: ignore[attr-defined]
        # the server registers from a task of its own: on a loaded machine it may come later
        for _ in range(600):
            if client.registrations:  # type: ignore[attr-defined]
                break
            await asyncio.sleep(0.1)
        methods = [r.method for r in client.registrations]  # type: ignore[attr-defined]
        assert methods == [types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    else:  # neovim 0.7 declares no dynamic registration for watched files
        assert methods == []
