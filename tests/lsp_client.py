"""A pytest-lsp client that talks to claude-lsp over stdio, with the lsprotocol
client-side workarounds from RECIPES.md, and helpers shared by the server tests."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

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


def make_client(*, record_edits: bool = True) -> LanguageClient:
    """The test client; ``record_edits=False`` leaves workspace/applyEdit to the caller."""
    client = LanguageClient(converter_factory=_converter)
    defaults = dict(DEFAULT_CLIENT_FEATURES)
    del defaults[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]  # replaced below
    register_lsp_features(client, defaults)
    applied: list[types.ApplyWorkspaceEditParams] = []
    client.applied_edits = applied  # type: ignore[attr-defined]

    if record_edits:

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            applied.append(params)
            return types.ApplyWorkspaceEditResult(applied=True)

    published: list[types.PublishDiagnosticsParams] = []
    arrived = asyncio.Event()
    client.published = published  # type: ignore[attr-defined]
    client.published_event = arrived  # type: ignore[attr-defined]

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        # Every publish is kept, so a waiter never misses one that arrived in the same
        # read as another (waiting for "the next notification" can).
        client.diagnostics[params.uri] = params.diagnostics
        published.append(params)
        arrived.set()

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


async def _published_after(
    client: LanguageClient,
    start: int,
    match: Callable[[types.PublishDiagnosticsParams], bool],
    timeout: float,
) -> types.PublishDiagnosticsParams:
    published: list[types.PublishDiagnosticsParams] = client.published  # type: ignore[attr-defined]
    arrived: asyncio.Event = client.published_event  # type: ignore[attr-defined]

    async def scan() -> types.PublishDiagnosticsParams:
        index = start
        while True:
            while index < len(published):
                if match(published[index]):
                    return published[index]
                index += 1
            arrived.clear()
            await arrived.wait()

    return await asyncio.wait_for(scan(), timeout)


async def wait_for_diagnostics(
    client: LanguageClient, uri: str, version: int | None = None, timeout: float = 20.0
) -> list[types.Diagnostic]:
    """The first publishDiagnostics for ``uri`` (and ``version`` if given) that arrives
    after this call, or with ``version`` one that already arrived."""
    published: list[types.PublishDiagnosticsParams] = client.published  # type: ignore[attr-defined]
    start = 0 if version is not None else len(published)
    params = await _published_after(
        client,
        start,
        lambda p: p.uri == uri and (version is None or p.version == version),
        timeout,
    )
    return list(params.diagnostics)


async def diagnostics_become(
    client: LanguageClient, uri: str, messages: list[str], timeout: float = 20.0
) -> None:
    """Wait until the latest diagnostics published for ``uri`` have exactly these messages.

    Several sources publish for one document, so a single notification may show an
    intermediate state; this waits for the settled one, failing after ``timeout``.
    """
    published: list[types.PublishDiagnosticsParams] = client.published  # type: ignore[attr-defined]

    def latest_matches() -> bool:
        mine = [p for p in published if p.uri == uri]
        return bool(mine) and [d.message for d in mine[-1].diagnostics] == messages

    async def settle() -> None:
        arrived: asyncio.Event = client.published_event  # type: ignore[attr-defined]
        while not latest_matches():
            arrived.clear()
            await arrived.wait()

    await asyncio.wait_for(settle(), timeout)
