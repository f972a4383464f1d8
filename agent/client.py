"""The SDK client, created on first use so that importing the agent stays cheap.

Provider selection follows Claude Code's environment variables:
``CLAUDE_CODE_USE_BEDROCK=1`` → ``AsyncAnthropicBedrock`` (AWS credentials, ``AWS_REGION``),
``CLAUDE_CODE_USE_VERTEX=1`` → ``AsyncAnthropicVertex`` (``CLOUD_ML_REGION``,
``ANTHROPIC_VERTEX_PROJECT_ID``), otherwise the Anthropic API with ``ANTHROPIC_API_KEY``
or ``ANTHROPIC_AUTH_TOKEN`` and an optional ``ANTHROPIC_BASE_URL``.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
import typing
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from agent.errors import NoCredentials

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic, AsyncAnthropicBedrock, AsyncAnthropicVertex

    ModelClient = AsyncAnthropic | AsyncAnthropicBedrock | AsyncAnthropicVertex

FALLBACK_MODEL = "claude-sonnet-4-5"
# The agent's own credentials: kept out of the tools' environment and out of anything
# a tool returns, so they never reach the model, a transcript or an event stream.
CREDENTIAL_VARS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
REDACTED = "[redacted]"
_TRUE = {"1", "true", "yes", "on"}


def warm_up() -> threading.Thread:
    """Import the SDK (1-2 s) on a daemon thread, so that the first turn need not wait
    for it; a host calls this when a chat is likely (for instance when its view opens)."""
    thread = threading.Thread(
        target=importlib.import_module, args=("anthropic",), name="import-anthropic", daemon=True
    )
    thread.start()
    return thread


def tool_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for commands the agent runs: the process's, minus its credentials."""
    env = os.environ if env is None else env
    return {k: v for k, v in env.items() if k not in CREDENTIAL_VARS}


def redact(text: str, env: Mapping[str, str] | None = None) -> str:
    """``text`` with the values of the agent's credentials replaced."""
    env = os.environ if env is None else env
    for name in CREDENTIAL_VARS:
        secret = env.get(name, "")
        if len(secret) >= 8 and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in _TRUE


def _version(model_id: str, family: str) -> tuple[int, ...] | None:
    """(5, 5) for ``claude-sonnet-5-5``; None for dated snapshots and other families."""
    match = re.fullmatch(rf"claude-{family}-(\d+)(?:-(\d))?", model_id)
    if match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


@cache
def default_model(family: str = "sonnet") -> str:
    """The newest model of ``family`` that the installed SDK's ``Model`` literal lists."""
    from anthropic.types import Model

    ids: list[str] = []
    for arg in typing.get_args(Model):
        ids.extend(a for a in typing.get_args(arg) if isinstance(a, str))
    versions = {m: v for m in ids if (v := _version(m, family)) is not None}
    if not versions:
        return FALLBACK_MODEL
    return max(versions, key=lambda m: versions[m])


NO_KEY = (
    "No Anthropic credentials: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), "
    "or CLAUDE_CODE_USE_BEDROCK=1 / CLAUDE_CODE_USE_VERTEX=1 for a cloud provider."
)


def credentials_status(env: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """(provider, what to set or None when it looks usable), without importing the SDK.
    Bedrock and Vertex credentials are the cloud SDKs' business: only the variables
    claude-lsp itself needs are checked."""
    env = os.environ if env is None else env
    if _flag(env, "CLAUDE_CODE_USE_BEDROCK"):
        return "bedrock", None
    if _flag(env, "CLAUDE_CODE_USE_VERTEX"):
        missing = None if env.get("CLOUD_ML_REGION") else "set CLOUD_ML_REGION"
        return "vertex", missing
    if env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN"):
        return "anthropic", None
    return "anthropic", NO_KEY


def make_client(env: Mapping[str, str] | None = None, *, max_retries: int = 4) -> ModelClient:
    """An async SDK client for the provider the environment selects.

    Raises ``NoCredentials`` with what to set when the Anthropic API has no key.
    The SDK retries 408/409/429/5xx (honouring ``retry-after``) ``max_retries`` times.
    """
    env = os.environ if env is None else env
    if _flag(env, "CLAUDE_CODE_USE_BEDROCK"):
        from anthropic import AsyncAnthropicBedrock

        return AsyncAnthropicBedrock(
            aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            base_url=env.get("ANTHROPIC_BEDROCK_BASE_URL"),
            max_retries=max_retries,
        )
    if _flag(env, "CLAUDE_CODE_USE_VERTEX"):
        from anthropic import AsyncAnthropicVertex

        region = env.get("CLOUD_ML_REGION")
        if not region:
            raise NoCredentials("CLAUDE_CODE_USE_VERTEX is set: also set CLOUD_ML_REGION.")
        vertex = AsyncAnthropicVertex(
            region=region, base_url=env.get("ANTHROPIC_VERTEX_BASE_URL"), max_retries=max_retries
        )
        if project := env.get("ANTHROPIC_VERTEX_PROJECT_ID"):
            vertex.project_id = project
        return vertex
    api_key = env.get("ANTHROPIC_API_KEY") or None
    auth_token = env.get("ANTHROPIC_AUTH_TOKEN") or None
    if api_key is None and auth_token is None:
        raise NoCredentials(NO_KEY)
    from anthropic import AsyncAnthropic

    return AsyncAnthropic(
        api_key=api_key,
        auth_token=None if api_key else auth_token,
        base_url=env.get("ANTHROPIC_BASE_URL") or None,
        max_retries=max_retries,
    )
