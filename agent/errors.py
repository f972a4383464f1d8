"""Exceptions the agent uses for control flow and for errors a person must act on."""

from __future__ import annotations

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


class SessionNotFound(AgentError):
    """No stored session matches the id asked for."""
