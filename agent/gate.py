"""Whether a tool call may run: PreToolUse hooks first, then the permission policy,
then the user. Denials and the user's answers are reported as ``permission`` events.

A hook's ``deny`` (or exit 2) blocks; its ``allow`` skips the question but not a deny
rule or the workspace fence; its ``ask`` asks even where the rules would allow.
Notification hooks run while the user is asked.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from agent.bash_network import NETWORK_NOTE
from agent.types import Event, PermissionRequest, Tool

if TYPE_CHECKING:
    from agent.loop import Agent


async def permit(agent: Agent, tool: Tool, call: dict[str, Any]) -> str | None:
    """None when the call may run, else the message the model gets."""
    input = call["input"]
    hook = None
    if agent.hooks is not None and agent.hooks.has("PreToolUse"):
        payload = {**agent.hook_base(), "tool_name": tool.name, "tool_input": input,
                   "tool_use_id": call["id"]}  # fmt: skip
        hook = await agent.hooks.run("PreToolUse", payload, tool.name)
        if hook.stop is not None:
            agent.hook_stop = hook.stop
        if hook.blocked or hook.permission == "deny" or hook.stop is not None:
            why = hook.reason or hook.stop or "a PreToolUse hook denied this call"
            _event(agent, call, tool.summary(input), decision="deny", by="hook", reason=why)
            return f"Blocked by a PreToolUse hook: {why}"
    decision, reason = agent.policy.decide(tool, input)
    summary = tool.summary(input)
    if decision == "deny":
        _event(agent, call, summary, decision="deny", by="rule", reason=reason)
        return f"Permission denied: {reason}"
    if hook is not None and hook.permission == "allow":
        _event(agent, call, summary, decision="allow", by="hook", reason=hook.reason)
        return None
    if decision == "allow" and (hook is None or hook.permission != "ask"):
        return None
    if NETWORK_NOTE in reason:  # the user must know what "allow" opens
        summary = f"{summary} (with network access)"
    answer = await _ask(agent, PermissionRequest(tool.name, input, summary))
    if answer == "allowAlways":
        agent.policy.remember(tool, input)
    elif answer == "allowOnce":
        agent.policy.allowed_once(tool, input)
    allowed = answer in ("allowAlways", "allowOnce")
    _event(agent, call, summary, decision="allow" if allowed else "deny", by="user", reason=answer)
    return None if allowed else "Permission denied: the user declined this tool call."


async def _ask(agent: Agent, request: PermissionRequest) -> str:
    hooks = agent.hooks
    if hooks is None or not hooks.has("Notification"):
        return await agent.port.ask_permission(request)
    message = f"Claude needs your permission to use {request.tool}"
    notify = asyncio.ensure_future(
        hooks.run("Notification", {**agent.hook_base(), "message": message})
    )
    try:
        return await agent.port.ask_permission(request)
    finally:
        await notify


def _event(
    agent: Agent, call: dict[str, Any], summary: str, *, decision: str, by: str, reason: str
) -> None:
    data = {"id": call["id"], "tool": call["name"], "summary": summary}
    agent.port.emit(Event("permission", {**data, "decision": decision, "by": by, "reason": reason}))
