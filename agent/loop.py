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

from agent.client import redact
from agent.context import (
    COMPACT_AT,
    COUNT_AT,
    block_param,
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
from agent.session import Session
from agent.types import (
    EditorPort,
    Event,
    PermissionPolicy,
    PermissionRequest,
    Tool,
    ToolContext,
    ToolResult,
)

if TYPE_CHECKING:
    from anthropic.types import Message as ApiMessage

    from agent.client import ModelClient

log = logging.getLogger(__name__)

Message = dict[str, Any]
CANCELLED = "Cancelled: the user stopped the turn before this tool finished."
TRUNCATED = "Not run: the response hit max_tokens before this call was complete. Retry it."


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
    ) -> None:
        self.client, self.port, self.policy, self.config = client, port, policy, config
        self.session = session
        self.messages: list[Message] = session.messages if session else []
        self.cwd = cwd or (port.roots[0] if port.roots else Path.cwd())
        self.costs = costs or CostTracker(prior_usd=session.cost_usd if session else 0.0)
        self.tools = {tool.name: tool for tool in tools}
        self.tool_params = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in tools
        ]
        self.read_files: dict[Path, str] = {}
        self._baseline_tokens = 0  # prompt + output tokens of the last response
        self._baseline_len = 0  # len(messages) when it was measured
        self._running = False

    async def run(self, prompt: str | list[dict[str, Any]]) -> TurnResult:
        """One user turn. Raises LimitReached, ModelError, or CancelledError; the
        transcript is consistent whichever way it ends."""
        if self._running:
            raise RuntimeError("this agent is already running a turn")
        self._running = True
        content = [{"type": "text", "text": prompt}] if isinstance(prompt, str) else prompt
        self._append({"role": "user", "content": content})
        stop = "error"
        spent_before, usage_before = self.costs.spent_usd, Usage(**self.costs.usage.as_dict())
        timeout = asyncio.timeout(self.config.max_wall_seconds)
        try:
            async with timeout:
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

    async def _loop(self, spent_before: float, usage_before: Usage) -> TurnResult:
        requests = 0
        while True:
            self._check_limits(requests)
            await self._maybe_compact()
            message = await self._request()
            requests += 1
            content = [block_param(block) for block in message.content]
            content = [b for b in content if not (b["type"] == "text" and not b["text"])]
            if content:
                self._append({"role": "assistant", "content": content})
            self._account(message)
            calls = [block for block in content if block["type"] == "tool_use"]
            if calls:
                await self._answer(calls, truncated=message.stop_reason == "max_tokens")
                continue
            if message.stop_reason == "pause_turn":
                continue
            if message.stop_reason == "refusal":
                self.port.emit(Event("error", {"message": "The model declined to continue."}))
            usage = Usage(**self.costs.usage.as_dict())
            for name, value in usage_before.as_dict().items():
                setattr(usage, name, getattr(usage, name) - value)
            return TurnResult(
                stop_reason=message.stop_reason or "end_turn",
                text="".join(b["text"] for b in content if b["type"] == "text"),
                requests=requests,
                cost_usd=self.costs.spent_usd - spent_before,
                session_cost_usd=self.costs.session_usd,
                usage=usage,
            )

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

    async def _request(self) -> ApiMessage:
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

    async def _stream_once(self) -> ApiMessage:
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
        emit = self.port.emit
        async with self.client.messages.stream(**kwargs) as stream:
            async for event in stream:
                if event.type == "text":
                    emit(Event("text", {"text": event.text}))
                elif event.type == "thinking":
                    emit(Event("thinking", {"text": event.thinking}))
            message = await stream.get_final_message()
        if message.stop_reason is None:
            raise _StreamDropped("the stream ended before message_stop")
        return message

    def _account(self, message: ApiMessage) -> None:
        usage = Usage.from_api(message.usage.model_dump())
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
        result = await compact(*args, self.messages, tokens_before=tokens)
        if result is None:
            log.warning("context at %d of %d tokens but nothing to compact", tokens, window)
            return
        self.costs.add(self.config.model, Usage.from_api(result.usage))
        if self.session is not None:
            self.session.replace_messages(result.messages)
        else:
            self.messages[:] = result.messages
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
            denial = await self._permit(tool, call)
            if denial is not None:
                self._result(results, call, ToolResult(denial, is_error=True))
            elif tool.read_only:
                batch.append((tool, call))
            else:
                await self._run_batch(batch, results)
                batch = []
                await self._run_one(tool, call, results)
        await self._run_batch(batch, results)

    async def _permit(self, tool: Tool, call: dict[str, Any]) -> str | None:
        """None when the call may run, else the message the model gets. Denials and the
        user's answers are reported as ``permission`` events."""
        input = call["input"]
        decision, reason = self.policy.decide(tool, input)
        if decision == "allow":
            return None
        summary = tool.summary(input)
        if decision == "deny":
            self._permission_event(call, summary, "deny", "rule", reason)
            return f"Permission denied: {reason}"
        answer = await self.port.ask_permission(PermissionRequest(tool.name, input, summary))
        if answer == "allowAlways":
            self.policy.remember(tool, input)
        allowed = answer in ("allowAlways", "allowOnce")
        self._permission_event(call, summary, "allow" if allowed else "deny", "user", answer)
        return None if allowed else "Permission denied: the user declined this tool call."

    def _permission_event(
        self, call: dict[str, Any], summary: str, decision: str, by: str, reason: str
    ) -> None:
        data = {"id": call["id"], "tool": call["name"], "summary": summary}
        self.port.emit(
            Event("permission", {**data, "decision": decision, "by": by, "reason": reason})
        )

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

        def on_output(text: str) -> None:
            self.port.emit(Event("tool_output", {"id": call_id, "text": redact(text)}))

        ctx = ToolContext(self.port, self.cwd, self.read_files, call_id, on_output)
        try:
            result = await tool.run(call["input"], ctx)
        except Exception as exc:  # a failing tool must not end the session: report it
            log.warning("tool %s failed", tool.name, exc_info=True)
            result = ToolResult(f"{type(exc).__name__}: {exc}", is_error=True)
        self._result(results, call, result)

    def _result(
        self, results: dict[str, dict[str, Any]], call: dict[str, Any], result: ToolResult
    ) -> None:
        result = ToolResult(_redacted(result.content), result.is_error)
        results[call["id"]] = _result_block(call["id"], result.content, result.is_error)
        self.port.emit(
            Event(
                "tool_result",
                {
                    "id": call["id"],
                    "name": call["name"],
                    "content": result.content,
                    "is_error": result.is_error,
                },
            )
        )

    def _append(self, message: Message) -> None:
        if self.session is not None:
            self.session.append(message)
        else:
            self.messages.append(message)


def _redacted(content: Any) -> Any:
    """Tool output without the agent's API key (say a file that holds it was read)."""
    if isinstance(content, str):
        return redact(content)
    if isinstance(content, list):
        return [
            {**b, "text": redact(b["text"])} if isinstance(b.get("text"), str) else b
            for b in content
        ]
    return content


def _result_block(call_id: str, content: Any, is_error: bool) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": content}
    if is_error:
        block["is_error"] = True
    return block
