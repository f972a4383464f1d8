"""MCP servers' tools for the agent, on the official ``mcp`` SDK (imported lazily).

Tools reach the model as ``mcp__<server>__<tool>`` and pass through the permission rules
like any tool (``mcp__github``, ``mcp__calc__add``); prompts become slash commands
(``/mcp__<server>__<prompt> args``); resources are read through ``ListMcpResourcesTool``
/ ``ReadMcpResourceTool`` and ``@server:uri`` mentions (``agent.mcp_resources``). Where
peers hang, these fail:

- each server is connected on the session's first turn (project servers once
  approved, see ``agent.mcp_config``), within a connect timeout (``MCP_TIMEOUT``, ms,
  default 30 s); every call has its own timeout (``MCP_TOOL_TIMEOUT``, ms, default 10
  min). Both can be set in the settings' ``env``.
- a server that dies, goes away (a remote one) or does not answer makes the call a
  tool error the model reads (never a hung turn): a call also ends when the connection
  does. The server is restarted (reconnected) on its next use, up to ``MAX_STARTS``
  starts a session, then reported as down.
- servers stop with the session (``close``); their stderr goes to our log.

Concurrency: one asyncio task per server owns its connection (the SDK's transports
must be entered and left in one task); calls from the turn's tasks go through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from agent.mcp_config import ServerConfig
from agent.types import (
    EditorPort,
    Event,
    PermissionPolicy,
    PermissionRequest,
    Tool,
    ToolContext,
    ToolResult,
)

if TYPE_CHECKING:
    from mcp import Client
    from mcp_types import CallToolResult, Prompt, Resource, ResourceTemplate
    from mcp_types import Tool as McpToolInfo

    from agent.settings import Settings

log = logging.getLogger(__name__)

MAX_STARTS = 3
CREDENTIALS = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"})
MAX_RESULT_CHARS = 100_000


T = TypeVar("T")


class McpFailure(Exception):
    """The server could not be reached or did not answer."""


class McpRefused(McpFailure):
    """The server answered the request with an error (an unknown tool or URI, say)."""


class _ConnectionEnded(Exception):
    """The connection's task ended while a request waited for its answer."""


def tool_name(*parts: str) -> str:
    """``mcp__server__tool`` in the characters the API allows (64 at most)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", "__".join(("mcp", *parts)))[:64]


def _ms(name: str, default: float) -> float:
    try:
        return float(os.environ[name]) / 1000
    except (KeyError, ValueError):
        return default


class Connection:
    """One server: its task, its state (stopped, connecting, ready, failed)."""

    def __init__(self, config: ServerConfig, cwd: Path) -> None:
        self.config, self.cwd = config, cwd
        self.state, self.error, self.starts = "stopped", config.problem, 0
        self.tools: list[McpToolInfo] = []
        self.prompts: list[Prompt] = []
        self.has_resources = False
        self.resources: list[Resource] = []
        self.templates: list[ResourceTemplate] = []
        self._client: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._lock = asyncio.Lock()

    async def ensure(self, timeout: float) -> Client:
        """The connected client; (re)starts the server when it is not running."""
        async with self._lock:
            if self.state == "ready" and self._client is not None:
                return self._client
            if self.config.problem:
                raise McpFailure(self.config.problem)
            if self.starts >= MAX_STARTS:
                raise McpFailure(f"down after {self.starts} starts; last error: {self.error}")
            return await self._start(timeout)

    async def _start(self, timeout: float) -> Client:
        await self.stop()
        self.starts += 1
        self.state, self._stop = "connecting", asyncio.Event()
        ready: asyncio.Future[Client] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(ready), name=f"mcp-{self.config.name}")
        try:
            async with asyncio.timeout(timeout):
                client = await asyncio.shield(ready)
                self.tools = (await client.list_tools()).tools
                if client.server_capabilities.prompts is not None:
                    self.prompts = (await client.list_prompts()).prompts
                self.has_resources = client.server_capabilities.resources is not None
                if self.has_resources:
                    await self._list_resources(client)
        except TimeoutError:
            await self.fail(f"no answer within the connect timeout of {timeout:g} s")
            raise McpFailure(self.error) from None
        except Exception as exc:
            await self.fail(f"cannot connect: {_describe(exc)}")
            raise McpFailure(self.error) from exc
        self.state, self.error, self._client = "ready", "", client
        return client

    async def _list_resources(self, client: Client) -> None:
        """What ``/mcp`` shows; a server that fails to list them keeps its tools."""
        from mcp.shared.exceptions import MCPError

        try:
            self.resources = await list_all_resources(client)
            self.templates = (await client.list_resource_templates()).resource_templates
        except MCPError as exc:  # e.g. no resources/templates/list: not worth failing for
            log.info("MCP server %s: cannot list resources: %s", self.config.name, exc.message)

    async def _run(self, ready: asyncio.Future[Client]) -> None:
        from mcp import Client, Implementation

        info = Implementation(name="claude-lsp", version="0.1.0")
        try:
            async with contextlib.AsyncExitStack() as stack:
                transport = await self._transport(stack)
                client = Client(transport, mode="legacy", client_info=info)
                ready.set_result(await stack.enter_async_context(client))
                await self._stop.wait()
        except Exception as exc:  # the server died or refused: callers see the state
            if not ready.done():
                ready.set_exception(exc)
            log.info("MCP server %s ended: %s", self.config.name, _describe(exc))
        finally:
            if self.state == "ready":
                self.state, self.error = "failed", "the connection ended"

    async def _transport(self, stack: contextlib.AsyncExitStack) -> Any:
        """The SDK transport for this server; what it opens is closed with ``stack``."""
        config = self.config
        if config.type == "stdio":
            from mcp.client.stdio import (
                StdioServerParameters,
                get_default_environment,
                stdio_client,
            )

            env = {**get_default_environment(), **os.environ, **config.env}
            params = StdioServerParameters(
                command=config.command, args=list(config.args), env=env, cwd=self.cwd
            )
            errlog = stack.enter_context(_log_pipe(config.name))
            return stdio_client(params, errlog=errlog)
        if config.type == "sse":
            from mcp.client.sse import sse_client

            return sse_client(config.url, headers=config.headers)
        from mcp.client.streamable_http import streamable_http_client
        from mcp.shared._httpx_utils import create_mcp_http_client

        http = await stack.enter_async_context(create_mcp_http_client(headers=config.headers))
        return streamable_http_client(config.url, http_client=http)

    async def call(self, tool: str, args: dict[str, Any], timeout: float) -> CallToolResult:
        try:
            return await self.request(tool, lambda c: c.call_tool(tool, args), timeout)
        except McpRefused as exc:
            raise McpRefused(f"the server refused the call: {exc}") from exc

    async def request(self, what: str, send: Callable[[Client], Awaitable[T]], timeout: float) -> T:
        """``send(client)`` on the running server (started if needed), within ``timeout``;
        McpRefused when the server answers with an error, McpFailure when it does not
        answer (the connection is then failed, to be restarted on the next use)."""
        from mcp.shared.exceptions import MCPError
        from mcp_types import CONNECTION_CLOSED

        client = await self.ensure(_ms("MCP_TIMEOUT", 30.0))
        try:
            async with asyncio.timeout(timeout):
                return await _unless_ended(send(client), self._task)
        except TimeoutError:
            await self.fail(f"no answer to {what} within {timeout:g} s")
            raise McpFailure(self.error) from None
        except _ConnectionEnded:
            await self.fail("the connection ended (the server went away)")
            raise McpFailure(self.error) from None
        except MCPError as exc:
            if exc.code != CONNECTION_CLOSED:
                raise McpRefused(exc.message) from exc
            await self.fail("the server closed the connection (it crashed or exited)")
            raise McpFailure(self.error) from exc

    async def fail(self, error: str) -> None:
        self.state, self.error = "failed", error
        log.warning("MCP server %s: %s", self.config.name, error)
        await self.stop()
        self.state = "failed"

    async def stop(self) -> None:
        """End the server (stdin closed, then SIGTERM, then SIGKILL by the SDK)."""
        task, self._task, self._client = self._task, None, None
        if task is None or task.done():
            return
        self._stop.set()
        done, _ = await asyncio.wait({task}, timeout=6)
        if not done:
            task.cancel()
            await asyncio.wait({task}, timeout=6)
        if self.state != "failed":
            self.state = "stopped"


async def _unless_ended(call: Awaitable[T], connection: asyncio.Task[None] | None) -> T:
    """The answer to ``call``; _ConnectionEnded if the connection's task ends first (a
    transport that dies can leave a request waiting for an answer that never comes)."""
    waiting = asyncio.ensure_future(call)
    if connection is None:
        return await waiting
    try:
        await asyncio.wait({waiting, connection}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not waiting.done():
            waiting.cancel()
            await asyncio.wait({waiting}, timeout=5)
    if waiting.cancelled():
        raise _ConnectionEnded
    return waiting.result()


async def list_all_resources(client: Client) -> list[Resource]:
    """Every page of the server's resources."""
    found: list[Resource] = []
    cursor: str | None = None
    while True:
        page = await client.list_resources(cursor=cursor, cache_mode="bypass")
        found.extend(page.resources)
        cursor = page.next_cursor
        if not cursor or len(found) > 10_000:
            return found


def _log_pipe(name: str) -> Any:
    """A file the server's stderr is written to, forwarded line by line to our log."""
    read_fd, write_fd = os.pipe()

    def forward() -> None:
        with os.fdopen(read_fd, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                log.info("mcp %s: %s", name, line.rstrip())

    threading.Thread(target=forward, name=f"mcp-stderr-{name}", daemon=True).start()
    return os.fdopen(write_fd, "w")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        return _describe(exc.exceptions[0])
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass
class McpTool:
    """An MCP server's tool as one of the agent's tools."""

    servers: McpServers
    server: str
    tool: str
    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool = False  # a server's own hints are not trusted: the rules decide

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await self.servers.call(self.server, self.tool, input)

    def summary(self, input: dict[str, Any]) -> str:
        args = json.dumps(input, ensure_ascii=False)
        return f"{self.server} · {self.tool} {args if len(args) < 120 else args[:119] + '…'}"


class McpServers:
    """The MCP servers of one session."""

    def __init__(
        self,
        configs: list[ServerConfig],
        settings: Settings,
        cwd: Path,
        port: EditorPort,
        persist_to: Path | None = None,
        *,
        policy: PermissionPolicy | None = None,
    ) -> None:
        self.connections = {c.name: Connection(c, cwd) for c in configs}
        self.settings, self.port, self.persist_to = settings, port, persist_to
        self.policy = policy  # the session's: listing all resources skips denied servers
        self.approval: dict[str, str] = {}  # name -> approved, refused, unapproved
        self._tools: list[Tool] | None = None

    async def tools(self) -> list[Tool]:
        """The tools of every approved server, connected now (once per session), and the
        resource tools when one of them has resources."""
        from agent.mcp_resources import resource_tools

        if self._tools is None:
            usable = [c for c in self.connections.values() if await self._approve(c.config)]
            await asyncio.gather(*(self._connect(c) for c in usable))
            self._tools = [
                McpTool(self, conn.config.name, t.name, tool_name(conn.config.name, t.name),
                        t.description or "", dict(t.input_schema))
                for conn in usable
                for t in conn.tools
            ]  # fmt: skip
            if any(c.has_resources for c in usable):
                self._tools.extend(resource_tools(self))
        return self._tools

    def connection(self, server: str) -> Connection:
        """The connection of an approved server; McpFailure saying why there is none."""
        conn = self.connections.get(server)
        if conn is None:
            known = ", ".join(sorted(self.connections)) or "none"
            raise McpFailure(f"no MCP server named `{server}` (configured: {known})")
        if self.approval.get(server) != "approved":
            raise McpFailure(f"the MCP server `{server}` is not approved for this project")
        return conn

    def usable(self) -> list[Connection]:
        approved = [name for name, state in self.approval.items() if state == "approved"]
        return [self.connections[name] for name in approved]

    async def _connect(self, conn: Connection) -> None:
        try:
            await conn.ensure(_ms("MCP_TIMEOUT", 30.0))
        except McpFailure as exc:
            self._note(conn.config.name, "failed", f"MCP server `{conn.config.name}`: {exc}")

    async def _approve(self, config: ServerConfig) -> bool:
        name, settings = config.name, self.settings
        if config.scope != "project":
            self.approval[name] = "approved"
        elif name in settings.disabled_mcpjson_servers:
            self.approval[name] = "refused"
        elif settings.enable_all_project_mcp_servers or name in settings.enabled_mcpjson_servers:
            self.approval[name] = "approved"
        else:
            summary = f"Use the MCP server `{name}` from .mcp.json ({config.describe()})"
            request = PermissionRequest("mcp", {"server": name}, summary)
            answer = await self.port.ask_permission(request)
            self.approval[name] = "refused" if answer == "deny" else "approved"
            if answer == "allowAlways" and self.persist_to is not None:
                from agent.settings import save_to_list

                try:
                    save_to_list(self.persist_to, ("enabledMcpjsonServers",), [name])
                except (OSError, ValueError) as exc:
                    log.warning("could not remember the approval of %s: %s", name, exc)
            if answer == "deny":
                self.approval[name] = "unapproved"
                self._note(name, "skipped", (
                    f"MCP server `{name}` from .mcp.json skipped: not approved (approve it "
                    "with `enabledMcpjsonServers` or `enableAllProjectMcpServers` in "
                    ".claude/settings.local.json)"
                ))  # fmt: skip
        return self.approval[name] == "approved"

    def _note(self, server: str, state: str, message: str) -> None:
        log.warning("%s", message)
        self.port.emit(Event("mcp", {"server": server, "state": state, "message": message}))

    async def call(self, server: str, tool: str, args: dict[str, Any]) -> ToolResult:
        conn = self.connections[server]
        try:
            result = await conn.call(tool, args, _ms("MCP_TOOL_TIMEOUT", 600.0))
        except McpFailure as exc:
            again = conn.starts < MAX_STARTS and not conn.config.problem
            tail = " It is restarted on the next call." if again else ""
            return ToolResult(f"MCP server `{server}` failed in {tool}: {exc}.{tail}", True)
        return _tool_result(result)

    async def get_prompt(self, name: str, arguments: str) -> str | None:
        """The text of the prompt ``mcp__server__prompt``, or None when there is none."""
        await self.tools()
        for conn in self.connections.values():
            for prompt in conn.prompts:
                if tool_name(conn.config.name, prompt.name) != name:
                    continue
                words = arguments.split()
                names = [a.name for a in prompt.arguments or []]
                values = dict(zip(names, words, strict=False))
                if len(words) > len(names) and names:
                    values[names[-1]] = " ".join(words[len(names) - 1 :])
                from mcp.shared.exceptions import MCPError

                client = await conn.ensure(_ms("MCP_TIMEOUT", 30.0))
                try:
                    async with asyncio.timeout(_ms("MCP_TOOL_TIMEOUT", 600.0)):
                        result = await client.get_prompt(prompt.name, values)
                except MCPError as exc:
                    raise McpFailure(exc.message) from exc
                texts = [getattr(m.content, "text", "") for m in result.messages]
                return "\n\n".join(t for t in texts if t)
        return None

    def prompt_commands(self) -> list[tuple[str, str]]:
        return [
            ("/" + tool_name(c.config.name, p.name), p.description or "MCP prompt")
            for c in self.connections.values()
            for p in c.prompts
        ]

    def describe(self) -> str:
        lines = []
        for name, conn in self.connections.items():
            approval = self.approval.get(name, "")
            state = conn.state if approval in ("", "approved") else approval
            if state == "stopped" and self._tools is None:
                state = "not started (starts with the first prompt)"
            line = f"{name} ({conn.config.scope}, {conn.config.describe()}): {state}"
            if conn.error:
                line += f" — {conn.error}"
            if conn.tools:
                line += "\n  tools: " + ", ".join(t.name for t in conn.tools)
            if conn.prompts:
                line += "\n  prompts: " + ", ".join(p.name for p in conn.prompts)
            if conn.resources:
                line += "\n  resources: " + ", ".join(r.uri for r in conn.resources)
            if conn.templates:
                line += "\n  resource templates: " + ", ".join(
                    t.uri_template for t in conn.templates
                )
            lines.append(line)
        return "MCP servers:\n" + "\n".join(lines) if lines else "No MCP servers configured."

    async def close(self) -> None:
        await asyncio.gather(*(c.stop() for c in self.connections.values()))


def _tool_result(result: CallToolResult) -> ToolResult:
    blocks: list[dict[str, Any]] = []
    for item in result.content:
        kind = getattr(item, "type", "")
        if kind == "text":
            blocks.append({"type": "text", "text": item.text[:MAX_RESULT_CHARS]})  # type: ignore[union-attr]
        elif kind == "image":
            source = {"type": "base64", "media_type": item.mime_type, "data": item.data}  # type: ignore[union-attr]
            blocks.append({"type": "image", "source": source})
        else:
            blocks.append({"type": "text", "text": item.model_dump_json()[:MAX_RESULT_CHARS]})
    if not blocks and result.structured_content is not None:
        blocks.append({"type": "text", "text": json.dumps(result.structured_content)})
    if not blocks:
        blocks.append({"type": "text", "text": "(no output)"})
    return ToolResult(blocks, is_error=bool(result.is_error))
