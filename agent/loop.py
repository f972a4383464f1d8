"""The agent loop: stream a model turn, run its tool calls, send the results back, until
the model ends its turn, a limit stops it or it is cancelled.

Invariants:
- Every ``tool_use`` gets a ``tool_result`` in the next message, whatever happens: a
  tool that fails, is denied, is cut off by ``max_tokens`` or is cancelled gets an
  ``is_error`` result. An assistant message is stored only once its stream completed, so
  a cancelled or failed stream leaves the transcript as it was: always sendable.
- Assistant content is stored as the API returned it (thinking blocks and signatures
  unchanged) and sent back as such.
- Concurrency: one ``run`` at a time per Agent, on the caller's event loop. Read-only
  tools of one message run concurrently; other tools run one at a time, in order.
  Permission questions are asked one at a time, in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.client import env_redactor
from agent.context import (
    COMPACT_AT,
    COUNT_AT,
    compact,
    context_window,
    count_tokens,
    estimate_tokens,
    with_cache_breakpoints,
)
from agent.cost import CostTracker, Usage
from agent.errors import (
    LimitReached,
    ModelError,
    describe,
    is_transport_error,
    retryable_mid_stream,
)
from agent.gate import permit
from agent.hooks import Hooks, after_tool, at_stop, before_prompt
from agent.mcp_resources import attach_mentions
from agent.secrets import Redactor, StreamRedactor, redact_content
from agent.session import Session
from agent.stream import StreamedMessage, stream_response
from agent.tools.common import check_input
from agent.types import (
    EditorPort,
    Event,
    PermissionPolicy,
    Tool,
    ToolContext,
    ToolResult,
)

if TYPE_CHECKING:
    from agent.checkpoints import Checkpoints
    from agent.client import ModelClient
    from agent.mcp import McpServers

log = logging.getLogger(__name__)

Message = dict[str, Any]
CANCELLED = "Cancelled: the user stopped the turn before this tool finished."
TRUNCATED = "Not run: the response hit max_tokens before this call was complete. Retry it."
MAX_STOP_BLOCKS = 8  # Stop hooks may send the model back to work this often per turn


@dataclass
class AgentConfig:
    model: str
    system: str = ""
    max_tokens: int = 32_000
    thinking: dict[str, Any] | None = None
    max_turns: int | None = None  # model requests per run
    max_budget_usd: float | None = None  # spent by this Agent
    max_wall_seconds: float | None = None  # per run
    stream_retries: int = 3  # mid-stream failures retried by the agent
    retry_delay: float = 1.0  # first backoff, doubled each time
    context_window: int | None = None  # default: the model's


@dataclass
class TurnResult:
    stop_reason: str  # end_turn, max_tokens, refusal, stop_sequence
    text: str  # the text of the last assistant message
    requests: int
    cost_usd: float  # this run
    session_cost_usd: float
    usage: Usage = field(default_factory=Usage)


class _StreamDropped(Exception):
    """The stream ended before ``message_stop``."""


class Agent:
    def __init__(
        self,
        *,
        client: ModelClient,
        port: EditorPort,
        tools: Sequence[Tool],
        policy: PermissionPolicy,
        config: AgentConfig,
        session: Session | None = None,
        cwd: Path | None = None,
        costs: CostTracker | None = None,
        redactor: Redactor | None = None,
        hooks: Hooks | None = None,
        mcp: McpServers | None = None,
        checkpoints: Checkpoints | None = None,
        parent: Agent | None = None,
    ) -> None:
        self.client, self.port, self.policy, self.config = client, port, policy, config
        self.session = session
        self.messages: list[Message] = session.messages if session else []
        self.cwd = cwd or (port.roots[0] if port.roots else Path.cwd())
        self.costs = costs or CostTracker(prior_usd=session.cost_usd if session else 0.0)
        self.tools: dict[str, Tool] = {}
        self.tool_params: list[dict[str, Any]] = []
        self.add_tools(tools)
        self.read_files: dict[Path, str] = {}
        # Secret values kept out of every tool result and streamed output.
        self.redact = redactor if redactor is not None else env_redactor()
        self._baseline_tokens = 0  # prompt + output tokens of the last response
        self._baseline_len = 0  # len(messages) when it was measured
        self._running = False
        self._record_results = False  # see _answer
        self.hooks = hooks
        # SessionStart's source for the first prompt (a door sets "clear" or "compact").
        self.start_source: str | None = "resume" if self.messages else "startup"
        self.hook_stop: str | None = None  # a hook's `continue: false` ends the turn
        self.mcp = mcp  # its servers connect on the first turn, their tools join then
        self.checkpoints = checkpoints  # what each turn changed, for /rewind
        self.parent = parent  # a subagent's (Task): SubagentStop, the session's hook fields

    def add_tools(self, tools: Sequence[Tool]) -> None:
        for t in tools:
            if t.name not in self.tools:
                self.tools[t.name] = t
                schema = {"name": t.name, "description": t.description}
                self.tool_params.append({**schema, "input_schema": t.input_schema})

    async def close(self) -> None:
        """Stop what the session started (MCP servers)."""
        if self.mcp is not None:
            await self.mcp.close()
        if self.checkpoints is not None:
            await self.checkpoints.close()

    async def run(self, prompt: str | list[dict[str, Any]]) -> TurnResult:
        """One user turn. Raises LimitReached, ModelError, or CancelledError; the
        transcript is consistent whichever way it ends."""
        if self._running:
            raise RuntimeError("this agent is already running a turn")
        self._running = True
        content = [{"type": "text", "text": prompt}] if isinstance(prompt, str) else prompt
        stop = "error"
        spent_before, usage_before = self.costs.spent_usd, Usage(**self.costs.usage.as_dict())
        timeout = asyncio.timeout(self.config.max_wall_seconds)
        self.hook_stop = None
        try:
            async with timeout:
                if self.hooks is not None and self.parent is None:
                    start, self.start_source = self.start_source, None
                    content = await before_prompt(self.hooks, self.hook_base(), content, start)
                if self.mcp is not None:
                    self.add_tools(await self.mcp.tools())
                if self.parent is None:  # @server:uri mentions of MCP resources attached
                    content = await attach_mentions(self.mcp, self.policy, self.port, content)
                self._append({"role": "user", "content": content})
                if self.checkpoints is not None and self.session is not None:
                    self.checkpoints.begin_turn(len(self.messages) - 1)  # not a subagent's
                result = await self._loop(spent_before, usage_before)
            stop = result.stop_reason
            return result
        except TimeoutError:
            if not timeout.expired():
                raise
            stop = "max_wall_seconds"
            raise LimitReached(
                "max_wall_seconds", f"Stopped after {self.config.max_wall_seconds:g} s."
            ) from None
        except LimitReached as exc:
            stop = exc.kind
            raise
        except asyncio.CancelledError:
            stop = "cancelled"
            raise
        finally:
            self._running = False
            self.port.emit(Event("turn_end", {"stop_reason": stop}))

    def hook_base(self) -> dict[str, Any]:
        """The fields every hook gets (a subagent's: its session's)."""
        if self.parent is not None:
            return self.parent.hook_base()
        return {
            "session_id": self.session.id if self.session else "",
            "transcript_path": str(self.session.path) if self.session else "",
            "cwd": str(self.cwd),
            "permission_mode": getattr(self.policy, "mode", "default"),
        }

    async def _loop(self, spent_before: float, usage_before: Usage) -> TurnResult:
        requests = stop_blocks = 0
        while True:
            self._check_limits(requests)
            await self._maybe_compact()
            if self.checkpoints is not None:
                self.checkpoints.refresh_soon()
            message = await self._request()
            requests += 1
            content = [b for b in message.content if not (b["type"] == "text" and not b["text"])]
            calls = [dict(block) for block in content if block["type"] == "tool_use"]
            for block in content:
                if block["type"] == "tool_use" and not isinstance(block["input"], dict):
                    block["input"] = {}  # kept sendable; the call gets an error result
            if content:
                self._append({"role": "assistant", "content": content})
            self._account(message)
            if calls:
                await self._answer(calls, truncated=message.stop_reason == "max_tokens")
                if self.hook_stop is None:
                    continue
            elif message.stop_reason == "pause_turn":
                continue
            elif stop_blocks < MAX_STOP_BLOCKS and await self._stop_hook(stop_blocks > 0):
                stop_blocks += 1
                continue
            if self.hook_stop is not None:
                self.port.emit(Event("hook", {"event": "stop", "message": self.hook_stop}))
            elif message.stop_reason == "refusal":
                self.port.emit(Event("error", {"message": "The model declined to continue."}))
            usage = Usage(**self.costs.usage.as_dict())
            for name, value in usage_before.as_dict().items():
                setattr(usage, name, getattr(usage, name) - value)
            stop_reason = message.stop_reason or "end_turn"
            return TurnResult(
                stop_reason="hook_stopped" if self.hook_stop else stop_reason,
                text="".join(b["text"] for b in content if b["type"] == "text"),
                requests=requests,
                cost_usd=self.costs.spent_usd - spent_before,
                session_cost_usd=self.costs.session_usd,
                usage=usage,
            )

    async def _stop_hook(self, active: bool) -> bool:
        """Stop (a subagent: SubagentStop) hooks; True when one sent the model back to work."""
        if self.hooks is None:
            return False
        event = "Stop" if self.parent is None else "SubagentStop"
        again, stop = await at_stop(self.hooks, event, self.hook_base(), active)
        self.hook_stop = stop or self.hook_stop
        if again is not None:
            self._append({"role": "user", "content": [{"type": "text", "text": again}]})
        return again is not None

    def _check_limits(self, requests: int) -> None:
        limit = self.config.max_turns
        if limit is not None and requests >= limit:
            raise LimitReached("max_turns", f"Reached the limit of {limit} turns.")
        budget = self.config.max_budget_usd
        if budget is not None and self.costs.spent_usd >= budget:
            raise LimitReached(
                "max_budget_usd",
                f"Spent ${self.costs.spent_usd:.4f}, reaching the budget of ${budget:g}.",
            )

    # -- the model -------------------------------------------------------------------

    async def _request(self) -> StreamedMessage:
        """One streamed request; mid-stream failures retried with backoff."""
        import anthropic

        attempt = 0
        while True:
            try:
                return await self._stream_once()
            except (anthropic.APIStatusError, anthropic.APIConnectionError) as exc:
                error: Exception = exc
                retryable = retryable_mid_stream(exc)
            except _StreamDropped as exc:
                error, retryable = exc, True
            except json.JSONDecodeError as exc:  # an event whose data is not JSON
                error, retryable = _StreamDropped(f"malformed event stream: {exc}"), True
            except Exception as exc:
                if not is_transport_error(exc):
                    raise
                error, retryable = exc, True
            if not retryable or attempt >= self.config.stream_retries:
                raise ModelError(describe(error)) from error
            attempt += 1
            delay = self.config.retry_delay * 2 ** (attempt - 1) * (1 + random.random() / 4)
            log.warning("model stream failed (%s); retry %d in %.2fs", error, attempt, delay)
            self.port.emit(
                Event("retry", {"attempt": attempt, "error": describe(error), "delay": delay})
            )
            await asyncio.sleep(delay)

    async def _stream_once(self) -> StreamedMessage:
        system, tools, messages = with_cache_breakpoints(
            self.config.system, self.tool_params, self.messages
        )
        kwargs: dict[str, Any] = {
            "model": self.config.model,
            "max_tokens": self.config.max_tokens,
            "messages": messages,
        }
        if system:
            kwargs["system"] = system
        if tools:
            kwargs["tools"] = tools
        if self.config.thinking:
            kwargs["thinking"] = self.config.thinking
        message = await stream_response(self.client, kwargs, self.port.emit)
        if message.stop_reason is None or not message.complete:
            raise _StreamDropped("the stream ended before message_stop")
        return message

    def _account(self, message: StreamedMessage) -> None:
        usage = Usage.from_api(message.usage)
        cost = self.costs.add(self.config.model, usage)
        if self.session is not None:
            self.session.record_usage(self.config.model, usage.as_dict(), cost)
        self._baseline_tokens = usage.prompt_tokens + usage.output_tokens
        self._baseline_len = len(self.messages)
        self.port.emit(
            Event(
                "usage",
                {
                    "input_tokens": usage.input_tokens,
                    "output_tokens": usage.output_tokens,
                    "cache_creation_input_tokens": usage.cache_creation_input_tokens,
                    "cache_read_input_tokens": usage.cache_read_input_tokens,
                    "cost_usd": cost,
                    "session_cost_usd": self.costs.session_usd,
                },
            )
        )

    async def _maybe_compact(self) -> None:
        window = self.config.context_window or context_window(self.config.model)
        if self._baseline_tokens:
            estimate = self._baseline_tokens + estimate_tokens(self.messages[self._baseline_len :])
        else:
            estimate = estimate_tokens([self.config.system, self.tool_params, self.messages])
        if estimate < COUNT_AT * window:
            return
        args = (self.client, self.config.model, self.config.system, self.tool_params)
        tokens = await count_tokens(*args, self.messages)
        if tokens < COMPACT_AT * window:
            return
        if self.hooks is not None:
            payload = {**self.hook_base(), "trigger": "auto", "custom_instructions": ""}
            await self.hooks.run("PreCompact", payload, "auto")
        result = await compact(*args, self.messages, tokens_before=tokens)
        if result is None:
            log.warning("context at %d of %d tokens but nothing to compact", tokens, window)
            return
        self.costs.add(self.config.model, Usage.from_api(result.usage))
        if self.session is not None:
            self.session.replace_messages(result.messages)
        else:
            self.messages[:] = result.messages
        if self.checkpoints is not None:
            self.checkpoints.forget_messages()
        self._baseline_tokens, self._baseline_len = result.tokens_after, len(self.messages)
        self.port.emit(
            Event(
                "compacted",
                {"tokens_before": result.tokens_before, "tokens_after": result.tokens_after},
            )
        )

    # -- tools -----------------------------------------------------------------------

    async def _answer(self, calls: list[dict[str, Any]], *, truncated: bool) -> None:
        """Run the calls and append their results, all of them, even when cancelled."""
        results: dict[str, dict[str, Any]] = {}
        # With several calls, each result goes to the transcript at once (a kill between
        # two tools must not lose the first one's result); one call is answered at once.
        self._record_results = len(calls) > 1
        try:
            if truncated:
                for call in calls:
                    self._result(results, call, ToolResult(TRUNCATED, is_error=True))
            else:
                await self._run_calls(calls, results)
        finally:
            self._append(
                {
                    "role": "user",
                    "content": [
                        results.get(c["id"]) or _result_block(c["id"], CANCELLED, True)
                        for c in calls
                    ],
                }
            )

    async def _run_calls(
        self, calls: list[dict[str, Any]], results: dict[str, dict[str, Any]]
    ) -> None:
        batch: list[tuple[Tool, dict[str, Any]]] = []
        for call in calls:
            self.port.emit(
                Event("tool_call", {"id": call["id"], "name": call["name"], "input": call["input"]})
            )
            tool = self.tools.get(call["name"])
            if tool is None:
                self._result(results, call, ToolResult(f"No such tool: {call['name']}", True))
                continue
            problem = check_input(tool.input_schema, call["input"])
            if problem is not None:
                self._result(results, call, ToolResult(f"Invalid input: {problem}", True))
                continue
            denial = await permit(self, tool, call)
            if denial is not None:
                self._result(results, call, ToolResult(denial, is_error=True))
            elif tool.read_only:
                batch.append((tool, call))
            else:
                await self._run_batch(batch, results)
                batch = []
                await self._run_one(tool, call, results)
        await self._run_batch(batch, results)

    async def _run_batch(
        self, batch: list[tuple[Tool, dict[str, Any]]], results: dict[str, dict[str, Any]]
    ) -> None:
        if len(batch) == 1:
            await self._run_one(*batch[0], results)
        elif batch:
            async with asyncio.TaskGroup() as group:
                for tool, call in batch:
                    group.create_task(self._run_one(tool, call, results))

    async def _run_one(
        self, tool: Tool, call: dict[str, Any], results: dict[str, dict[str, Any]]
    ) -> None:
        call_id = call["id"]
        stream = StreamRedactor(self.redact)

        def show(text: str) -> None:
            if text:
                self.port.emit(Event("tool_output", {"id": call_id, "text": text}))

        ctx = ToolContext(
            self.port, self.cwd, self.read_files, call_id, lambda t: show(stream.feed(t))
        )
        saved = self.checkpoints
        mark = await saved.before_tool(tool.name, call["input"], tool.read_only) if saved else None
        try:
            result = await tool.run(call["input"], ctx)
        except Exception as exc:  # a failing tool must not end the session: report it
            log.warning("tool %s failed", tool.name, exc_info=True)
            result = ToolResult(f"{type(exc).__name__}: {exc}", is_error=True)
        finally:
            show(stream.flush())
            if saved is not None and mark is not None:
                await saved.after_tool(mark)
        if self.hooks is not None and self.hooks.has("PostToolUse") and not result.is_error:
            base = {**self.hook_base(), "tool_use_id": call_id}
            args = (self.hooks, base, tool.name, call["input"], result.content)
            content, stop = await after_tool(*args)
            result = ToolResult(content, result.is_error)
            self.hook_stop = self.hook_stop or stop
        self._result(results, call, result)

    def _result(
        self, results: dict[str, dict[str, Any]], call: dict[str, Any], result: ToolResult
    ) -> None:
        result = ToolResult(redact_content(result.content, self.redact), result.is_error)
        results[call["id"]] = _result_block(call["id"], result.content, result.is_error)
        if self.session is not None and self._record_results:
            self.session.record_result(results[call["id"]])
        data = {"id": call["id"], "name": call["name"], "content": result.content}
        self.port.emit(Event("tool_result", {**data, "is_error": result.is_error}))

    def _append(self, message: Message) -> None:
        if self.session is not None:
            self.session.append(message)
        else:
            self.messages.append(message)


def _result_block(call_id: str, content: Any, is_error: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": content}
    if is_error:
        block["is_error"] = True
    return block
