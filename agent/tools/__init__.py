"""The agent's tools, with Claude Code's names and input schemas.

``default_tools()`` returns a fresh set for one session (TodoWrite and Rename keep
per-session state).
"""

from __future__ import annotations

from agent.tools.bash import BashTool
from agent.tools.code import DiagnosticsTool, RenameTool, SymbolsTool
from agent.tools.files import EditTool, MultiEditTool, ReadTool, WriteTool
from agent.tools.search import GlobTool, GrepTool
from agent.tools.todo import TodoWriteTool
from agent.types import Tool

__all__ = [
    "BashTool",
    "DiagnosticsTool",
    "EditTool",
    "GlobTool",
    "GrepTool",
    "MultiEditTool",
    "ReadTool",
    "RenameTool",
    "SymbolsTool",
    "TodoWriteTool",
    "WriteTool",
    "default_tools",
]


def default_tools() -> list[Tool]:
    return [
        ReadTool(),
        WriteTool(),
        EditTool(),
        MultiEditTool(),
        GlobTool(),
        GrepTool(),
        BashTool(),
        TodoWriteTool(),
        DiagnosticsTool(),
        SymbolsTool(),
        RenameTool(),
    ]
