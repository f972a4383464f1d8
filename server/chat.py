"""The agent inside the editor: the ``claude/*`` requests of docs/protocol.md.

Concurrency model
-----------------
Every turn is an asyncio task on the server's loop, separate from the request that
started it: ``$/cancelRequest`` cancels the request's handler, which cancels the turn
and waits for it to wind down (every tool call answered), then answers with
``stopReason: "cancelled"``. The agent's tools do their file and process work off the
loop (threads, subprocesses), the SDK streams with asyncio, and anthropic is imported
on a worker thread the first time a chat starts, so a turn never holds up diagnostics,
code actions or rename. Sessions run concurrently, one turn per session at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from agent.errors import AgentError, LimitReached, NoCredentials, SessionNotFound
from agent.slash import Prepared, command_turn
from agent.types import Event, PermissionMode
from server.chat_context import context_blocks
from server.editor_port import LspEditorPort

if TYPE_CHECKING:
    from agent.client import ModelClient
    from agent.loop import Agent, TurnResult
    from agent.sandbox import Sandbox
    from agent.session import SessionStore
    from agent.settings import Settings
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)

CHAT, SESSIONS, STATUS, COMMANDS = (
    "claude/chat",
    "claude/sessions",
    "claude/status",
    "claude/commands",
)
DELTA_WINDOW = 0.015  # seconds: text deltas faster than this are merged
EVENT = "claude/chatEvent"
MODES = ("default", "acceptEdits", "plan", "bypassPermissions")
Listener = Callable[[Event], None]


class ChatError(JsonRpcException):
    """LSP's RequestFailed with ``data.reason`` (docs/protocol.md, Errors)."""

    CODE = -32803

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, data={"reason": reason})


@dataclass
class ChatSession:
    agent: Agent
    port: LspEditorPort
    listeners: list[Listener] = field(default_factory=list)
    task: asyncio.Task[dict[str, Any]] | None = None
    sandbox: Sandbox | None = None
    flush_events: Callable[[], None] = lambda: None  # merged deltas still waiting

    @property
    def id(self) -> str:
        assert self.agent.session is not None
        return self.agent.session.id

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()


class Chats:
    """The sessions of this server and the model client they share."""

    def __init__(self, ls: ClaudeLanguageServer) -> None:
        self.ls = ls
        self.sessions: dict[str, ChatSession] = {}
        self._client: ModelClient | None = None
        self._store: SessionStore | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._warned_sandbox = False
        self._warned_untrusted: set[Path] = set()

    @property
    def store(self) -> SessionStore:
        if self._store is None:
            from agent.session import SessionStore

            self._store = SessionStore()
        return self._store

    def root(self) -> Path:
        """The workspace the agent works in: the first folder, else the root."""
        for folder in self.ls.workspace.folders.values():
            if path := to_fs_path(folder.uri):
                return Path(path).resolve()
        if self.ls.workspace.root_path:
            return Path(self.ls.workspace.root_path).resolve()
        return Path.cwd().resolve()

    async def client(self) -> ModelClient:
        if self._client is None:
            from agent.client import make_client

            try:  # imports anthropic (1-2 s): off the loop
                self._client = await asyncio.to_thread(make_client, dict(os.environ))
            except NoCredentials as exc:
                raise ChatError("noCredentials", str(exc)) from exc
        return self._client

    # -- sessions -----------------------------------------------------------------------

    async def open(
        self, session_id: str | None, model: str | None, mode: str | None
    ) -> ChatSession:
        """The session to run a turn in: in memory, resumed from disk, or new."""
        if mode is not None and mode not in MODES:
            raise ChatError("invalidParams", f"permissionMode must be one of {', '.join(MODES)}")
        if session_id:  # one load per session, however many requests ask at once
            async with self._locks.setdefault(session_id, asyncio.Lock()):
                chat = self.sessions.get(session_id)
                if chat is None:
                    chat = await self._create(session_id, model, mode)
                    self.sessions[chat.id] = chat
        else:
            chat = await self._create(None, model, mode)
            self.sessions[chat.id] = chat
        if model and model != chat.agent.config.model:
            chat.agent.config.model = model
            assert chat.agent.session is not None
            chat.agent.session.set_model(model)
        if mode is not None:
            _set_mode(chat.agent, mode)
        return chat

    async def _create(
        self, session_id: str | None, model: str | None, mode: str | None
    ) -> ChatSession:
        from agent.builder import AgentOptions, build_agent, project_settings

        root = self.root()
        settings = await asyncio.to_thread(project_settings, root)
        client = await self.client()
        session = None
        if session_id:
            try:
                session = await asyncio.to_thread(self.store.load, session_id)
            except SessionNotFound as exc:
                raise ChatError("sessionNotFound", str(exc)) from exc
            if session.cwd and Path(session.cwd) != root:
                session.close()
                raise ChatError(
                    "sessionNotFound",
                    f"session {session_id} belongs to {session.cwd}, not this workspace",
                )
        agent_settings = self.ls.settings.agent
        options = AgentOptions(
            cwd=root,
            model=model,
            host_model=agent_settings.model,
            permission_mode=as_mode(mode),
            host_permission_mode=as_mode(agent_settings.permission_mode),
            max_turns=agent_settings.max_turns,
        )
        holder: list[ChatSession] = []
        roots = [root, *(root / d for d in settings.additional_directories)]
        sandbox = await asyncio.to_thread(self._sandbox, settings, roots)
        if (note := settings.untrusted_note(root)) and root not in self._warned_untrusted:
            self._warned_untrusted.add(root)
            self.ls.show_message(f"claude-lsp: {note}.")
        port = LspEditorPort(self.ls, roots, "", lambda event: _dispatch(holder, event))
        agent = await asyncio.to_thread(
            build_agent,
            options,
            port,
            client,
            self.store,
            session=session,
            settings=settings,
            sandbox=sandbox,
        )
        chat = ChatSession(agent, port, sandbox=sandbox)
        holder.append(chat)
        port.session_id = chat.id
        notify, chat.flush_events = self._notifier(chat)
        chat.listeners.append(notify)
        return chat

    def _sandbox(self, settings: Settings, roots: list[Path]) -> Sandbox:
        """Where the session's Bash runs; without a sandbox, say so once (or refuse,
        when the settings say ``failIfUnavailable``)."""
        from agent.sandbox import Sandbox, load_sandbox_settings

        sandbox_settings = load_sandbox_settings(settings.sources, settings.untrusted_sources)
        sandbox = Sandbox(sandbox_settings, roots)
        if not sandbox.active:
            if sandbox.settings.fail_if_unavailable:
                sandbox.close()
                raise ChatError(
                    "sandboxUnavailable", f"{sandbox.describe()}; sandbox.failIfUnavailable is set"
                )
            if not self._warned_sandbox:
                self._warned_sandbox = True
                self.ls.show_message(
                    f"claude-lsp: {sandbox.describe()}. The agent's Bash commands run "
                    "unsandboxed: those that are not plainly read-only ask first."
                )
        return sandbox

    def _notifier(self, chat: ChatSession) -> tuple[Listener, Callable[[], None]]:
        """Every event as a ``claude/chatEvent``, and the flush of merged deltas: text
        and thinking deltas that stream faster than ``DELTA_WINDOW`` are merged (the
        first at once, then at most one notification per window). Each is a message to
        write and for the client to parse; at hundreds per second they took the event
        loop's time from the editor's requests (``bench.chat_latency``)."""
        pending: list[str] = []  # the text of merged deltas waiting
        pending_kind = ""  # their kind: "text" or "thinking"
        last_sent = 0.0  # when a delta went out last (time.monotonic)

        def send(event: Event) -> None:
            self.ls.protocol.notify(EVENT, chat_event(chat.id, event))

        def flush() -> None:
            nonlocal last_sent
            if pending:
                send(Event(pending_kind, {"text": "".join(pending)}))
                pending.clear()
                last_sent = time.monotonic()

        def notify(event: Event) -> None:
            nonlocal pending_kind, last_sent
            if not self.ls.client_features.claude_chat_events:
                return
            if event.kind in ("text", "thinking") and set(event.data) == {"text"}:
                if pending and pending_kind != event.kind:
                    flush()
                now = time.monotonic()
                if not pending and now - last_sent >= DELTA_WINDOW:
                    send(event)
                    last_sent = now
                    return
                if not pending:
                    pending_kind = event.kind
                    asyncio.get_running_loop().call_later(DELTA_WINDOW - (now - last_sent), flush)
                pending.append(str(event.data["text"]))
                return
            flush()
            send(event)

        return notify, flush

    # -- turns --------------------------------------------------------------------------

    def start(
        self, chat: ChatSession, prompt: str, context: list[dict[str, Any]]
    ) -> asyncio.Task[dict[str, Any]]:
        if chat.running:
            raise ChatError(
                "sessionBusy", f"session {chat.id} is already running a turn; wait or cancel it"
            )
        chat.task = asyncio.create_task(self._turn(chat, prompt, context), name=f"turn-{chat.id}")
        return chat.task

    async def _turn(
        self, chat: ChatSession, prompt: str, context: list[dict[str, Any]]
    ) -> dict[str, Any]:
        try:
            return await self._run_turn(chat, prompt, context)
        finally:
            chat.flush_events()  # every delta before the answer

    async def _run_turn(
        self, chat: ChatSession, prompt: str, context: list[dict[str, Any]]
    ) -> dict[str, Any]:
        agent = chat.agent
        before = (agent.costs.spent_usd, agent.costs.requests, agent.costs.usage.as_dict())
        try:
            prepared = await self._prepare(chat, prompt, context, before)
        except asyncio.CancelledError:  # before anything was sent
            return _outcome(chat, before, None, "cancelled", None)
        if isinstance(prepared, dict):  # a built-in command answered
            return prepared
        limits = self.ls.settings.agent  # the current settings, per turn
        agent.config.max_turns = limits.max_turns
        budget = limits.max_budget_usd
        agent.config.max_budget_usd = None if budget is None else agent.costs.spent_usd + budget
        blocks, command = prepared
        result: TurnResult | None = None
        stop, error = "error", None
        try:
            with command_turn(agent, command) if command else contextlib.nullcontext():
                mode = getattr(agent.policy, "mode", "default")
                start = {"prompt": prompt, "model": agent.config.model, "permission_mode": mode}
                chat.port.emit(Event("turn_start", start))
                result = await agent.run(blocks)
            stop = result.stop_reason
        except LimitReached as exc:
            stop, error = exc.kind, str(exc)
        except AgentError as exc:
            error = str(exc)
        except asyncio.CancelledError:
            stop = "cancelled"
        except Exception as exc:  # a bug must end this turn, not the server
            log.exception("chat turn failed")
            error = f"internal error: {type(exc).__name__}: {exc}"
        if error is not None:
            chat.port.emit(Event("error", {"message": error}))
        return _outcome(chat, before, result, stop, error)

    async def _prepare(
        self,
        chat: ChatSession,
        prompt: str,
        context: list[dict[str, Any]],
        before: tuple[float, int, dict[str, int]],
    ) -> dict[str, Any] | tuple[list[dict[str, Any]], Prepared | None]:
        """The content blocks to send (and the custom command they came from), or the
        answer of a built-in slash command. Bad context or an unknown session raise
        before anything is sent."""
        from server.chat_commands import run_command

        command = await run_command(self, chat, prompt, before)
        if isinstance(command, dict):
            return command
        text = command.prompt if command is not None else prompt
        return await context_blocks(chat.port, text, context), command

    async def run(
        self, chat: ChatSession, prompt: str, context: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Run a turn to its end; cancelling this coroutine cancels the turn and still
        answers, with stopReason "cancelled"."""
        turn = self.start(chat, prompt, context)
        try:
            return await asyncio.shield(turn)
        except asyncio.CancelledError:
            turn.cancel()
            return await turn

    def cancel(self, session_id: str | None = None) -> int:
        cancelled = 0
        for chat in list(self.sessions.values()):
            if chat.running and session_id in (None, chat.id):
                assert chat.task is not None
                chat.task.cancel()
                cancelled += 1
        return cancelled

    async def shutdown(self) -> None:
        """Stop the turns, then what the sessions started (MCP servers)."""
        self.cancel()
        running = [c.task for c in self.sessions.values() if c.task is not None]
        if running:
            await asyncio.wait(running, timeout=10)
        await asyncio.gather(*(c.agent.close() for c in self.sessions.values()))
        for chat in self.sessions.values():
            if chat.agent.session is not None:
                chat.agent.session.close()
            if chat.sandbox is not None:
                chat.sandbox.close()


USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_read_input_tokens",
)


def _outcome(
    chat: ChatSession,
    before: tuple[float, int, dict[str, int]],
    result: TurnResult | None,
    stop: str,
    error: str | None,
) -> dict[str, Any]:
    """The ``claude/chat`` result; usage and cost are what this turn spent, also when
    it was cancelled or failed half way."""
    costs = chat.agent.costs
    spent, requests, usage = before
    now = costs.usage.as_dict()
    outcome: dict[str, Any] = {
        "sessionId": chat.id,
        "stopReason": stop,
        "result": result.text if result is not None else "",
        "numTurns": costs.requests - requests,
        "usage": camel_keys({k: now[k] - usage[k] for k in USAGE_KEYS}),
        "costUsd": costs.spent_usd - spent,
        "sessionCostUsd": costs.session_usd,
    }
    if error is not None:
        outcome["error"] = error
    return outcome


def _dispatch(holder: list[ChatSession], event: Event) -> None:
    if not holder:
        return
    for listener in list(holder[0].listeners):
        try:
            listener(event)
        except Exception:  # one broken view must not stop the turn
            log.exception("chat listener failed")


def as_mode(value: str | None) -> PermissionMode | None:
    return cast(PermissionMode, value) if value in MODES else None


def _set_mode(agent: Agent, mode: str) -> None:
    from agent.permissions import Permissions

    if isinstance(agent.policy, Permissions) and (chosen := as_mode(mode)) is not None:
        agent.policy.mode = chosen


def camel_keys(data: dict[str, Any]) -> dict[str, Any]:
    return {_camel_key(k): v for k, v in data.items()}


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


def chat_event(session_id: str, event: Event) -> dict[str, Any]:
    return {"sessionId": session_id, "kind": _camel_key(event.kind), "data": camel_keys(event.data)}
