"""AI tasks with a structured answer: fix, docstring, type hints, comment requests,
tests, review and commit messages.

Each task is one model request whose answer must come through a tool with a JSON schema
(``tool_choice`` forces it), never parsed from prose. The caller checks the answer
(`agent.line_edits`) before anything changes. Protocol-free: the server and the CLI
both use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.cost import CostTracker, Usage
from agent.line_edits import EDIT_SCHEMA

if TYPE_CHECKING:
    from anthropic.types import Message

    from agent.client import ModelClient

MAX_TOKENS = 8192

SYSTEM = (
    "You are Claude, working inside the user's editor through claude-lsp. You are given "
    "code with line numbers (a tab separates the number from the line) and one task. "
    "Answer only by calling the tool you are given, with exactly the fields its schema "
    "asks for. Line numbers are 1-based. Keep the code's style and indentation, change "
    "nothing the task does not need, and never include the line numbers in code."
)

EDITS_TOOL: dict[str, Any] = {
    "name": "propose_edits",
    "description": (
        "Propose edits to the file as replacements of whole line ranges. oldText must be "
        "exactly the current text of lines startLine..endLine; newText replaces them "
        "(an empty newText deletes them). To insert, use endLine = startLine - 1 and an "
        "empty oldText. Edits must not overlap."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "edits": {"type": "array", "items": EDIT_SCHEMA, "minItems": 1},
            "summary": {"type": "string", "description": "one sentence: what changed"},
        },
        "required": ["edits", "summary"],
    },
}

TESTS_TOOL: dict[str, Any] = {
    "name": "write_test_file",
    "description": (
        "Write the test file: its path relative to the workspace root (an existing test "
        "file to extend, or a new one where the project keeps its tests) and its complete "
        "new content."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "path": {"type": "string"},
            "content": {"type": "string", "description": "the whole file"},
            "summary": {"type": "string"},
        },
        "required": ["path", "content", "summary"],
    },
}

REVIEW_TOOL: dict[str, Any] = {
    "name": "report_findings",
    "description": (
        "Report the review's findings: real bugs, risks and clear improvements, each at "
        "the lines it concerns; an empty list when there is nothing worth saying. A fix, "
        "when you are sure of it, replaces exactly the finding's lines."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "line": {"type": "integer", "minimum": 1},
                        "endLine": {"type": "integer", "minimum": 1},
                        "severity": {"enum": ["error", "warning", "info", "hint"]},
                        "message": {"type": "string"},
                        "fix": {
                            "type": "object",
                            "properties": {
                                "oldText": {"type": "string"},
                                "newText": {"type": "string"},
                            },
                            "required": ["oldText", "newText"],
                        },
                    },
                    "required": ["line", "endLine", "severity", "message"],
                },
            },
        },
        "required": ["findings"],
    },
}

COMMIT_TOOL: dict[str, Any] = {
    "name": "commit_message",
    "description": "The commit message for the staged changes.",
    "input_schema": {
        "type": "object",
        "properties": {
            "subject": {
                "type": "string",
                "description": "imperative summary line, at most 72 characters",
            },
            "body": {"type": "string", "description": "why and what, wrapped at 72; may be ''"},
        },
        "required": ["subject", "body"],
    },
}

INSTRUCTIONS = {
    "fix": "Fix the problem reported by this diagnostic, with the smallest correct change.",
    "docstring": (
        "Add a docstring to {symbol} (or improve the one it has), in the style the file "
        "already uses; do not change any code."
    ),
    "typeHints": (
        "Add type hints to the parameters and return value of {symbol} (for a class, to "
        "its methods), in the style the file uses; add imports if needed; do not change "
        "behaviour."
    ),
    "comment": (
        "Do what this comment asks, on line {line}: {request}\n"
        "Remove the comment itself as part of your edits."
    ),
    "tests": (
        "Write tests for {symbol}. Follow the project's existing test layout and "
        "framework (see the test files listed); extend the existing test file for this "
        "module if there is one, else create one next to the others. Cover normal cases "
        "and edge cases; the tests must pass against the current code."
    ),
    "review": (
        "Review this code as a careful senior engineer. Report bugs, risky code and clear "
        "improvements; not style nits. Only report lines inside the part under review."
    ),
    "commit": (
        "Write the commit message for the staged diff below, in the style of the recent commits."
    ),
}


class TaskError(Exception):
    """The model's answer is unusable (no tool call, wrong shape); nothing changed."""


@dataclass
class TaskAnswer:
    input: dict[str, Any]
    model: str
    cost_usd: float
    usage: Usage = field(default_factory=Usage)


async def run_task(
    client: ModelClient,
    model: str,
    tool: dict[str, Any],
    content: list[dict[str, Any]],
    costs: CostTracker,
    *,
    max_tokens: int = MAX_TOKENS,
    system: str = SYSTEM,
) -> TaskAnswer:
    """One request that must answer through ``tool``; its input, cost and usage.
    Streamed, so that cancelling the caller stops it at once."""
    kwargs: dict[str, Any] = {
        "model": model,
        "max_tokens": max_tokens,
        "system": system,
        "tools": [tool],
        "tool_choice": {"type": "tool", "name": tool["name"]},
        "messages": [{"role": "user", "content": content}],
    }
    async with client.messages.stream(**kwargs) as stream:  # cancellable mid-answer
        response: Message = await stream.get_final_message()
    usage = Usage.from_api(response.usage.model_dump())
    cost = costs.add(model, usage)
    for block in response.content:
        if block.type == "tool_use" and block.name == tool["name"]:
            if not isinstance(block.input, dict):
                raise TaskError(f"Claude's {tool['name']} answer is not an object")
            return TaskAnswer(dict(block.input), model, cost, usage)
    if response.stop_reason == "max_tokens":
        raise TaskError("Claude's answer was cut off (max_tokens); nothing was changed")
    raise TaskError(f"Claude answered without {tool['name']}; nothing was changed")


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def commit_prompt(diff: str, recent: list[str]) -> str:
    """The request for a commit message: the recent commits (for their style), then the
    staged diff."""
    commits = "\n".join(recent) or "(no commits yet)"
    return (
        f"<task>\n{INSTRUCTIONS['commit']}\n</task>\n\n<recent-commits>\n{commits}\n"
        f"</recent-commits>\n\n<staged-diff>\n{diff}\n</staged-diff>"
    )


def commit_message(answer: dict[str, Any]) -> tuple[str, str]:
    """``(subject, body)`` of a ``commit_message`` answer; `TaskError` when unusable."""
    subject, body = answer.get("subject"), answer.get("body", "")
    if not isinstance(subject, str) or not subject.strip() or not isinstance(body, str):
        raise TaskError("Claude's commit message has no subject line")
    subject = " ".join(subject.split())
    return subject, body.strip()
