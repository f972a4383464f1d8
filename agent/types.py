"""The contracts between the agent loop, its tools and the editor that hosts it.

Everything here is plain data or a Protocol, so the loop, the tools and the editor port
can be written and tested apart. Nothing here imports anthropic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

PermissionDecision = Literal["allowOnce", "allowAlways", "deny"]
PermissionMode = Literal["default", "acceptEdits", "plan", "bypassPermissions"]


@dataclass(frozen=True)
class Event:
    """Something the loop reports while it runs.

    ``kind`` is one of: ``text`` (data: {"text"}), ``thinking`` ({"text"}),
    ``tool_call`` ({"id", "name", "input"}), ``tool_result`` ({"id", "name", "content",
    "is_error"}), ``tool_output`` ({"id", "text"}: streamed Bash output),
    ``usage`` ({"input_tokens", "output_tokens", "cache_creation_input_tokens",
    "cache_read_input_tokens", "cost_usd", "session_cost_usd"}), ``retry`` ({"attempt",
    "error", "delay"}), ``compacted`` ({"tokens_before", "tokens_after"}),
    ``permission`` ({"id", "tool", "summary", "decision": allow|deny, "by": rule|user,
    "reason"}), ``turn_end`` ({"stop_reason"}), ``error`` ({"message"}).
    """

    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PermissionRequest:
    tool: str
    input: dict[str, Any]
    summary: str  # one line a person can judge, e.g. "Run `npm test`" or "Edit src/a.py"


class EditorPort(Protocol):
    """What the agent needs from its host. The headless CLI implements it on the file
    system and the terminal; the language server on open buffers and workspace/applyEdit."""

    roots: list[Path]

    async def read_text(self, path: Path) -> str:
        """The file's text: the editor buffer when it is open there, else the disk."""
        ...

    async def write_text(self, path: Path, text: str) -> None:
        """Replace the file's whole text (create it if missing), through the editor."""
        ...

    async def ask_permission(self, request: PermissionRequest) -> PermissionDecision: ...

    def emit(self, event: Event) -> None:
        """Stream an event to the user (must not block)."""
        ...


@dataclass
class ToolResult:
    content: str | list[dict[str, Any]]
    is_error: bool = False


@dataclass
class ToolContext:
    """What a tool may use while it runs."""

    port: EditorPort
    cwd: Path
    # path -> the text as the model last saw it (Read/Write/Edit update it); Edit and
    # Write refuse a file that is not here or whose current text differs.
    read_files: dict[Path, str] = field(default_factory=dict)
    tool_use_id: str = ""
    # Stream partial output (Bash) as tool_output events.
    on_output: Callable[[str], None] | None = None


class Tool(Protocol):
    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool  # read-only tools run without asking in default and plan modes

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult: ...

    def summary(self, input: dict[str, Any]) -> str:
        """One line for a permission prompt."""
        ...


class PermissionPolicy(Protocol):
    def decide(
        self, tool: Tool, input: dict[str, Any]
    ) -> tuple[Literal["allow", "ask", "deny"], str]:
        """The decision for one call and the reason (shown to the model on deny)."""
        ...

    def remember(self, tool: Tool, input: dict[str, Any]) -> None:
        """Allow calls like this one for the rest of the session (allowAlways)."""
        ...

    def allowed_once(self, tool: Tool, input: dict[str, Any]) -> None:
        """The user allowed this one call (allowOnce)."""
        ...


AsyncCallback = Callable[[], Awaitable[None]]
