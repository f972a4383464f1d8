"""The ``Task`` tool: subagents, as Claude Code defines them.

Definitions are markdown files, ``.claude/agents/*.md`` (project) and
``~/.claude/agents/*.md`` (user; a project one of the same name wins), with frontmatter
``name``, ``description``, ``tools`` (comma-separated; the parent's tools of those
names) and ``model`` (``sonnet``, ``opus``, ``haiku``, a model id, or ``inherit``); the
body is the subagent's system prompt. ``general-purpose`` is always there.

A subagent runs its own loop with its own context: only its prompt, its system prompt
and its tools — the read-only ones (Read, Glob, Grep, Diagnostics, Symbols) unless its
definition lists others; never Task itself. Its calls go through the session's
permission rules and questions and the session's PreToolUse / PostToolUse hooks, its
file changes into the session's checkpoints, its tool calls reach the user as events
marked with ``subagent``. When it is done, SubagentStop hooks run (with the session's
``session_id`` and ``transcript_path``); one that blocks sends it back to work with its
reason. Its final answer is the
tool result, and its cost is added to the session's. Task is read-only itself, so
several Task calls of one message run concurrently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.commands import _frontmatter
from agent.errors import AgentError
from agent.types import (
    EditorPort,
    Event,
    PermissionDecision,
    PermissionRequest,
    Tool,
    ToolContext,
    ToolResult,
)

if TYPE_CHECKING:
    from agent.loop import Agent

log = logging.getLogger(__name__)

READ_ONLY_TOOLS = ("Read", "Glob", "Grep", "Diagnostics", "Symbols")
FORWARDED = frozenset({"tool_call", "tool_result", "tool_output", "permission", "error", "hook"})


@dataclass(frozen=True)
class Definition:
    name: str
    description: str
    tools: tuple[str, ...] | None = None  # None: the read-only tools
    model: str | None = None  # None or "inherit": the session's model
    prompt: str = ""


GENERAL = Definition(
    "general-purpose",
    "Researches a question in the codebase (searches and reads files) and reports back.",
    prompt="Answer the task you are given by searching and reading the code. Report what "
    "you found concisely, with file paths and line numbers.",
)


def load_definitions(cwd: Path, home: Path | None = None) -> dict[str, Definition]:
    home = Path.home() if home is None else home
    found = {GENERAL.name: GENERAL}
    for folder in (home / ".claude" / "agents", cwd / ".claude" / "agents"):
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            try:
                meta, body = _frontmatter(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("skipping subagent %s: %s", path, exc)
                continue
            name = meta.get("name") or path.stem
            tools = meta.get("tools")
            found[name] = Definition(
                name,
                meta.get("description") or name,
                tuple(t.strip() for t in tools.split(",") if t.strip()) if tools else None,
                meta.get("model") or None,
                body.strip(),
            )
    return found


class SubagentPort:
    """The parent's port, with the subagent's own chatter (text, usage) kept out."""

    def __init__(self, parent: EditorPort, label: str) -> None:
        self.parent, self.label, self.roots = parent, label, parent.roots

    async def read_text(self, path: Path) -> str:
        return await self.parent.read_text(path)

    async def write_text(self, path: Path, text: str) -> None:
        await self.parent.write_text(path, text)

    async def ask_permission(self, request: PermissionRequest) -> PermissionDecision:
        summary = f"[{self.label}] {request.summary}"
        return await self.parent.ask_permission(replace(request, summary=summary))

    def emit(self, event: Event) -> None:
        if event.kind in FORWARDED:
            self.parent.emit(Event(event.kind, {**event.data, "subagent": self.label}))


class TaskTool:
    name = "Task"
    read_only = True  # it changes nothing itself; the subagent's calls are checked

    def __init__(self, definitions: dict[str, Definition]) -> None:
        self.definitions = definitions
        self.parent: Agent | None = None
        kinds = "\n".join(f"- {d.name}: {d.description}" for d in definitions.values())
        self.description = (
            "Launches a subagent with its own context to carry out a self-contained task "
            "(a search, a review, a focused change) and returns its final answer. Give it "
            "everything it needs in `prompt`: it sees nothing of this conversation. Launch "
            f"several in one message to run them concurrently. Agent types:\n{kinds}"
        )
        self.input_schema: dict[str, Any] = {
            "type": "object",
            "properties": {
                "description": {"type": "string", "description": "The task in 3-5 words"},
                "prompt": {"type": "string", "description": "The task, in full"},
                "subagent_type": {"type": "string", "enum": sorted(definitions)},
            },
            "required": ["description", "prompt"],
            "additionalProperties": False,
        }

    def summary(self, input: dict[str, Any]) -> str:
        return f"Task ({input.get('subagent_type') or GENERAL.name}): {input.get('description')}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        from agent.client import default_model
        from agent.context import system_prompt
        from agent.cost import CostTracker
        from agent.loop import Agent, AgentConfig

        parent = self.parent
        if parent is None:
            return ToolResult("Task is not available here.", is_error=True)
        kind = input.get("subagent_type") or GENERAL.name
        definition = self.definitions.get(kind)
        if definition is None:
            return ToolResult(f"No subagent type {kind!r}.", is_error=True)
        names = definition.tools or READ_ONLY_TOOLS
        tools: list[Tool] = [parent.tools[n] for n in names if n in parent.tools and n != "Task"]
        model = definition.model or "inherit"
        if model == "inherit":
            model = parent.config.model
        elif model in ("sonnet", "opus", "haiku"):
            model = default_model(model)
        limit = parent.config.max_budget_usd
        config = AgentConfig(
            model=model,
            system=system_prompt(parent.cwd, "", definition.prompt),
            max_turns=parent.config.max_turns,
            max_budget_usd=None if limit is None else max(0.0, limit - parent.costs.spent_usd),
            context_window=parent.config.context_window,
        )
        label = f"{kind}: {input.get('description', '')}"
        sub = Agent(
            client=parent.client,
            port=SubagentPort(ctx.port, label),
            tools=tools,
            policy=parent.policy,
            config=config,
            cwd=parent.cwd,
            costs=CostTracker(parent.costs.overrides),
            hooks=parent.hooks,
            checkpoints=parent.checkpoints,
            parent=parent,
        )
        try:
            result = await sub.run(str(input.get("prompt", "")))
        except AgentError as exc:
            return ToolResult(f"The subagent stopped: {exc}", is_error=True)
        finally:
            parent.costs.absorb(sub.costs)
            if parent.session is not None and sub.costs.requests:
                usage = sub.costs.usage.as_dict()
                parent.session.record_usage(model, usage, sub.costs.spent_usd)
        return ToolResult(result.text or "(the subagent gave no answer)")
