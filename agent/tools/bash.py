"""Bash: run a command in the workspace, streaming its output, with a timeout.

With a sandbox (``agent.sandbox``), the command runs inside it: the workspace and the
system are all it can see, secrets are empty, nothing outside the workspace is
writable, and there is no network unless the settings allow it. Without one (or for
``excludedCommands``) it runs directly, with the same credential-free environment.

The command runs in its own process group (``start_new_session``), so a timeout or a
cancelled turn stops everything it started: SIGTERM to the group, then SIGKILL after a
grace period. Processes the command leaves running in the background are stopped when
it exits too, so nothing outlives the tool call. stdin is closed; stdout and stderr are
merged in the order they arrive and kept bounded (head and tail).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import shutil
import signal
from typing import Any

from agent.client import tool_environment
from agent.sandbox import Prepared, Sandbox
from agent.tools.common import ToolError, guarded, int_arg, string_arg
from agent.types import ToolContext, ToolResult

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000
GRACE_SECONDS = 2.0
HEAD_CHARS = 20_000
TAIL_CHARS = 10_000


class BashTool:
    name = "Bash"
    description = (
        "Runs a bash command in the workspace directory and returns its output (stdout and "
        "stderr merged) and exit code. timeout is in milliseconds (default "
        f"{DEFAULT_TIMEOUT_MS}, at most {MAX_TIMEOUT_MS}); the command and everything it "
        "started are stopped at the timeout, and background processes are stopped when "
        "it exits. stdin is closed, so interactive commands fail. Long output keeps its "
        "start and end. Prefer Read, Edit, Glob and Grep over cat, sed, find and grep."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The command to run"},
            "timeout": {"type": "number", "description": "Timeout in milliseconds (max 600000)"},
            "description": {
                "type": "string",
                "description": "What the command does, in 5-10 words",
            },
        },
        "required": ["command"],
        "additionalProperties": False,
    }
    read_only = False

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        self.sandbox = sandbox

    def summary(self, input: dict[str, Any]) -> str:
        command = " ".join(str(input.get("command", "")).split())
        if len(command) > 200:
            command = command[:199] + "…"
        description = input.get("description")
        return f"Run `{command}`" + (f" ({description})" if description else "")

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: self._run(input, ctx))

    async def _run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        command = string_arg(input, "command") or ""
        if not command.strip():
            raise ToolError("`command` is empty")
        timeout_ms = min(int_arg(input, "timeout") or DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS)
        shell = shutil.which("bash") or "/bin/sh"
        env = {**tool_environment(), "PAGER": "cat", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"}
        argv = [shell, "-c", command]
        prepared: Prepared | None = None
        refused_before = 0
        sandbox = self.sandbox
        if sandbox is not None and sandbox.active and not sandbox.excluded(command):
            prepared = sandbox.prepare(shell, command, ctx.cwd, env)
            argv, env = prepared.argv, prepared.env
            refused_before = len(sandbox.refused_hosts())
        # Our own pipe rather than asyncio's: asyncio's Process.wait() also waits for its
        # pipes to close, which a background child holding stdout would delay forever.
        read_fd, write_fd = os.pipe()
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=ctx.cwd,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                start_new_session=True,
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            os.close(write_fd)
        output = _Bounded()
        pump = asyncio.create_task(_pump(read_fd, output, ctx))
        timed_out = False
        try:
            try:
                code = await asyncio.wait_for(proc.wait(), timeout_ms / 1000)
            except TimeoutError:
                timed_out = True
                code = await _stop(proc)
            _signal_group(proc.pid, signal.SIGKILL)  # whatever it left in the background
            await pump
        except asyncio.CancelledError:
            pump.cancel()
            await asyncio.shield(_stop(proc))
            raise
        text = output.text()
        if prepared is not None and (removed := prepared.restore()):
            note = (
                f"Removed {', '.join(removed)}: the command created it, and commands may not "
                "create protected paths (use Write, which asks the user)."
            )
            text = f"{text}\n{note}" if text else note
        refused = sandbox.refused_hosts()[refused_before:] if prepared and sandbox else []
        if refused:
            note = (
                f"The sandbox refused network access to {', '.join(sorted(set(refused)))} "
                "(not in sandbox.network.allowedDomains)."
            )
            text = f"{text}\n{note}" if text else note
        if timed_out:
            note = f"Command timed out after {timeout_ms / 1000:g} s and was stopped."
            return ToolResult(f"{text}\n{note}" if text else note, is_error=True)
        if code != 0:
            return ToolResult(f"{text}\nExit code {code}" if text else f"Exit code {code}", True)
        return ToolResult(text or "(no output)")


class _Bounded:
    """The first HEAD_CHARS and the last TAIL_CHARS of a stream, counting the rest."""

    def __init__(self) -> None:
        self.head: list[str] = []
        self.head_len = 0
        self.tail = ""
        self.dropped = 0

    def add(self, text: str) -> None:
        room = HEAD_CHARS - self.head_len
        if room > 0:
            self.head.append(text[:room])
            self.head_len += min(room, len(text))
            text = text[room:]
        if not text:
            return
        self.tail += text
        if len(self.tail) > TAIL_CHARS:
            self.dropped += len(self.tail) - TAIL_CHARS
            self.tail = self.tail[-TAIL_CHARS:]

    def text(self) -> str:
        head = "".join(self.head)
        if self.dropped:
            head += f"\n\n… [{self.dropped} characters of output cut] …\n\n"
        return (head + self.tail).rstrip("\n")


async def _pump(read_fd: int, output: _Bounded, ctx: ToolContext) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb", buffering=0)
    )
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    try:
        while chunk := await reader.read(65536):
            text = decoder.decode(chunk)
            if text:
                output.add(text)
                if ctx.on_output is not None:
                    ctx.on_output(text)
        tail = decoder.decode(b"", final=True)
        if tail:
            output.add(tail)
    finally:
        transport.close()


async def _stop(proc: asyncio.subprocess.Process) -> int:
    """SIGTERM the process group, SIGKILL it if it lingers; the exit code. Whatever is
    left in the group once its leader is gone is killed too (a bwrap child stopped
    in the middle of setting up its namespaces ignores SIGTERM)."""
    _signal_group(proc.pid, signal.SIGTERM)
    try:
        return await asyncio.wait_for(proc.wait(), GRACE_SECONDS)
    except TimeoutError:
        _signal_group(proc.pid, signal.SIGKILL)
        return await proc.wait()
    finally:
        _signal_group(proc.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
