"""MCP servers' resources, as Claude Code offers them.

- ``ListMcpResourcesTool {server?}``: the resources of one server or of all, as JSON
  (``uri``, ``name``, ``mimeType``, ``description``, ``server``), fetched afresh;
- ``ReadMcpResourceTool {server, uri}``: a resource's content (text, images as images,
  other binary content described); the URI may be one of a server's templates filled in;
- ``@server:uri`` in a prompt (``@docs:file:///guide.md``): the resource is read before
  the turn and attached to the prompt, framed as ``<mcp-resource server uri>``.

Both tools are read-only: a rule naming them, or the whole server (``mcp__docs``),
denies or asks as for any tool; a mention is the user's own request, so only a deny
rule stops it. An unknown server or URI, a server that fails or does not answer within
the per-call timeout (``MCP_TOOL_TIMEOUT``) is a clear error — a tool error for the
model, for a mention a note to the user and a ``not attached`` line for the model —
never a hung turn. Servers start lazily and restart as for their tools (``agent.mcp``).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any

from agent.mcp import MAX_RESULT_CHARS, MAX_STARTS, McpFailure, McpRefused, _ms, list_all_resources
from agent.types import Event, ToolContext, ToolResult

if TYPE_CHECKING:
    from mcp_types import ReadResourceResult

    from agent.mcp import Connection, McpServers
    from agent.types import EditorPort, PermissionPolicy, Tool

LIST = "ListMcpResourcesTool"
READ = "ReadMcpResourceTool"
# @server:scheme:rest — the URI must have a scheme, so "@alice:" or "@types/node" are
# not mentions.
MENTION = re.compile(r"(?<![\w@/`])@([A-Za-z0-9_.-]+):([A-Za-z][\w+.-]*:[^\s<>\"'`]+)")
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_IMAGE_BASE64 = 5 * 1024 * 1024 * 4 // 3  # the API's 5 MB per image


def resource_tools(servers: McpServers) -> list[Tool]:
    return [ListMcpResourcesTool(servers), ReadMcpResourceTool(servers)]


class ListMcpResourcesTool:
    name = LIST
    description = (
        "Lists the resources MCP servers offer (documents, records, files), as JSON: the "
        "uri, name, mimeType, description and server of each. Give `server` to list one "
        "server's resources. Read one with ReadMcpResourceTool."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "server": {"type": "string", "description": "Optional server name to filter by"}
        },
        "additionalProperties": False,
    }
    read_only = True

    def __init__(self, servers: McpServers) -> None:
        self.servers = servers

    def summary(self, input: dict[str, Any]) -> str:
        server = input.get("server")
        return f"List the resources of the MCP server {server}" if server else (
            "List the MCP servers' resources"
        )  # fmt: skip

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        server = input.get("server")
        try:
            conns = [self.servers.connection(str(server))] if server else self.servers.usable()
        except McpFailure as exc:
            return ToolResult(_sentence(str(exc)), is_error=True)
        policy = self.servers.policy
        if not server and policy is not None:  # a rule denying a server (mcp__x) hides it
            allowed = [policy.decide(self, {"server": c.config.name})[0] != "deny" for c in conns]
            conns = [c for c, ok in zip(conns, allowed, strict=True) if ok]
        answers = await asyncio.gather(*(self._list(c, named=bool(server)) for c in conns))
        listed = [entry for entries, _ in answers for entry in entries]
        problems = [problem for _, problem in answers if problem]
        if not listed and problems:
            return ToolResult("\n".join(problems), is_error=True)
        text = json.dumps(listed, ensure_ascii=False, indent=1) if listed else "No resources found."
        return ToolResult("\n".join([text, *problems])[:MAX_RESULT_CHARS])

    async def _list(self, conn: Connection, named: bool) -> tuple[list[dict[str, Any]], str]:
        """One server's resources as listed entries, or why there are none."""
        name = conn.config.name
        if conn.state == "ready" and not conn.has_resources:
            return [], f"The MCP server `{name}` offers no resources." if named else ""
        try:
            found = await conn.request("resources/list", list_all_resources, _timeout())
        except McpFailure as exc:
            return [], _failure(conn, "could not list its resources", exc)
        conn.resources = found
        entries = [
            {"uri": r.uri, "name": r.name, "mimeType": r.mime_type,
             "description": r.description, "server": name}
            for r in found
        ]  # fmt: skip
        return [{k: v for k, v in e.items() if v is not None} for e in entries], ""


class ReadMcpResourceTool:
    name = READ
    description = (
        "Reads a resource of an MCP server by its URI (from ListMcpResourcesTool, or one "
        "of the server's URI templates filled in) and returns its content."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "server": {"type": "string", "description": "The MCP server's name"},
            "uri": {"type": "string", "description": "The resource's URI"},
        },
        "required": ["server", "uri"],
        "additionalProperties": False,
    }
    read_only = True

    def __init__(self, servers: McpServers) -> None:
        self.servers = servers

    def summary(self, input: dict[str, Any]) -> str:
        return f"{input.get('server')} · read {input.get('uri')}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        server, uri = str(input.get("server", "")), str(input.get("uri", ""))
        try:
            result = await read_resource(self.servers, server, uri)
        except McpFailure as exc:
            return ToolResult(str(exc), is_error=True)
        blocks = _blocks(result, uri, framed_as=None)
        return ToolResult(blocks or [{"type": "text", "text": "(the resource is empty)"}])


async def read_resource(servers: McpServers, server: str, uri: str) -> ReadResourceResult:
    """The resource's content; McpFailure with the message for the model or the user."""
    conn = None
    try:
        conn = servers.connection(server)
        if conn.state == "ready" and not conn.has_resources:
            raise McpRefused(f"the MCP server `{server}` offers no resources")
        return await conn.request(
            f"resources/read {uri}",
            lambda client: client.read_resource(uri, cache_mode="bypass"),
            _timeout(),
        )
    except McpRefused as exc:
        known = _known(conn) if conn is not None else ""
        raise McpFailure(f"Cannot read `{uri}` from `{server}`: {exc}.{known}") from exc
    except McpFailure as exc:
        if conn is None:
            raise McpFailure(_sentence(str(exc))) from exc
        raise McpFailure(_failure(conn, f"failed reading `{uri}`", exc)) from exc


async def attach_mentions(
    servers: McpServers | None,
    policy: PermissionPolicy,
    port: EditorPort,
    content: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The prompt's content with each ``@server:uri`` it mentions read and attached."""
    text = "\n".join(str(b.get("text", "")) for b in content if b.get("type") == "text")
    mentions: list[tuple[str, str]] = []
    for match in MENTION.finditer(text):
        mention = (match.group(1), match.group(2).rstrip(".,;:!?)]}"))
        if mention not in mentions:
            mentions.append(mention)
    if not mentions:
        return content
    attached: list[dict[str, Any]] = []
    reader = ReadMcpResourceTool(servers) if servers is not None else None
    for server, uri in mentions:
        frame = f'<mcp-resource server="{server}" uri="{uri}">'
        try:
            if servers is None or reader is None:
                raise McpFailure(f"No MCP server named `{server}` (none are configured).")
            decision, reason = policy.decide(reader, {"server": server, "uri": uri})
            if decision == "deny":
                raise McpFailure(f"Permission denied: {reason}")
            blocks = _blocks(await read_resource(servers, server, uri), uri, framed_as=frame)
        except McpFailure as exc:
            why = str(exc)
            message = f"@{server}:{uri} not attached: {why}"
            data = {"server": server, "state": "error", "message": message}
            port.emit(Event("mcp", data))
            attached.append({"type": "text", "text": f"{frame}not attached: {why}</mcp-resource>"})
            continue
        attached.extend(blocks)
    return [*content, *attached]


def _blocks(result: ReadResourceResult, uri: str, framed_as: str | None) -> list[dict[str, Any]]:
    """Content blocks for the model: text as text, images as images, other binary
    content described. ``framed_as``: each part inside ``<mcp-resource …>`` (a mention);
    otherwise each part after its URI, unless it is the one part asked for."""
    blocks: list[dict[str, Any]] = []
    single = len(result.contents) == 1 and result.contents[0].uri == uri
    for item in result.contents:
        mime = item.mime_type or ""
        text: str | None = getattr(item, "text", None)
        blob: str = getattr(item, "blob", "")
        image = None
        if text is None and mime in IMAGE_TYPES and len(blob) <= MAX_IMAGE_BASE64:
            source = {"type": "base64", "media_type": mime, "data": blob}
            image = {"type": "image", "source": source}
            text = ""
        elif text is None:
            size = len(blob) * 3 // 4
            text = f"(binary content, {mime or 'of unknown type'}, {size:,} bytes: not shown)"
        elif len(text) > MAX_RESULT_CHARS:
            text = text[:MAX_RESULT_CHARS] + f"\n… (cut at {MAX_RESULT_CHARS:,} characters)"
        label = f"{item.uri}" + (f" ({mime})" if mime else "")
        if framed_as is not None:
            head = framed_as if item.uri == uri else framed_as.replace(uri, item.uri, 1)
            if image is not None:
                blocks += [{"type": "text", "text": head}, image,
                           {"type": "text", "text": "</mcp-resource>"}]  # fmt: skip
            else:
                blocks.append({"type": "text", "text": f"{head}\n{text}\n</mcp-resource>"})
        elif image is not None:
            blocks += [{"type": "text", "text": label}, image]
        else:
            blocks.append({"type": "text", "text": text if single else f"{label}:\n{text}"})
    return [b for b in blocks if b["type"] != "text" or b["text"]]


def _known(conn: Connection) -> str:
    uris = [r.uri for r in conn.resources[:20]] + [t.uri_template for t in conn.templates[:10]]
    return f" Its resources: {', '.join(uris)}." if uris else ""


def _failure(conn: Connection, what: str, exc: McpFailure) -> str:
    again = conn.starts < MAX_STARTS and not conn.config.problem
    tail = " It is restarted on the next use." if again else ""
    return f"MCP server `{conn.config.name}` {what}: {exc}.{tail}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _timeout() -> float:
    return _ms("MCP_TOOL_TIMEOUT", 600.0)
