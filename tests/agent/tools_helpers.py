"""Helpers for the tool tests: a headless port on a temporary workspace."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from agent.fsport import FileSystemPort
from agent.types import Tool, ToolContext, ToolResult


def make_ctx(root: Path, cwd: Path | None = None) -> ToolContext:
    root = root.resolve()
    port = FileSystemPort(
        [root], interactive=False, stream_out=io.StringIO(), stream_err=io.StringIO()
    )
    return ToolContext(port, (cwd or root).resolve())


async def call(tool: Tool, ctx: ToolContext, **input: Any) -> ToolResult:
    return await tool.run(input, ctx)


def text_of(result: ToolResult) -> str:
    assert isinstance(result.content, str)
    return result.content
