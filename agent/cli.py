"""``claude-lsp chat``: the agent headless (``-p PROMPT``) or at an interactive prompt.

Output: with ``-p`` the model's text goes to stdout and tool activity to stderr
(``--output-format text``), or one JSON result object (``json``), or one JSON object per
event then the result (``stream-json``). Exit codes: 0 done, 1 error (also a refusal),
2 a limit reached (``--max-turns``, ``--max-budget-usd``, ``--max-seconds``, or the
model's ``max_tokens``), 130 interrupted by Ctrl-C (reported like any other end, with
every tool call answered). ``--help`` documents the JSON shapes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, get_args

from agent.errors import AgentError, LimitReached, SandboxUnavailable
from agent.loop import Agent, TurnResult
from agent.slash import is_clear
from agent.types import Event, PermissionMode

if TYPE_CHECKING:
    from agent.sandbox import Sandbox
    from agent.settings import Settings

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ERROR, EXIT_LIMIT, EXIT_INTERRUPTED = 0, 1, 2, 130
IDLE_NOTIFY_SECONDS = 60.0  # Claude Code's: Notification hooks when the prompt waits this long

EPILOG = """\
output formats (-p):
  text         the model's text on stdout; tool activity and a summary line on stderr
  json         one object on stdout when the task ends:
               {"type": "result", "session_id", "subtype", "is_error", "result",
                "stop_reason", "num_turns", "cost_usd", "total_cost_usd",
                "session_cost_usd", "usage": {"input_tokens", "output_tokens",
                "cache_creation_input_tokens", "cache_read_input_tokens"},
                "duration_ms"}
               subtype: success, error_max_turns, error_max_budget_usd,
               error_max_wall_seconds, error_max_tokens, error_refusal,
               error_during_execution, error_interrupted
  stream-json  one object per line: {"type": "system", "subtype": "init", ...}, then
               one per event ({"type": "text" | "thinking" | "tool_call" |
               "tool_result" | "tool_output" | "usage" | "retry" | "compacted" |
               "hook" | "mcp" | "error" | "turn_end", "session_id", ...}), then the json result

exit codes: 0 done, 1 error (also a refusal, no credentials), 2 a limit reached,
130 interrupted (Ctrl-C; the transcript stays resumable)

credentials: ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), ANTHROPIC_BASE_URL;
CLAUDE_CODE_USE_BEDROCK=1 or CLAUDE_CODE_USE_VERTEX=1 for a cloud provider
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="claude-lsp chat",
        description="Run the coding agent.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "-p", "--print", dest="prompt", metavar="PROMPT", help="run one task headless and exit"
    )
    p.add_argument("--output-format", choices=("text", "json", "stream-json"), default="text")
    p.add_argument("--permission-mode", choices=get_args(PermissionMode))
    p.add_argument(
        "--allowedTools",
        "--allowed-tools",
        dest="allowed",
        action="append",
        default=[],
        metavar="RULES",
        help="rules to allow, comma or space separated",
    )
    p.add_argument(
        "--disallowedTools",
        "--disallowed-tools",
        dest="disallowed",
        action="append",
        default=[],
        metavar="RULES",
    )
    p.add_argument("--model")
    p.add_argument("--max-turns", type=int)
    p.add_argument("--max-budget-usd", type=float)
    p.add_argument("--max-seconds", type=float, help="wall time per task")
    group = p.add_mutually_exclusive_group()
    group.add_argument("-r", "--resume", metavar="ID", help="resume a session by id")
    group.add_argument(
        "-c",
        "--continue",
        dest="cont",
        action="store_true",
        help="continue the latest session in this directory",
    )
    p.add_argument(
        "--fork-session",
        action="store_true",
        help="with --resume/--continue: continue in a new session",
    )
    p.add_argument("--cwd", type=Path, help="workspace directory (default: current)")
    p.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    return p


def split_rules(values: list[str]) -> list[str]:
    """``["Bash(git diff:*),Edit", "Read"]`` → three rules (commas inside () kept)."""
    rules: list[str] = []
    for value in values:
        depth, current = 0, ""
        for char in value:
            depth += (char == "(") - (char == ")")
            if depth == 0 and (char == "," or char.isspace()):
                if current:
                    rules.append(current)
                current = ""
            else:
                current += char
        if current:
            rules.append(current)
    return rules


@dataclass
class Renderer:
    """Turns events into the chosen output format."""

    format: str
    out: TextIO
    err: TextIO
    session_id: str = ""
    text: list[str] = field(default_factory=list)

    def event(self, event: Event) -> None:
        data = event.data
        if self.format == "stream-json":
            self._json({"type": event.kind, "session_id": self.session_id, **data})
            return
        if event.kind == "text":
            self.text.append(data["text"])
            if self.format == "text":
                self.out.write(data["text"])
                self.out.flush()
        elif event.kind == "tool_call":
            self.err.write(f"\n● {data['name']} {_brief(data['input'])}\n")
        elif event.kind == "tool_output":
            self.err.write(data["text"])
        elif event.kind == "tool_result" and data["is_error"]:
            self.err.write(f"  ✗ {_brief(data['content'])}\n")
        elif event.kind == "retry":
            self.err.write(f"retrying ({data['attempt']}) after: {data['error']}\n")
        elif event.kind == "compacted":
            self.err.write(
                f"context compacted: {data['tokens_before']} → ~{data['tokens_after']} tokens\n"
            )
        elif event.kind == "error":
            self.err.write(f"error: {data['message']}\n")
        elif event.kind in ("hook", "mcp"):
            self.err.write(f"{event.kind}: {data['message']}\n")
        self.err.flush()

    def start(self, model: str, cwd: Path, mode: str, tools: list[str], sandbox: str) -> None:
        if self.format == "stream-json":
            self._json(
                {
                    "type": "system",
                    "subtype": "init",
                    "session_id": self.session_id,
                    "model": model,
                    "cwd": str(cwd),
                    "permissionMode": mode,
                    "tools": tools,
                    "sandbox": sandbox,
                }
            )

    def result(self, outcome: dict[str, Any]) -> None:
        outcome = {"type": "result", "session_id": self.session_id, **outcome}
        if self.format == "text":
            if self.text and not "".join(self.text).endswith("\n"):
                self.out.write("\n")
            if outcome["is_error"]:
                self.err.write(f"error: {outcome['result']}\n")
            self.err.write(
                f"[{outcome['subtype']} · {outcome['num_turns']} requests · "
                f"${outcome['cost_usd']:.4f} (session ${outcome['session_cost_usd']:.4f}) · "
                f"session {self.session_id}]\n"
            )
        else:
            self._json(outcome)
        self.text.clear()
        self.out.flush()
        self.err.flush()

    def _json(self, data: dict[str, Any]) -> None:
        self.out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        self.out.flush()


def _brief(value: object, limit: int = 160) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _outcome(
    result: TurnResult | None,
    error: BaseException | None,
    started: float,
    spent_before: float,
    agent: Agent,
) -> tuple[int, dict[str, Any]]:
    if isinstance(error, LimitReached):
        code, subtype, text = EXIT_LIMIT, f"error_{error.kind}", str(error)
    elif isinstance(error, asyncio.CancelledError):
        code, subtype, text = EXIT_INTERRUPTED, "error_interrupted", "Interrupted by the user."
    elif error is not None:
        code, subtype, text = EXIT_ERROR, "error_during_execution", str(error)
    else:
        assert result is not None
        text, subtype = result.text, "success"
        code = EXIT_OK
        if result.stop_reason == "max_tokens":
            code, subtype = EXIT_LIMIT, "error_max_tokens"
        elif result.stop_reason == "refusal":
            code, subtype = EXIT_ERROR, "error_refusal"
    costs = agent.costs
    return code, {
        "subtype": subtype,
        "is_error": code != EXIT_OK,
        "result": text,
        "stop_reason": result.stop_reason if result else None,
        "num_turns": result.requests if result else costs.requests,
        "cost_usd": costs.spent_usd - spent_before,  # this task
        "total_cost_usd": costs.spent_usd,  # this process
        "session_cost_usd": costs.session_usd,
        "usage": costs.usage.as_dict(),
        "duration_ms": int((time.monotonic() - started) * 1000),
    }


async def _turn(agent: Agent, prompt: str) -> TurnResult:
    """A prompt, or a slash command: a built-in answers without a turn, a custom command
    runs the turn its file describes."""
    from agent.slash import Answer, command_turn, prepare

    spent, requests = agent.costs.spent_usd, agent.costs.requests
    prepared = await prepare(agent, prompt)
    if prepared is None:
        return await agent.run(prompt)
    if not isinstance(prepared, Answer):
        with command_turn(agent, prepared):
            return await agent.run(prepared.prompt)
    if prepared.error:
        raise AgentError(prepared.text)
    agent.port.emit(Event("text", {"text": prepared.text}))
    return TurnResult(
        stop_reason="end_turn",
        text=prepared.text,
        requests=agent.costs.requests - requests,
        cost_usd=agent.costs.spent_usd - spent,
        session_cost_usd=agent.costs.session_usd,
    )


async def _run_once(agent: Agent, prompt: str, renderer: Renderer) -> int:
    """One task; Ctrl-C stops it (the transcript stays consistent) and is reported."""
    started, spent_before = time.monotonic(), agent.costs.spent_usd
    result: TurnResult | None = None
    error: BaseException | None = None
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(_turn(agent, prompt))
    loop.add_signal_handler(signal.SIGINT, task.cancel)
    try:
        result = await task
    except AgentError as exc:
        error = exc
    except asyncio.CancelledError as exc:
        if not task.cancelled():
            raise  # this coroutine itself was cancelled, not the turn
        error = exc
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    code, outcome = _outcome(result, error, started, spent_before, agent)
    renderer.result(outcome)
    return code


async def _interactive(
    agent: Agent, renderer: Renderer, stdin: TextIO, fresh: Callable[[], Agent]
) -> int:
    renderer.err.write(
        f"claude-lsp chat · session {renderer.session_id} · Ctrl-C stops a turn, "
        "Ctrl-D or /exit quits\n"
    )
    try:
        while True:
            renderer.err.write("\n> ")
            renderer.err.flush()
            line = await _read_line(agent, stdin)
            if not line or line.strip() in ("/exit", "/quit"):
                return EXIT_OK
            if not line.strip():
                continue
            if is_clear(line):
                agent = await _clear(agent, renderer, fresh)
                continue
            if await _run_once(agent, line.strip(), renderer) == EXIT_INTERRUPTED:
                renderer.err.write("\n[stopped]\n")
    finally:
        await agent.close()
        if agent.session is not None:
            agent.session.close()


async def _read_line(agent: Agent, stdin: TextIO) -> str:
    """The next line typed; Notification hooks run once when it takes
    ``IDLE_NOTIFY_SECONDS`` ("Claude is waiting for your input", as in Claude Code)."""
    reading = asyncio.ensure_future(asyncio.to_thread(stdin.readline))
    hooks = agent.hooks
    if hooks is None or not hooks.has("Notification"):
        return await reading
    done, _ = await asyncio.wait({reading}, timeout=IDLE_NOTIFY_SECONDS)
    if done:
        return reading.result()
    message = "Claude is waiting for your input"
    notify = asyncio.ensure_future(
        hooks.run("Notification", {**agent.hook_base(), "message": message})
    )
    try:
        return await reading
    finally:
        await notify  # the hook is not cut short by the user's answer


async def _clear(agent: Agent, renderer: Renderer, fresh: Callable[[], Agent]) -> Agent:
    """``/clear``: a new session; the old one stays resumable."""
    old = renderer.session_id
    await agent.close()
    if agent.session is not None:
        agent.session.close()
    agent = fresh()
    agent.start_source = "clear"
    assert agent.session is not None
    renderer.session_id = agent.session.id
    renderer.err.write(f"Started a new conversation. The previous one ({old}) can be resumed.\n")
    return agent


def open_sandbox(settings: Settings, roots: list[Path], err: TextIO) -> Sandbox:
    """The session's sandbox; without one, say so once (or stop, when the settings
    say ``failIfUnavailable``)."""
    from agent.sandbox import Sandbox, load_sandbox_settings

    sandbox_settings = load_sandbox_settings(settings.sources, settings.untrusted_sources)
    sandbox = Sandbox(sandbox_settings, roots)
    if not sandbox.active:
        if sandbox.settings.fail_if_unavailable:
            raise SandboxUnavailable(f"{sandbox.describe()}; sandbox.failIfUnavailable is set")
        err.write(
            f"warning: {sandbox.describe()}. Bash commands run unsandboxed: those that are "
            "not plainly read-only ask first.\n"
        )
        err.flush()
    return sandbox


async def _chat(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    from agent.builder import AgentOptions, build_agent, choose_mode, project_settings
    from agent.client import make_client
    from agent.fsport import FileSystemPort
    from agent.session import Session, SessionStore

    cwd = (args.cwd or Path.cwd()).resolve()
    settings = project_settings(cwd)
    client = make_client(os.environ)
    store = SessionStore()
    session: Session | None = None
    if args.resume:
        session = store.load(args.resume)
    elif args.cont:
        session = store.latest(cwd)  # none yet: a new one below
    if session is not None and args.fork_session:
        session.close()
        session = store.fork(session.id)
    options = AgentOptions(
        cwd=cwd,
        model=args.model,
        permission_mode=args.permission_mode,
        allowed=split_rules(args.allowed),
        disallowed=split_rules(args.disallowed),
        max_turns=args.max_turns,
        max_budget_usd=args.max_budget_usd,
        max_wall_seconds=args.max_seconds,
    )
    renderer = Renderer(args.output_format, out, err)
    interactive = args.prompt is None
    roots = [cwd, *(cwd / d for d in settings.additional_directories)]
    sandbox = open_sandbox(settings, roots, err)
    if note := settings.untrusted_note(cwd):
        err.write(f"warning: {note}.\n")
    port = FileSystemPort(
        roots, interactive and stdin.isatty(), out, err, stdin=stdin, on_event=renderer.event
    )

    def fresh() -> Agent:
        return build_agent(options, port, client, store, settings=settings, sandbox=sandbox)

    agent = build_agent(
        options, port, client, store, session=session, settings=settings, sandbox=sandbox
    )
    assert agent.session is not None
    renderer.session_id = agent.session.id
    mode = choose_mode(options, settings)
    renderer.start(agent.config.model, cwd, mode, list(agent.tools), sandbox.describe())
    try:
        if interactive:
            return await _interactive(agent, renderer, stdin, fresh)
        if is_clear(args.prompt):
            agent = await _clear(agent, renderer, fresh)
            return EXIT_OK
        return await _run_once(agent, args.prompt, renderer)
    finally:
        await agent.close()
        if agent.session is not None:
            agent.session.close()
        sandbox.close()
        await client.close()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["chat"]:
        argv = argv[1:]
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(_chat(args, sys.stdin, sys.stdout, sys.stderr))
    except AgentError as exc:  # no credentials, unknown session: before any turn ran
        sys.stderr.write(f"error: {exc}\n")
        if args.output_format in ("json", "stream-json"):
            # Scripts reading stdout get the documented result object, not silence.
            result = {
                "type": "result",
                "subtype": "error_during_execution",
                "is_error": True,
                "result": str(exc),
            }
            sys.stdout.write(json.dumps(result) + "\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
