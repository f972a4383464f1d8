"""initialize / initialized, configuration and watched files."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from server import python
from server.config import SECTION, parse_settings

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)

WATCHED_FILES_ID = "claude-lsp-watched-files"


@dataclass
class ClientFeatures:
    """What the client can do, read once from its capabilities at initialize."""

    hierarchical_symbols: bool = True
    line_folding_only: bool = False
    work_done_progress: bool = False
    configuration: bool = False
    watched_files_dynamic: bool = False
    show_document: bool = False
    apply_edit: bool = False
    document_changes: bool = False
    resource_operations: frozenset[str] = frozenset()
    code_action_resolve: bool = False
    code_action_literals: bool = False
    change_annotations: bool = False
    # experimental.claudeLsp (docs/protocol.md)
    claude_chat_events: bool = False
    claude_permission: bool = False

    @classmethod
    def from_capabilities(cls, caps: lsp.ClientCapabilities) -> ClientFeatures:
        text = caps.text_document
        workspace = caps.workspace
        window = caps.window
        symbols = text.document_symbol if text else None
        folding = text.folding_range if text else None
        code_action = text.code_action if text else None
        edit = workspace.workspace_edit if workspace else None
        watched = workspace.did_change_watched_files if workspace else None
        return cls(
            hierarchical_symbols=bool(symbols and symbols.hierarchical_document_symbol_support),
            line_folding_only=bool(folding and folding.line_folding_only),
            work_done_progress=bool(window and window.work_done_progress),
            configuration=bool(workspace and workspace.configuration),
            watched_files_dynamic=bool(watched and watched.dynamic_registration),
            show_document=bool(window and window.show_document and window.show_document.support),
            apply_edit=bool(workspace and workspace.apply_edit),
            document_changes=bool(edit and edit.document_changes),
            resource_operations=frozenset(str(op.value) for op in (edit.resource_operations or []))
            if edit
            else frozenset(),
            code_action_resolve=bool(
                code_action
                and code_action.resolve_support
                and "edit" in code_action.resolve_support.properties
            ),
            code_action_literals=bool(code_action and code_action.code_action_literal_support),
            change_annotations=bool(edit and edit.change_annotation_support),
            claude_chat_events=_claude_flag(caps, "chatEvents"),
            claude_permission=_claude_flag(caps, "permission"),
        )


def _claude_flag(caps: lsp.ClientCapabilities, name: str) -> bool:
    experimental = caps.experimental
    claude = experimental.get("claudeLsp") if isinstance(experimental, dict) else None
    return isinstance(claude, dict) and claude.get(name) is True


def initialize(ls: ClaudeLanguageServer, params: lsp.InitializeParams) -> None:
    ls.client_features = ClientFeatures.from_capabilities(params.capabilities)
    apply_settings(ls, params.initialization_options)
    if ls.compile_cache is not None:  # writes only when this launch compiled something new
        ls.compile_cache.save()


async def initialized(ls: ClaudeLanguageServer, params: lsp.InitializedParams) -> None:
    if ls.client_features.claude_chat_events:
        from agent.client import warm_up

        warm_up()  # a client with a chat view will chat: import the SDK now, off the loop
    python.warm_up(workspace_roots(ls))
    if ls.client_features.watched_files_dynamic:
        await register_watched_files(ls)
    await pull_configuration(ls)
    await recover_interrupted_changes(ls)


def workspace_roots(ls: ClaudeLanguageServer) -> list[str]:
    """The workspace folders' paths (the root path when the client sent no folders)."""
    roots = [p for f in ls.workspace.folders.values() if (p := to_fs_path(f.uri))]
    if not roots and ls.workspace.root_path:
        roots = [ls.workspace.root_path]
    return roots


async def recover_interrupted_changes(ls: ClaudeLanguageServer) -> None:
    """Roll back a multi-file change a killed process left half-applied in these
    folders (``refactor.journal``), and tell the user what was done."""
    from refactor import journal

    roots = workspace_roots(ls)
    if not roots:
        return
    try:
        lines = await asyncio.to_thread(journal.recover, roots)
    except OSError as error:
        log.error("could not roll back an interrupted change: %s", error)
        ls.show_message(f"claude-lsp: could not roll back an interrupted change: {error}")
        return
    for line in lines:
        log.warning("%s", line)
        ls.show_message(f"claude-lsp: {line}")


async def register_watched_files(ls: ClaudeLanguageServer) -> None:
    try:
        await ls.client_register_capability_async(
            lsp.RegistrationParams(
                registrations=[
                    lsp.Registration(
                        id=WATCHED_FILES_ID,
                        method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=lsp.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[lsp.FileSystemWatcher(glob_pattern="**/*")]
                        ),
                    )
                ]
            )
        )
    except Exception as exc:  # the client advertised dynamic registration but refused it
        log.warning("could not register for watched files: %s", exc)


async def pull_configuration(ls: ClaudeLanguageServer) -> None:
    if not ls.client_features.configuration:
        return
    try:
        values = await ls.workspace_configuration_async(
            lsp.ConfigurationParams(items=[lsp.ConfigurationItem(section=SECTION)])
        )
    except Exception as exc:  # a client that advertises but fails the request
        log.warning("workspace/configuration failed: %s", exc)
        return
    if values and values[0] is not None:
        apply_settings(ls, {SECTION: values[0]})


def apply_settings(ls: ClaudeLanguageServer, raw: Any) -> None:
    settings, problems = parse_settings(raw, ls.settings)
    ls.settings = settings
    if problems:
        ls.show_message("claude-lsp: invalid settings: " + "; ".join(problems))
    ls.documents.refresh_all()


async def did_change_configuration(
    ls: ClaudeLanguageServer, params: lsp.DidChangeConfigurationParams
) -> None:
    # Settings sent with the notification win; an empty notification means "pull them".
    if params.settings or not ls.client_features.configuration:
        apply_settings(ls, params.settings)
    else:
        await pull_configuration(ls)


def did_change_watched_files(
    ls: ClaudeLanguageServer, params: lsp.DidChangeWatchedFilesParams
) -> None:
    log.debug("%d watched files changed", len(params.changes))
    for listener in ls.file_listeners:
        listener(list(params.changes))


async def shutdown(ls: ClaudeLanguageServer, params: None) -> None:
    ls.shutting_down = True
    await ls.chats.shutdown()
    ls.repo_map.close()
    if ls.compile_cache is not None:
        ls.compile_cache.save()
    ls.diagnostics.close()


def register(server: ClaudeLanguageServer) -> None:
    server.feature(lsp.INITIALIZE)(initialize)
    server.feature(lsp.SHUTDOWN)(shutdown)
    server.feature(lsp.INITIALIZED)(initialized)
    server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
