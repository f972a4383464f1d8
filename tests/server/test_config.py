"""Settings at initialize and on change; watched-files registration."""

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
    root = tmp_path_factory.mktemp("cfg")
    lsp_client.root = root  # type: ignore[attr-defined]
    await initialize(
        lsp_client,
        "neovim@v0.7.0",
        root,
        options={
            "diagnostics": {"debounceMs": "fast", "enable": True},
            "syntax": {"maxFileSize": 50},
        },
    )
    yield
    await lsp_client.shutdown_session()


async def test_invalid_option_gets_one_message_and_the_default(client: LanguageClient):
    # The message is sent while initializing; a round trip makes sure it has arrived.
    await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri="file:///n.py"))
    )
    messages = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert len(messages) == 1
    assert "claudeLsp.diagnostics.debounceMs" in messages[0]
    assert "using 15" in messages[0]


async def test_valid_option_applies(client: LanguageClient):
    # syntax.maxFileSize = 50: a longer document gets no syntax features.
    long_text = "def f(:\n" + "# padding\n" * 10
    uri = open_document(client, client.root / "long.py", long_text)
    await diagnostics_become(client, uri, [])
    uri = open_document(client, client.root / "short.py", "def f(:\n")
    assert [d.message for d in await wait_for_diagnostics(client, uri)] == ["missing `)`"]


async def test_did_change_configuration_reapplies(client: LanguageClient):
    uri = (client.root / "long.py").as_uri()
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"claudeLsp": {"syntax": {"maxFileSize": 1_000_000}}}
        )
    )
    await diagnostics_become(client, uri, ["missing `)`"])
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"claudeLsp": {"diagnostics": {"enable": False}}}
        )
    )
    await diagnostics_become(client, uri, [])


async def test_each_source_of_diagnostics_can_be_turned_off(client: LanguageClient):
    def configure(**diagnostics: bool) -> None:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"claudeLsp": {"diagnostics": {"enable": True, **diagnostics}}}
            )
        )

    configure()
    checked = open_document(client, client.root / "checked.py", "import os\n")
    broken = open_document(client, client.root / "broken.py", "def f(:\n")
    unused = ["'os' imported but unused"]
    await diagnostics_become(client, checked, unused)
    await diagnostics_become(client, broken, ["missing `)`"])
    configure(pyflakes=False)  # the syntax errors stay
    await diagnostics_become(client, checked, [])
    await diagnostics_become(client, broken, ["missing `)`"])
    configure(pyflakes=True, syntaxErrors=False)
    await diagnostics_become(client, checked, unused)
    await diagnostics_become(client, broken, [])
    # symbols and folding are not syntax errors: they stay
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=broken))
    )
    assert [s.name for s in symbols or []] == ["f"]
