"""Slash commands in ``claude/chat`` and ``claude.chat``: ``agent.slash`` answers the
built-ins without the model and expands custom commands (``.claude/commands``); the one
thing only this door can do is ``/clear``, a new session in place of the old."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agent.slash import Answer, Prepared, is_clear, prepare
from agent.types import Event

if TYPE_CHECKING:
    from server.chat import Chats, ChatSession

Before = tuple[float, int, dict[str, int]]


async def run_command(
    chats: Chats, chat: ChatSession, prompt: str, before: Before
) -> dict[str, Any] | Prepared | None:
    """The turn's result when the command was answered without the model, the prompt a
    custom command expands to, or None when ``prompt`` is no command."""
    if is_clear(prompt):
        agent = chat.agent
        mode = getattr(agent.policy, "mode", None)
        fresh = await chats.open(None, agent.config.model, mode)
        fresh.agent.start_source = "clear"
        text = f"Started a new conversation. The previous one ({chat.id}) can be resumed."
        return answer(fresh, prompt, _costs(fresh), Answer(text))
    prepared = await prepare(chat.agent, prompt)
    if isinstance(prepared, Answer):
        return answer(chat, prompt, before, prepared)
    return prepared


def answer(chat: ChatSession, prompt: str, before: Before, reply: Answer) -> dict[str, Any]:
    """The turn's result for a command answered without a turn, streamed like one; its
    cost is what it spent (``/compact`` asks the model for a summary)."""
    from server.chat import _outcome

    emit = chat.port.emit
    emit(Event("turn_start", {"prompt": prompt, "model": chat.agent.config.model}))
    if reply.error:
        emit(Event("error", {"message": reply.text}))
    else:
        emit(Event("text", {"text": reply.text}))
    stop = "error" if reply.error else "end_turn"
    emit(Event("turn_end", {"stop_reason": stop}))
    outcome = _outcome(chat, before, None, stop, reply.text if reply.error else None)
    if not reply.error:
        outcome["result"] = reply.text
    return outcome


def _costs(chat: ChatSession) -> Before:
    costs = chat.agent.costs
    return costs.spent_usd, costs.requests, costs.usage.as_dict()
