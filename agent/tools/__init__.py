"""The agent's tools, with Claude Code's names and input schemas.

``default_tools(sandbox)`` returns a fresh set for one session (TodoWrite and Rename
keep per-session state).
"""

from __future__ import annotations

from agent.sandbox import Sandbox
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


def default_tools(sandbox: Sandbox | None = None) -> list[Tool]:
    """The tools of one session; Bash runs its commands in ``sandbox`` when it is
    active (give the same one to ``Permissions``, which then lets them run unasked)."""
    return [
        ReadTool(),
        WriteTool(),
        EditTool(),
        MultiEditTool(),
        GlobTool(),
        GrepTool(),
        BashTool(sandbox),
        TodoWriteTool(),
        DiagnosticsTool(),
        SymbolsTool(),
        RenameTool(),
    ]
