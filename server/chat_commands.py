"""Slash commands in ``claude/chat`` and ``claude.chat``: the built-ins answer without
the model; a custom command (``.claude/commands``) becomes the prompt it expands to."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from agent.commands import find_command, list_commands, split_command
from agent.types import Event

if TYPE_CHECKING:
    from server.chat import Chats, ChatSession


async def run_command(chats: Chats, chat: ChatSession, prompt: str) -> dict[str, Any] | str | None:
    """A result for a built-in, the expanded prompt of a custom command, or None when
    ``prompt`` is no known command (it is sent as it is: "/usr is full" is a sentence)."""
    parsed = split_command(prompt)
    if parsed is None:
        return None
    name, arguments = parsed
    root = chats.root()
    command = await asyncio.to_thread(find_command, name, root)
    if command is None:
        return None
    if command.source != "builtin":
        try:
            return await asyncio.to_thread(command.expand, arguments)
        except (OSError, ValueError) as exc:
            return _answer(chat, prompt, f"{name}: cannot read {command.path}: {exc}", error=True)
    if name == "/clear":
        agent = chat.agent
        mode = getattr(agent.policy, "mode", None)
        fresh = await chats.open(None, agent.config.model, mode)
        return _answer(
            fresh,
            prompt,
            f"Started a new conversation. The previous one ({chat.id}) can be resumed.",
        )
    if name == "/model":
        if arguments:
            await chats.open(chat.id, arguments.split()[0], None)
            return _answer(chat, prompt, f"Model set to {chat.agent.config.model}.")
        return _answer(chat, prompt, f"Model: {chat.agent.config.model}")
    if name == "/cost":
        costs = chat.agent.costs
        usage = costs.usage
        return _answer(
            chat,
            prompt,
            f"Session {chat.id}: ${costs.session_usd:.4f} in all "
            f"(${costs.spent_usd:.4f} since the server started; {costs.requests} requests, "
            f"{usage.input_tokens:,} input, {usage.output_tokens:,} output, "
            f"{usage.cache_read_input_tokens:,} cache-read and "
            f"{usage.cache_creation_input_tokens:,} cache-write tokens).",
        )
    found = await asyncio.to_thread(list_commands, root)
    lines = [
        f"{c.name}{' ' + c.argument_hint if c.argument_hint else ''} — {c.description}"
        for c in found
    ]
    return _answer(chat, prompt, "Slash commands:\n" + "\n".join(lines))


def _answer(chat: ChatSession, prompt: str, text: str, *, error: bool = False) -> dict[str, Any]:
    """The turn's result for a command answered without the model, streamed like one."""
    emit = chat.port.emit
    emit(Event("turn_start", {"prompt": prompt, "model": chat.agent.config.model}))
    emit(Event("error", {"message": text}) if error else Event("text", {"text": text}))
    emit(Event("turn_end", {"stop_reason": "error" if error else "end_turn"}))
    outcome: dict[str, Any] = {
        "sessionId": chat.id,
        "stopReason": "error" if error else "end_turn",
        "result": "" if error else text,
        "numTurns": 0,
        "usage": {
            "inputTokens": 0,
            "outputTokens": 0,
            "cacheCreationInputTokens": 0,
            "cacheReadInputTokens": 0,
        },
        "costUsd": 0.0,
        "sessionCostUsd": chat.agent.costs.session_usd,
    }
    if error:
        outcome["error"] = text
    return outcome
