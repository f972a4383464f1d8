"""Slash commands as every door runs them (the terminal, the language server).

``prepare(agent, prompt)`` answers a built-in without the model (``Answer``), or turns
a custom command into the prompt to send (``Prepared``: its ``model`` and
``allowed-tools`` hold for that one turn, see ``command_turn``), or returns None when the
prompt is no command ("/usr is full" is a sentence). ``/clear`` starts a new session,
which only the door can do: doors check ``is_clear`` first.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.commands import Command, find_command, list_commands, split_command
from agent.types import Event, ToolContext

if TYPE_CHECKING:
    from agent.loop import Agent

BANG = re.compile(r"!`([^`\n]+)`")
AT_FILE = re.compile(r"(?<![\w@/`])@((?:~/|\.{1,2}/|/)?[\w.-][\w./~-]*)")
MAX_ATTACHED = 256 * 1024


@dataclass
class Answer:
    text: str
    error: bool = False


@dataclass
class Prepared:
    prompt: str
    model: str | None = None
    allowed: list[str] = field(default_factory=list)


def is_clear(prompt: str) -> bool:
    parsed = split_command(prompt)
    return parsed is not None and parsed[0] == "/clear"


async def prepare(agent: Agent, prompt: str) -> Answer | Prepared | None:
    parsed = split_command(prompt)
    if parsed is None:
        return None
    name, arguments = parsed
    command = await asyncio.to_thread(find_command, name, agent.cwd)
    if command is None:
        return await _mcp_prompt(agent, name, arguments)
    if command.source == "builtin":
        return await _builtin(agent, name, arguments)
    try:
        return await expand(agent, command, arguments)
    except (OSError, ValueError) as exc:
        return Answer(f"{name}: cannot read {command.path}: {exc}", error=True)


async def expand(agent: Agent, command: Command, arguments: str) -> Prepared:
    meta = await asyncio.to_thread(command.meta)
    body = await asyncio.to_thread(command.expand, arguments)
    allowed = command.allowed_tools(meta)
    with allowing(agent, allowed):
        body = await _run_bangs(agent, body)
        attached = await _attach_files(agent, body)
    if attached:
        body = body + "\n\n" + "\n\n".join(attached)
    return Prepared(body, meta.get("model") or None, allowed)


@contextmanager
def command_turn(agent: Agent, prepared: Prepared) -> Iterator[None]:
    """The command's model and allowed tools for the turn run inside this block."""
    model = agent.config.model
    if prepared.model:
        agent.config.model = prepared.model
    try:
        with allowing(agent, prepared.allowed):
            yield
    finally:
        agent.config.model = model


@contextmanager
def allowing(agent: Agent, rules: list[str]) -> Iterator[None]:
    from agent.permissions import Permissions, Rule

    policy = agent.policy
    parsed = [r for r in (Rule.parse(text) for text in rules) if r is not None]
    if not isinstance(policy, Permissions) or not parsed:
        yield
        return
    policy.allow.extend(parsed)
    try:
        yield
    finally:
        for rule in parsed:
            policy.allow.remove(rule)


async def _run_bangs(agent: Agent, body: str) -> str:
    """Each ``!`cmd` `` replaced by its output, when the rules allow it without asking."""
    pieces: list[str] = []
    last = 0
    for match in BANG.finditer(body):
        pieces += [body[last : match.start()], await _bang(agent, match.group(1))]
        last = match.end()
    return "".join(pieces) + body[last:]


async def _bang(agent: Agent, command: str) -> str:
    bash = agent.tools.get("Bash")
    if bash is None:
        return f"(`{command}` not run: no Bash tool here)"
    decision, reason = agent.policy.decide(bash, {"command": command})
    if decision != "allow":
        why = reason if decision == "deny" else "not allowed by the permission rules"
        agent.port.emit(Event("error", {"message": f"`{command}` not run: {why}"}))
        return f"(`{command}` not run: {why})"
    ctx = ToolContext(agent.port, agent.cwd, agent.read_files, "slash-command")
    result = await bash.run({"command": command}, ctx)
    content = result.content
    text = (
        content if isinstance(content, str) else "\n".join(str(b.get("text", "")) for b in content)
    )
    return text.rstrip("\n")


async def _attach_files(agent: Agent, body: str) -> list[str]:
    """``<file>`` blocks for the ``@path`` mentions that name readable files."""
    read = agent.tools.get("Read")
    blocks: list[str] = []
    seen: set[Path] = set()
    for match in AT_FILE.finditer(body):
        token = match.group(1).rstrip(".,;:!?")
        path = (agent.cwd / Path(token).expanduser()).resolve()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        if read is not None:
            decision, reason = agent.policy.decide(read, {"file_path": str(path)})
            if decision == "deny":
                blocks.append(f'<file path="{token}">not attached: {reason}</file>')
                continue
        if path.stat().st_size > MAX_ATTACHED:
            blocks.append(f'<file path="{token}">not attached: over {MAX_ATTACHED} bytes</file>')
            continue
        try:
            text = await agent.port.read_text(path)
        except (OSError, ValueError) as exc:
            blocks.append(f'<file path="{token}">not attached: {exc}</file>')
            continue
        agent.read_files[path] = text
        blocks.append(f'<file path="{token}">\n{text}</file>')
    return blocks


async def _builtin(agent: Agent, name: str, arguments: str) -> Answer:
    if name == "/model":
        if not arguments:
            return Answer(f"Model: {agent.config.model}")
        agent.config.model = arguments.split(maxsplit=1)[0]
        if agent.session is not None:
            agent.session.set_model(agent.config.model)
        return Answer(f"Model set to {agent.config.model}.")
    if name == "/cost":
        return Answer(cost_text(agent))
    if name == "/compact":
        return await compact_now(agent, arguments)
    if name == "/rewind":
        from agent.rewind import rewind_command

        text, error = await rewind_command(agent, arguments)
        return Answer(text, error)
    if name == "/mcp":
        if agent.mcp is None:
            return Answer("No MCP servers configured (.mcp.json, ~/.claude.json).")
        agent.add_tools(await agent.mcp.tools())
        return Answer(agent.mcp.describe())
    found = await asyncio.to_thread(list_commands, agent.cwd)
    lines = [
        f"{c.name}{' ' + c.argument_hint if c.argument_hint else ''} — {c.description}"
        for c in found
    ]
    if agent.mcp is not None:
        lines += [f"{name} — {about}" for name, about in agent.mcp.prompt_commands()]
    return Answer("Slash commands:\n" + "\n".join(lines))


def cost_text(agent: Agent) -> str:
    costs = agent.costs
    usage = costs.usage
    session = agent.session.id if agent.session else "-"
    return (
        f"Session {session}: ${costs.session_usd:.4f} in all "
        f"(${costs.spent_usd:.4f} in this process; {costs.requests} requests, "
        f"{usage.input_tokens:,} input, {usage.output_tokens:,} output, "
        f"{usage.cache_read_input_tokens:,} cache-read and "
        f"{usage.cache_creation_input_tokens:,} cache-write tokens)."
    )


async def compact_now(agent: Agent, focus: str) -> Answer:
    """``/compact [focus]``: the whole conversation becomes one summary."""
    from agent.context import compact, estimate_tokens
    from agent.cost import Usage

    if not agent.messages:
        return Answer("Nothing to compact yet.")
    if agent.hooks is not None:
        payload = {**agent.hook_base(), "trigger": "manual", "custom_instructions": focus}
        await agent.hooks.run("PreCompact", payload, "manual")
    before = estimate_tokens([agent.config.system, agent.tool_params, agent.messages])
    args = (agent.client, agent.config.model, agent.config.system, agent.tool_params)
    result = await compact(
        *args, agent.messages, tokens_before=before, focus=focus, keep_latest=False
    )
    if result is None:
        return Answer("Nothing to compact yet.")
    usage = Usage.from_api(result.usage)
    cost = agent.costs.add(agent.config.model, usage)
    if agent.session is not None:
        agent.session.record_usage(agent.config.model, usage.as_dict(), cost)
        agent.session.replace_messages(result.messages)
    else:
        agent.messages[:] = result.messages
    agent.start_source = "compact"
    if agent.checkpoints is not None:
        agent.checkpoints.forget_messages()
    data = {"tokens_before": result.tokens_before, "tokens_after": result.tokens_after}
    agent.port.emit(Event("compacted", data))
    return Answer(
        f"Compacted the conversation: ~{result.tokens_before:,} → ~{result.tokens_after:,} "
        f"tokens (${cost:.4f})."
    )


async def _mcp_prompt(agent: Agent, name: str, arguments: str) -> Answer | Prepared | None:
    """``/mcp__server__prompt args``: the MCP server's prompt becomes the turn's prompt."""
    from agent.mcp import McpFailure

    if agent.mcp is None or not name.startswith("/mcp__"):
        return None
    try:
        text = await agent.mcp.get_prompt(name[1:], arguments)
    except (McpFailure, TimeoutError) as exc:
        return Answer(f"{name}: the MCP server failed: {exc or 'no answer in time'}", error=True)
    return None if text is None else Prepared(text)
