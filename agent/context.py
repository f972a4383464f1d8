"""The context window: token counting, compaction and prompt-caching breakpoints.

Counting every request would double the requests, so the loop estimates the next prompt
from the last response's usage plus the size of what was added since, and asks
``messages.count_tokens`` only when that estimate passes ``COUNT_AT`` of the window.
When the count passes ``COMPACT_AT``, the turns before the latest user request are
summarised by the model; the system prompt (with the memory files) and the latest request
stay verbatim.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.client import ModelClient

log = logging.getLogger(__name__)

Message = dict[str, Any]
COUNT_AT = 0.6
COMPACT_AT = 0.85
CHARS_PER_TOKEN = 3  # a cautious estimate: real text averages nearer 4
EPHEMERAL: dict[str, Any] = {"type": "ephemeral"}

SUMMARY_PROMPT = (
    "Summarise the conversation above for yourself, to continue the work without it: the "
    "user's goals and constraints, decisions taken, files read or changed (paths and what "
    "changed), commands run and their outcome, errors met and how they were solved, and "
    "what remains to do. Be specific and complete; omit pleasantries."
)


def context_window(model: str) -> int:
    """Tokens the model accepts. Claude 5 models and Opus/Sonnet 4.6+ take 1M."""
    match = re.search(r"claude-(?:[a-z]+)-(\d+)(?:-(\d))?(?:-|$|@)", model)
    if match is None:
        return 200_000
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    if major >= 5 or (major == 4 and minor >= 6 and "haiku" not in model):
        return 1_000_000
    return 200_000


def estimate_tokens(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False)) // CHARS_PER_TOKEN


def with_cache_breakpoints(
    system: str, tools: list[dict[str, Any]], messages: list[Message]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[Message]]:
    """Request params with ``cache_control`` on the last tool, the system prompt and the
    latest message (three of the four breakpoints allowed). The transcript is not changed:
    only the containers that get a breakpoint are copied."""
    system_blocks: list[dict[str, Any]] = (
        [{"type": "text", "text": system, "cache_control": EPHEMERAL}] if system else []
    )
    if tools:
        tools = [*tools[:-1], {**tools[-1], "cache_control": EPHEMERAL}]
    if messages:
        last = messages[-1]
        content = last["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if content and content[-1].get("type") not in ("thinking", "redacted_thinking"):
            content = [*content[:-1], {**content[-1], "cache_control": EPHEMERAL}]
        messages = [*messages[:-1], {**last, "content": content}]
    return system_blocks, tools, messages


def latest_request(messages: list[Message]) -> int:
    """Index of the latest user message that the user wrote (not only tool results)."""
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if message["role"] != "user":
            continue
        content = message["content"]
        if isinstance(content, str) or any(b.get("type") != "tool_result" for b in content):
            return i
    return 0


@dataclass
class Compaction:
    messages: list[Message]
    tokens_before: int
    tokens_after: int
    usage: dict[str, Any]


async def count_tokens(
    client: ModelClient,
    model: str,
    system: str,
    tools: list[dict[str, Any]],
    messages: list[Message],
) -> int:
    kwargs: dict[str, Any] = {"model": model, "messages": messages}
    if system:
        kwargs["system"] = system
    if tools:
        kwargs["tools"] = tools
    result = await client.messages.count_tokens(**kwargs)
    return int(result.input_tokens)


def _split(messages: list[Message]) -> tuple[list[Message], list[Message]] | None:
    """(to summarise, to keep) or None when there is nothing worth summarising. Kept: the
    latest request and what follows it; when the request is the first message (one long
    agentic turn), the request and the last exchange, summarising the middle."""
    r = latest_request(messages)
    if r > 0:
        return messages[:r], messages[r:]
    if len(messages) > 4:
        return messages[: len(messages) - 2], [messages[0], *messages[-2:]]
    return None


async def compact(
    client: ModelClient,
    model: str,
    system: str,
    tools: list[dict[str, Any]],
    messages: list[Message],
    *,
    tokens_before: int,
    max_tokens: int = 8192,
    focus: str = "",
    keep_latest: bool = True,
) -> Compaction | None:
    """A shorter history whose first message is the latest request, with a summary of
    everything older put before it. None when the history cannot be split. Without
    ``keep_latest`` (``/compact``) everything is summarised; ``focus`` says what the
    summary should keep above all."""
    split = _split(messages) if keep_latest else (messages, [])
    if split is None or not split[0]:
        return None
    older, keep = split
    to_summarise = copy.deepcopy(older)
    instructions = SUMMARY_PROMPT + (f" Focus on: {focus}" if focus else "")
    prompt = {"type": "text", "text": instructions}
    if to_summarise[-1]["role"] == "user":
        content = to_summarise[-1]["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        to_summarise[-1]["content"] = [*content, prompt]
    else:
        to_summarise.append({"role": "user", "content": [prompt]})
    kwargs: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": to_summarise}
    if system:
        kwargs["system"] = system
    if tools:  # the history holds tool_use blocks: the API wants their definitions
        kwargs["tools"] = tools
    response = await client.messages.create(**kwargs)
    summary = "".join(b.text for b in response.content if b.type == "text").strip()
    request = keep[0]["content"] if keep else []
    if isinstance(request, str):
        request = [{"type": "text", "text": request}]
    # Results answering tool calls that are now summarised would be orphans.
    request = [b for b in request if b.get("type") != "tool_result"]
    head = {
        "type": "text",
        "text": f"<summary of the earlier conversation>\n{summary}\n</summary>",
    }
    new = [{"role": "user", "content": [head, *request]}, *keep[1:]]
    after = estimate_tokens(new) + estimate_tokens(system) + estimate_tokens(tools)
    log.info(
        "compacted %d messages into %d (%d -> ~%d tokens)",
        len(messages),
        len(new),
        tokens_before,
        after,
    )
    return Compaction(new, tokens_before, after, response.usage.model_dump())


def block_param(block: Any) -> dict[str, Any]:
    """A response content block as request params, unchanged in substance."""
    kind = block.type
    if kind == "text":
        param: dict[str, Any] = {"type": "text", "text": block.text}
        if block.citations:
            param["citations"] = [c.model_dump(exclude_none=True) for c in block.citations]
        return param
    if kind == "thinking":
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if kind == "redacted_thinking":
        return {"type": "redacted_thinking", "data": block.data}
    if kind == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    dumped: dict[str, Any] = block.model_dump(mode="json", exclude_none=True)
    return dumped


def system_prompt(cwd: Path, memory: str = "", extra: str = "") -> str:
    """The agent's system prompt: role, environment, then the memory files verbatim."""
    parts = [
        "You are Claude, a coding agent working in the user's editor through claude-lsp. "
        "Use the tools to read, search, edit and run code in the workspace; read a file "
        "before editing it; keep changes minimal and focused on the request; say briefly "
        "what you did when you finish.",
        f"Working directory: {cwd}\nPlatform: {sys.platform}\nToday: {date.today():%Y-%m-%d}",
    ]
    if extra:
        parts.append(extra)
    if memory:
        parts.append(memory)
    return "\n\n".join(parts)
