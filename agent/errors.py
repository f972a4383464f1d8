"""Exceptions the agent uses for control flow and for errors a person must act on."""

from __future__ import annotations

import sys
from typing import Literal

LimitKind = Literal["max_turns", "max_budget_usd", "max_wall_seconds"]


class AgentError(Exception):
    """Base class: a failure the caller reports as one clear message."""


class NoCredentials(AgentError):
    """No way to authenticate with the chosen provider."""


class LimitReached(AgentError):
    """A configured limit stopped the turn; the transcript is consistent."""

    def __init__(self, kind: LimitKind, message: str) -> None:
        super().__init__(message)
        self.kind: LimitKind = kind


class ModelError(AgentError):
    """The model request failed for good (after the SDK's and the agent's retries)."""


class SandboxUnavailable(AgentError):
    """``sandbox.failIfUnavailable`` is set and no OS sandbox can run Bash here."""


class HookBlocked(AgentError):
    """A UserPromptSubmit hook refused the prompt; nothing was sent or stored."""


class SessionNotFound(AgentError):
    """No stored session matches the id asked for."""


def retryable_mid_stream(exc: Exception) -> bool:
    """Mid-stream errors and dropped connections. Errors with an HTTP status before the
    stream started were already retried by the SDK where that made sense."""
    import anthropic

    if isinstance(exc, anthropic.APIConnectionError):
        return True
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        kind = error.get("type") if isinstance(error, dict) else None
        mid_stream = exc.response.status_code == 200
        return mid_stream and kind in {"overloaded_error", "api_error", "rate_limit_error"}
    return False


def is_transport_error(exc: Exception) -> bool:
    """A dropped connection mid-stream: the SDK lets its transport's error through."""
    for name in ("httpx2", "httpx"):  # anthropic 2.x uses httpx2, 0.x httpx
        transport = sys.modules.get(name)
        if transport is not None and isinstance(exc, transport.TransportError):
            return True
    return False


def describe(exc: Exception) -> str:
    import anthropic

    if isinstance(exc, anthropic.AuthenticationError):
        return "Authentication failed (401): check ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN."
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            status = exc.response.status_code
            where = "during the stream" if status == 200 else f"HTTP {status}"
            return f"Model API error ({where}): {error.get('type')}: {error['message']}"
        return f"Model API error: {exc.message}"
    if isinstance(exc, anthropic.APIConnectionError):
        return f"Cannot reach the model API: {exc}"
    return f"The model stream broke off: {exc}"
