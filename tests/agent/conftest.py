"""Fixtures for agent tests: the loopback API, the real SDK client pointed at it, an
editor port on the file system that records events, and small real tools."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from agent.types import Event, PermissionDecision, PermissionRequest, Tool, ToolContext, ToolResult
from tests.agent.fake_api import FakeAnthropic

API_KEY = "sk-ant-test-SECRET-0123456789"
MODEL = "claude-sonnet-5-5"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with a source file and a secret, and a file beside it, outside
    (modules with a workspace of their own define their own ``ws``)."""
    root = (tmp_path / "ws").resolve()
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("x = 1\n")
    (root / ".env").write_text("KEY=1\n")
    (tmp_path / "outside.txt").write_text("outside\n")
    return root


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture
async def client(fake: FakeAnthropic) -> AsyncIterator[Any]:
    from anthropic import AsyncAnthropic

    sdk = AsyncAnthropic(api_key=API_KEY, base_url=fake.url, max_retries=2)
    yield sdk
    await sdk.close()


class Port:
    """EditorPort on the file system; records events and answers permission questions
    from ``answers`` (then ``deny``)."""

    def __init__(self, root: Path, answers: list[PermissionDecision] | None = None) -> None:
        self.roots = [root]
        self.events: list[Event] = []
        self.asked: list[PermissionRequest] = []
        self.answers = collections.deque(answers or [])
        self.first_text = asyncio.Event()

    async def read_text(self, path: Path) -> str:
        return path.read_text(encoding="utf-8")

    async def write_text(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    async def ask_permission(self, request: PermissionRequest) -> PermissionDecision:
        self.asked.append(request)
        return self.answers.popleft() if self.answers else "deny"

    def emit(self, event: Event) -> None:
        self.events.append(event)
        if event.kind == "text":
            self.first_text.set()

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e.data for e in self.events if e.kind == kind]

    @property
    def text(self) -> str:
        return "".join(d["text"] for d in self.of("text"))


@pytest.fixture
def port(tmp_path: Path) -> Port:
    return Port(tmp_path)


class ReadTool:
    name = "Read"
    description = "Read a file."
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"file_path": {"type": "string"}},
        "required": ["file_path"],
    }
    read_only = True

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        path = ctx.cwd / input["file_path"]
        text = await ctx.port.read_text(path)
        ctx.read_files[path] = text
        return ToolResult(text)

    def summary(self, input: dict[str, Any]) -> str:
        return f"Read {input.get('file_path')}"


class WriteTool:
    name = "Write"
    description = "Write a file."
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"file_path": {"type": "string"}, "content": {"type": "string"}},
        "required": ["file_path", "content"],
    }
    read_only = False

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        await ctx.port.write_text(ctx.cwd / input["file_path"], input["content"])
        return ToolResult(f"Wrote {input['file_path']}")

    def summary(self, input: dict[str, Any]) -> str:
        return f"Write {input.get('file_path')}"


class ShellTool:
    name = "Bash"
    description = "Run a shell command."
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"command": {"type": "string"}},
        "required": ["command"],
    }
    read_only = False

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        proc = await asyncio.create_subprocess_shell(
            input["command"],
            cwd=ctx.cwd,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        text = out.decode()
        if ctx.on_output is not None:
            ctx.on_output(text)
        return ToolResult(text, is_error=proc.returncode != 0)

    def summary(self, input: dict[str, Any]) -> str:
        return f"Run `{input.get('command')}`"


class BlockTool:
    """Runs until cancelled; ``started`` is set once it runs."""

    name = "Block"
    description = "Wait forever."
    input_schema: dict[str, Any] = {"type": "object", "properties": {}}
    read_only = False

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = False

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return ToolResult("unreachable")

    def summary(self, input: dict[str, Any]) -> str:
        return "Block"


class FailTool:
    name = "Fail"
    description = "Raise."
    input_schema: dict[str, Any] = {"type": "object", "properties": {}}
    read_only = True

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        raise RuntimeError("disk on fire")

    def summary(self, input: dict[str, Any]) -> str:
        return "Fail"


class Policy:
    """Allow everything except the tools named in ``ask`` / ``deny``."""

    def __init__(self, ask: tuple[str, ...] = (), deny: tuple[str, ...] = ()) -> None:
        self.ask, self.deny = set(ask), set(deny)
        self.remembered: list[str] = []

    def decide(
        self, tool: Tool, input: dict[str, Any]
    ) -> tuple[Literal["allow", "ask", "deny"], str]:
        if tool.name in self.deny:
            return "deny", f"{tool.name} is disallowed by a rule"
        if tool.name in self.ask and tool.name not in self.remembered:
            return "ask", ""
        return "allow", ""

    def remember(self, tool: Tool, input: dict[str, Any]) -> None:
        self.remembered.append(tool.name)

    def allowed_once(self, tool: Tool, input: dict[str, Any]) -> None:
        pass
