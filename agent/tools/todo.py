"""TodoWrite: the model's task list for the session, replaced whole on every call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.tools.common import ToolError, guarded
from agent.types import ToolContext, ToolResult

STATUSES = ("pending", "in_progress", "completed")
_MARKS = {"pending": "☐", "in_progress": "▶", "completed": "☒"}


@dataclass(frozen=True)
class Todo:
    content: str
    status: str
    active_form: str


class TodoWriteTool:
    name = "TodoWrite"
    description = (
        "Creates and updates the task list for this session. Use it for work with three or "
        "more steps: send the whole list each time, with exactly one task in_progress while "
        "working, and mark tasks completed as soon as they are done. content says what to "
        'do ("Run tests"); activeForm says it in progress ("Running tests").'
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "todos": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "content": {"type": "string", "minLength": 1},
                        "status": {"type": "string", "enum": list(STATUSES)},
                        "activeForm": {"type": "string", "minLength": 1},
                    },
                    "required": ["content", "status", "activeForm"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["todos"],
        "additionalProperties": False,
    }
    read_only = True  # changes only the session's own list

    def __init__(self) -> None:
        self.todos: list[Todo] = []

    def summary(self, input: dict[str, Any]) -> str:
        todos = input.get("todos")
        return f"Update the task list ({len(todos) if isinstance(todos, list) else '?'} tasks)"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: self._run(input))

    async def _run(self, input: dict[str, Any]) -> ToolResult:
        raw = input.get("todos")
        if not isinstance(raw, list):
            raise ToolError("`todos` must be a list of {content, status, activeForm}")
        todos = []
        for n, item in enumerate(raw, start=1):
            if not isinstance(item, dict):
                raise ToolError(f"todo {n} must be an object")
            content, status = item.get("content"), item.get("status")
            active = item.get("activeForm") or content
            if not isinstance(content, str) or not content.strip():
                raise ToolError(f"todo {n}: `content` must be a non-empty string")
            if status not in STATUSES:
                raise ToolError(f"todo {n}: `status` must be one of {', '.join(STATUSES)}")
            todos.append(Todo(content.strip(), str(status), str(active).strip()))
        self.todos = todos
        lines = [f"{_MARKS[t.status]} {t.content}" for t in todos]
        return ToolResult(
            "Todos have been modified successfully. Keep using the list to track progress "
            "and proceed with the current task.\n" + "\n".join(lines)
        )
