"""One way to put an agent together, for every door (the terminal, the language server).

A door supplies its editor port, the options its user chose and a model client; this
module adds what Claude Code's own files say (settings, memory, permission rules), picks
the model, opens or resumes the session, and returns a ready ``Agent``. Keeping this in
one place is what makes a session started in the terminal resumable in the editor.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.loop import Agent, AgentConfig
from agent.types import EditorPort, PermissionMode

if TYPE_CHECKING:
    from agent.client import ModelClient
    from agent.sandbox import Sandbox
    from agent.session import Session, SessionStore
    from agent.settings import Settings


@dataclass
class AgentOptions:
    cwd: Path
    model: str | None = None  # chosen for this session (a flag, a request)
    host_model: str | None = None  # the door's own setting (editor settings)
    permission_mode: PermissionMode | None = None
    host_permission_mode: PermissionMode | None = None
    allowed: list[str] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)
    max_turns: int | None = None
    max_budget_usd: float | None = None
    max_wall_seconds: float | None = None
    system_extra: str = ""  # what the door adds to the system prompt
    persist_rules: bool = True  # "always allow" answers are saved to settings.local.json
    git_context: bool = True  # branch, status and recent commits in the system prompt


def project_settings(cwd: Path) -> Settings:
    """Claude Code's settings for ``cwd``; their ``env`` is applied to this process, as
    Claude Code does (it may select a provider or a base URL)."""
    from agent.settings import load_settings

    settings = load_settings(cwd)
    os.environ.update(settings.env)
    return settings


def choose_model(options: AgentOptions, settings: Settings, session: Session | None) -> str:
    from agent.client import default_model

    return (
        options.model
        or (session.model if session is not None and session.model else None)
        or options.host_model
        or settings.model
        or os.environ.get("ANTHROPIC_MODEL")
        or default_model()
    )


def choose_mode(options: AgentOptions, settings: Settings) -> PermissionMode:
    return (
        options.permission_mode
        or options.host_permission_mode
        or settings.default_mode
        or "default"
    )


def build_agent(
    options: AgentOptions,
    port: EditorPort,
    client: ModelClient,
    store: SessionStore,
    *,
    session: Session | None = None,
    settings: Settings | None = None,
    sandbox: Sandbox | None = None,
) -> Agent:
    """An agent on ``session`` (a new one when None) in ``options.cwd``. ``sandbox`` is
    where its Bash runs (the door opens it, says when there is none, and closes it);
    without one, Bash falls back to the strict permission stance."""
    from agent.checkpoints import Checkpoints
    from agent.context import system_prompt
    from agent.cost import CostTracker
    from agent.hooks import Hooks
    from agent.mcp import McpServers
    from agent.mcp_config import load_mcp_configs
    from agent.memory import load_memory, memory_prompt
    from agent.permissions import Permissions
    from agent.secrets import Redactor, collect_secrets
    from agent.tools import default_tools
    from agent.tools.task import TaskTool, load_definitions

    cwd = options.cwd
    settings = settings if settings is not None else project_settings(cwd)
    model = choose_model(options, settings, session)
    if session is None:
        session = store.create(cwd, model)
    elif options.model and options.model != session.model:
        session.set_model(options.model)
    roots = [cwd, *(cwd / d for d in settings.additional_directories)]
    local = cwd / ".claude" / "settings.local.json" if options.persist_rules else None
    policy = Permissions(
        choose_mode(options, settings),
        settings,
        roots,
        options.allowed,
        options.disallowed,
        cwd=cwd,
        persist_to=local,
        sandbox=sandbox,
    )
    extra = options.system_extra
    if options.git_context:
        from agent.git_context import git_context

        extra = "\n\n".join(part for part in (extra, git_context(cwd)) if part)
    config = AgentConfig(
        model=model,
        system=system_prompt(cwd, memory_prompt(load_memory(cwd)), extra),
        max_turns=options.max_turns,
        max_budget_usd=options.max_budget_usd,
        max_wall_seconds=options.max_wall_seconds,
    )
    costs = CostTracker(price_overrides(settings.sources), prior_usd=session.cost_usd)
    configs = load_mcp_configs(cwd)
    mcp = McpServers(configs, settings, cwd, port, local, policy=policy) if configs else None
    checkpoints = Checkpoints(store.root.parent / "checkpoints" / session.id, cwd, port)
    task = TaskTool(load_definitions(cwd))
    agent = Agent(
        client=client,
        port=port,
        tools=[*default_tools(sandbox), task],
        policy=policy,
        config=config,
        session=session,
        cwd=cwd,
        costs=costs,
        redactor=Redactor(collect_secrets(roots)),
        hooks=Hooks(settings.hooks, cwd, port.emit) if settings.hooks else None,
        mcp=mcp,
        checkpoints=checkpoints,
    )
    task.parent = agent
    return agent


def price_overrides(sources: list[Path]) -> dict[str, dict[str, float]]:
    """The ``prices`` objects of the settings files (later files win), e.g.
    ``{"prices": {"claude-sonnet-5-5": {"input": 2, "output": 10, "cache_read": 0.1}}}``."""
    merged: dict[str, dict[str, float]] = {}
    for path in sources:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # load_settings already warned
        prices = data.get("prices") if isinstance(data, dict) else None
        for model, row in prices.items() if isinstance(prices, dict) else ():
            if isinstance(row, dict):
                numbers = {k: float(v) for k, v in row.items() if isinstance(v, int | float)}
                merged[model] = {**merged.get(model, {}), **numbers}
    return merged
