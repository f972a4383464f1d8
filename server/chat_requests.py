"""The ``claude/*`` requests of docs/protocol.md: parse, delegate to `server.chat.Chats`,
answer. Errors a person can act on are `ChatError` (RequestFailed with ``data.reason``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from agent.errors import SessionNotFound
from server import __version__
from server.chat import CHAT, COMMANDS, SESSIONS, STATUS, ChatError, as_mode, camel_keys

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer


def _params(params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise ChatError("invalidParams", "params must be an object")
    return params


async def chat(ls: ClaudeLanguageServer, params: Any) -> dict[str, Any]:
    p = _params(params)
    prompt, session_id = p.get("prompt"), p.get("sessionId")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ChatError("invalidParams", "`prompt` must be a non-empty string")
    if session_id is not None and not isinstance(session_id, str):
        raise ChatError("invalidParams", "`sessionId` must be a string")
    context = p.get("context") or []
    if not isinstance(context, list) or not all(isinstance(c, dict) for c in context):
        raise ChatError("invalidParams", "`context` must be a list of {uri, range?}")
    model = p.get("model")
    if model is not None and (not isinstance(model, str) or not model.strip()):
        raise ChatError("invalidParams", "`model` must be a model name")
    session = await ls.chats.open(session_id, model, p.get("permissionMode"))
    return await ls.chats.run(session, prompt, context)


async def sessions(ls: ClaudeLanguageServer, params: Any) -> dict[str, Any]:
    p = _params(params)
    action, session_id = p.get("action") or "list", p.get("sessionId")
    chats = ls.chats
    if action == "list":
        found = await asyncio.to_thread(chats.store.summaries, chats.root())
        return {
            "sessions": [
                {
                    "sessionId": s["id"],
                    "title": s["title"],
                    "created": s["created"],
                    "modified": s["modified"],
                    "model": s["model"],
                    "costUsd": s["cost_usd"],
                    "messages": s["messages"],
                    "running": s["id"] in chats.sessions and chats.sessions[s["id"]].running,
                }
                for s in found
            ]
        }
    if not isinstance(session_id, str) or not session_id:
        raise ChatError("invalidParams", f"`{action}` needs a sessionId")
    if action == "fork":
        try:
            forked = await asyncio.to_thread(chats.store.fork, session_id)
        except SessionNotFound as exc:
            raise ChatError("sessionNotFound", str(exc)) from exc
        forked.close()
        return {"sessionId": forked.id}
    if action == "delete":
        running = chats.sessions.get(session_id)
        if running is not None and running.running:
            raise ChatError("sessionBusy", f"session {session_id} is running a turn")
        if running is not None:
            await running.agent.close()
        if running is not None and running.agent.session is not None:
            running.agent.session.close()
        if running is not None and running.sandbox is not None:
            running.sandbox.close()
        chats.sessions.pop(session_id, None)
        try:
            await asyncio.to_thread(chats.store.delete, session_id)
        except SessionNotFound as exc:
            raise ChatError("sessionNotFound", str(exc)) from exc
        return {"deleted": True}
    raise ChatError("invalidParams", "`action` must be list, fork or delete")


async def status(ls: ClaudeLanguageServer, params: Any) -> dict[str, Any]:
    from agent.builder import AgentOptions, choose_mode, choose_model, project_settings
    from agent.client import credentials_status

    chats = ls.chats
    settings = await asyncio.to_thread(project_settings, chats.root())
    agent_settings = ls.settings.agent
    options = AgentOptions(
        cwd=chats.root(),
        host_model=agent_settings.model,
        host_permission_mode=as_mode(agent_settings.permission_mode),
    )
    model = await asyncio.to_thread(choose_model, options, settings, None)
    provider, missing = credentials_status()
    credentials: dict[str, Any] = {"ok": missing is None, "provider": provider}
    if missing is not None:
        credentials["message"] = missing
    return {
        "version": __version__,
        "model": model,
        "permissionMode": choose_mode(options, settings),
        "credentials": credentials,
        "running": [c.id for c in chats.sessions.values() if c.running],
        "sessions": [
            {
                "sessionId": c.id,
                **camel_keys(
                    {
                        k: v
                        for k, v in c.agent.costs.usage.as_dict().items()
                        if k != "cache_creation_1h_input_tokens"
                    }
                ),
                "costUsd": c.agent.costs.session_usd,
            }
            for c in chats.sessions.values()
        ],
        "costUsd": sum(c.agent.costs.spent_usd for c in chats.sessions.values())
        + ls.ai.costs.spent_usd,
    }


async def commands(ls: ClaudeLanguageServer, params: Any) -> dict[str, Any]:
    from agent.commands import list_commands

    found = await asyncio.to_thread(list_commands, ls.chats.root())
    return {
        "commands": [
            {
                "name": c.name,
                "description": c.description,
                **({"argumentHint": c.argument_hint} if c.argument_hint else {}),
                "source": c.source,
            }
            for c in found
        ]
    }


def capability() -> dict[str, Any]:
    from server.ai_actions import COMMANDS as AI_COMMANDS
    from server.transcript import COMMANDS as EXECUTE_COMMANDS

    return {
        "version": 1,
        "methods": [CHAT, SESSIONS, STATUS, COMMANDS],
        "commands": [*EXECUTE_COMMANDS, *AI_COMMANDS],
    }


def register(server: ClaudeLanguageServer) -> None:
    server.feature(CHAT)(chat)
    server.feature(SESSIONS)(sessions)
    server.feature(STATUS)(status)
    server.feature(COMMANDS)(commands)
