"""A pytest-lsp client that talks to claude-lsp over stdio, with the lsprotocol
client-side workarounds from RECIPES.md, and helpers shared by the server tests."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import register_lsp_features

CLIENTS = ["visual-studio-code", "neovim@v0.7.0", "emacs"]
SERVER_COMMAND = [sys.executable, "-m", "server"]


def _converter() -> Any:
    converter = default_converter()

    def structure_action(obj: Any, _: Any) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    # lsprotocol annotates with typing.Union, which is not equal to `Command | CodeAction`.
    union = Union[types.Command, types.CodeAction]  # noqa: UP007
    converter.register_structure_hook(union, structure_action)
    return converter


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=_converter)
    register_lsp_features(client)
    applied: list[types.ApplyWorkspaceEditParams] = []
    client.applied_edits = applied  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    registrations: list[types.Registration] = []
    client.registrations = registrations  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    return client


def config(env: dict[str, str] | None = None) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=SERVER_COMMAND, client_factory=make_client, server_env=env
    )


async def initialize(
    client: LanguageClient, profile: str, root: Path, options: Any = None
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(profile),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )


def open_document(
    client: LanguageClient, path: Path, text: str, language_id: str = "python", version: int = 1
) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language_id, version=version, text=text
            )
        )
    )
    return uri


async def wait_for_diagnostics(
    client: LanguageClient, uri: str, version: int | None = None
) -> list[types.Diagnostic]:
    """Wait for the next publishDiagnostics for ``uri`` (and ``version`` if given)."""
    while True:
        params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri == uri and (version is None or params.version == version):
            return list(params.diagnostics)


async def diagnostics_become(
    client: LanguageClient, uri: str, messages: list[str], timeout: float = 10.0
) -> None:
    """Wait until the published diagnostics for ``uri`` have exactly these messages.

    Several sources publish for one document, so a single notification may show an
    intermediate state; this waits for the settled one, failing after ``timeout``.
    """

    async def settle() -> None:
        while [d.message for d in client.diagnostics.get(uri, ())] != messages:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(settle(), timeout)
