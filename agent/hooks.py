"""Claude Code's hooks: user commands that run at fixed points of a session.

Configured under ``hooks`` in the settings files (every file's hooks apply)::

    {"hooks": {"PreToolUse": [{"matcher": "Edit|Write",
                               "hooks": [{"type": "command", "command": "…", "timeout": 30}]}]}}

``matcher`` is a regular expression that must match the whole tool name (``PreToolUse``,
``PostToolUse``), the start source (``SessionStart``: startup, resume, clear, compact) or
the trigger (``PreCompact``: manual, auto); empty or ``*`` matches everything, and other
events ignore it. Every matching command of an event runs at once, in parallel, in a
shell in the project folder with ``CLAUDE_PROJECT_DIR`` set; it gets the event as JSON
on stdin (``session_id``, ``transcript_path``, ``cwd``, ``permission_mode``,
``hook_event_name`` and the event's own fields).

What it answers, as in Claude Code:
- exit 0: stdout may be a JSON object: ``continue: false`` (+ ``stopReason``) ends the
  turn, ``systemMessage`` is shown to the user, ``decision: "block"`` + ``reason`` blocks
  (PreToolUse also ``approve``), ``hookSpecificOutput.permissionDecision`` allow / deny /
  ask (+ ``permissionDecisionReason``) and ``hookSpecificOutput.additionalContext``.
  Plain stdout of UserPromptSubmit and SessionStart is context for the model.
- exit 2: blocks; stderr goes to the model (to the user for UserPromptSubmit; for
  SessionStart, PreCompact and Notification, which cannot block, only to the user).
- any other exit: a non-blocking error, shown to the user.
- a hook that outlives its ``timeout`` (seconds, default 60), or whose turn is cancelled,
  is killed with its whole process group.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.types import Event

log = logging.getLogger(__name__)

EVENTS = (
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "Stop",
    "SubagentStop",
    "SessionStart",
    "PreCompact",
    "Notification",
)
CANNOT_BLOCK = frozenset({"SessionStart", "PreCompact", "Notification"})
DEFAULT_TIMEOUT = 60.0
MAX_TEXT = 10_000  # characters of a hook's output passed on


@dataclass(frozen=True)
class HookCommand:
    command: str
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class HookGroup:
    matcher: str
    commands: tuple[HookCommand, ...]

    def matches(self, value: str | None) -> bool:
        if value is None or self.matcher in ("", "*"):
            return True
        try:
            return re.fullmatch(self.matcher, value) is not None
        except re.error:
            return self.matcher == value


@dataclass
class HookOutcome:
    """What the hooks of one event said, combined."""

    blocked: bool = False  # exit 2 or decision "block"
    reason: str = ""  # why, for the model (for the user on UserPromptSubmit)
    permission: str | None = None  # PreToolUse: allow, deny or ask (deny wins)
    context: list[str] = field(default_factory=list)  # additionalContext for the model
    stop: str | None = None  # continue: false, with its stopReason

    def context_text(self) -> str:
        return "\n".join(self.context)


def parse_hooks(data: Any, source: Path, warnings: list[str]) -> dict[str, list[HookGroup]]:
    """The ``hooks`` object of one settings file; bad entries are skipped with a warning."""
    found: dict[str, list[HookGroup]] = {}
    if data is None:
        return found
    if not isinstance(data, dict):
        warnings.append(f"{source}: `hooks` should be an object; ignored")
        return found
    for event, groups in data.items():
        if event not in EVENTS:
            warnings.append(f"{source}: unknown hook event {event!r}; ignored")
            continue
        if not isinstance(groups, list):
            warnings.append(f"{source}: `hooks.{event}` should be a list; ignored")
            continue
        for group in groups:
            parsed = _group(group, f"{source}: hooks.{event}", warnings)
            if parsed is not None:
                found.setdefault(event, []).append(parsed)
    return found


def _group(group: Any, where: str, warnings: list[str]) -> HookGroup | None:
    if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
        warnings.append(f"{where}: each entry needs a `hooks` list; ignored")
        return None
    matcher = group.get("matcher") or ""
    if not isinstance(matcher, str):
        warnings.append(f"{where}: `matcher` should be a string; ignored")
        return None
    commands = []
    for hook in group["hooks"]:
        if not isinstance(hook, dict) or hook.get("type") != "command":
            warnings.append(f"{where}: only hooks of type `command` run here; skipped {hook!r}")
            continue
        command, timeout = hook.get("command"), hook.get("timeout", DEFAULT_TIMEOUT)
        if not isinstance(command, str) or not command.strip():
            warnings.append(f"{where}: a hook without a `command`; skipped")
            continue
        if not isinstance(timeout, int | float) or timeout <= 0:
            warnings.append(f"{where}: `timeout` should be a positive number; using 60")
            timeout = DEFAULT_TIMEOUT
        commands.append(HookCommand(command, float(timeout)))
    return HookGroup(matcher, tuple(commands)) if commands else None


@dataclass
class _Run:
    command: HookCommand
    code: int | None  # None: timed out
    stdout: str
    stderr: str


class Hooks:
    """The hooks of one session. ``emit`` shows messages to the user (``hook`` events)."""

    def __init__(
        self,
        groups: dict[str, list[HookGroup]],
        cwd: Path,
        emit: Callable[[Event], None] | None = None,
    ) -> None:
        self.groups, self.cwd, self.emit = groups, cwd, emit

    def has(self, event: str) -> bool:
        return bool(self.groups.get(event))

    async def run(
        self, event: str, payload: dict[str, Any], match: str | None = None
    ) -> HookOutcome:
        commands: list[HookCommand] = []
        for group in self.groups.get(event, []):
            if group.matches(match):
                commands.extend(c for c in group.commands if c not in commands)
        outcome = HookOutcome()
        if not commands:
            return outcome
        data = json.dumps({**payload, "hook_event_name": event}, ensure_ascii=False, default=str)
        runs = await asyncio.gather(*(self._run(c, data) for c in commands))
        for run in runs:
            self._interpret(event, run, outcome)
        return outcome

    async def _run(self, hook: HookCommand, stdin: str) -> _Run:
        env = {**os.environ, "CLAUDE_PROJECT_DIR": str(self.cwd)}
        proc = await asyncio.create_subprocess_exec(
            "bash",
            "-c",
            hook.command,
            cwd=self.cwd,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group: a timeout kills all of it
        )
        try:
            async with asyncio.timeout(hook.timeout):
                out, err = await proc.communicate(stdin.encode())
        except TimeoutError:
            await _kill(proc)
            return _Run(hook, None, "", f"timed out after {hook.timeout:g} s")
        finally:
            if proc.returncode is None:  # cancelled: the turn was stopped
                await _kill(proc)
        text = out.decode(errors="replace")[:MAX_TEXT], err.decode(errors="replace")[:MAX_TEXT]
        return _Run(hook, proc.returncode, *text)

    def _interpret(self, event: str, run: _Run, outcome: HookOutcome) -> None:
        name = f"{event} hook `{_brief(run.command.command)}`"
        if run.code == 2 and event in CANNOT_BLOCK:  # Claude Code: stderr to the user only
            self._tell(event, f"{name} exited 2: {run.stderr.strip()}".rstrip(": "))
            return
        if run.code == 2:
            outcome.blocked = True
            _add_reason(outcome, run.stderr.strip() or f"blocked by the {name}")
            return
        if run.code != 0:
            what = "timed out" if run.code is None else f"failed (exit {run.code})"
            self._tell(event, f"{name} {what}: {run.stderr.strip()}".rstrip(": "))
            return
        reply = _json_object(run.stdout)
        if reply is None:
            if event in ("UserPromptSubmit", "SessionStart") and run.stdout.strip():
                outcome.context.append(run.stdout.strip())
            elif run.stdout.strip():
                log.info("%s: %s", name, run.stdout.strip())
            return
        if reply.get("continue") is False:
            outcome.stop = str(reply.get("stopReason") or f"stopped by the {name}")
        if isinstance(reply.get("systemMessage"), str):
            self._tell(event, reply["systemMessage"])
        decision, reason = reply.get("decision"), reply.get("reason")
        if decision == "block":
            outcome.blocked = True
            _add_reason(outcome, str(reason or f"blocked by the {name}"))
        elif decision == "approve" and event == "PreToolUse":
            _add_permission(outcome, "allow", reason)
        specific = reply.get("hookSpecificOutput")
        if isinstance(specific, dict):
            permission = specific.get("permissionDecision")
            if event == "PreToolUse" and permission in ("allow", "deny", "ask"):
                _add_permission(outcome, permission, specific.get("permissionDecisionReason"))
            context = specific.get("additionalContext")
            if isinstance(context, str) and context.strip():
                outcome.context.append(context.strip())

    def _tell(self, event: str, message: str) -> None:
        log.info("%s", message)
        if self.emit is not None:
            self.emit(Event("hook", {"event": event, "message": message}))


def _add_reason(outcome: HookOutcome, reason: str) -> None:
    outcome.reason = f"{outcome.reason}\n{reason}" if outcome.reason else reason


def _add_permission(outcome: HookOutcome, decision: str, reason: Any) -> None:
    rank = {None: 0, "allow": 1, "ask": 2, "deny": 3}
    if rank[decision] > rank[outcome.permission]:
        outcome.permission = decision
    if isinstance(reason, str) and reason.strip():
        _add_reason(outcome, reason.strip())


def _json_object(text: str) -> dict[str, Any] | None:
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


async def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            await proc.wait()


def _brief(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- the points of the loop ----------------------------------------------------------


async def before_prompt(
    hooks: Hooks, base: dict[str, Any], content: list[dict[str, Any]], start: str | None
) -> list[dict[str, Any]]:
    """SessionStart (``start`` is its source, on a session's first prompt) and
    UserPromptSubmit: the content to send, with the hooks' context added. Raises
    HookBlocked when a hook refuses the prompt."""
    from agent.errors import HookBlocked

    extra: list[str] = []
    if start is not None and hooks.has("SessionStart"):
        outcome = await hooks.run("SessionStart", {**base, "source": start}, start)
        extra.extend(outcome.context)
    if hooks.has("UserPromptSubmit"):
        prompt = "\n".join(b["text"] for b in content if b.get("type") == "text")
        outcome = await hooks.run("UserPromptSubmit", {**base, "prompt": prompt})
        if outcome.blocked or outcome.stop is not None:
            reason = outcome.reason or outcome.stop or "no reason given"
            raise HookBlocked(f"A UserPromptSubmit hook blocked the prompt: {reason}")
        extra.extend(outcome.context)
    if not extra:
        return content
    return [*content, {"type": "text", "text": "\n".join(extra)}]


async def after_tool(
    hooks: Hooks,
    base: dict[str, Any],
    name: str,
    input: dict[str, Any],
    content: str | list[dict[str, Any]],
) -> tuple[str | list[dict[str, Any]], str | None]:
    """PostToolUse for a call that succeeded: the result content with what the hooks
    tell the model appended, and the stop reason when a hook ends the turn."""
    payload = {**base, "tool_name": name, "tool_input": input, "tool_response": content}
    outcome = await hooks.run("PostToolUse", payload, name)
    notes = [f"PostToolUse hook: {outcome.reason}"] if outcome.blocked else []
    notes.extend(outcome.context)
    if notes:
        text = "\n".join(notes)
        if isinstance(content, str):
            content = f"{content}\n\n{text}"
        else:
            content = [*content, {"type": "text", "text": text}]
    return content, outcome.stop


async def at_stop(
    hooks: Hooks, event: str, base: dict[str, Any], active: bool
) -> tuple[str | None, str | None]:
    """Stop or SubagentStop (``active``: a Stop hook already sent the model back this
    turn): the reason to send the model back to work with, or None; and the stop
    reason when a hook ends the turn (``continue: false``, which wins)."""
    if not hooks.has(event):
        return None, None
    outcome = await hooks.run(event, {**base, "stop_hook_active": active})
    if outcome.stop is not None or not outcome.blocked:
        return None, outcome.stop
    return outcome.reason or f"A {event} hook asked to continue.", None
