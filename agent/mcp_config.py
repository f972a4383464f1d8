"""Where MCP servers are configured, as in Claude Code.

- ``.mcp.json`` in the project (``project`` scope, shared through git): used only once
  approved — ``enableAllProjectMcpServers`` / ``enabledMcpjsonServers`` in the settings
  files, or the user's answer to a question asked once (remembered in
  ``.claude/settings.local.json`` for "always"); ``disabledMcpjsonServers`` refuses one;
- ``~/.claude.json``: ``mcpServers`` (``user`` scope) and
  ``projects[<project path>].mcpServers`` (``local`` scope), trusted as the user's own.

A more specific scope wins for a name: local, then project, then user. Each entry is
``{"command", "args", "env"}`` (stdio, the default ``type``) or ``{"type": "http" | "sse",
"url", "headers"}``. ``${VAR}`` and ``${VAR:-default}`` are expanded in the command,
arguments, environment, URL and headers; a variable that is not set and has no default
makes the server fail to start with a message naming it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

log = logging.getLogger(__name__)

Scope = Literal["local", "project", "user"]
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class ServerConfig:
    name: str
    scope: Scope
    type: str = "stdio"  # stdio, http, sse
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # why it cannot start (bad entry, unset variable)

    def describe(self) -> str:
        if self.type == "stdio":
            return " ".join([self.command, *self.args])
        return f"{self.type} {self.url}"


def load_mcp_configs(cwd: Path, home: Path | None = None) -> list[ServerConfig]:
    home = Path.home() if home is None else home
    found: dict[str, ServerConfig] = {}
    user_file = _read(home / ".claude.json")
    for name, entry in _servers(user_file.get("mcpServers")):
        found[name] = _config(name, "user", entry)
    for name, entry in _servers(_read(cwd / ".mcp.json").get("mcpServers")):
        found[name] = _config(name, "project", entry)
    projects = user_file.get("projects")
    local = projects.get(str(cwd)) if isinstance(projects, dict) else None
    for name, entry in _servers(local.get("mcpServers") if isinstance(local, dict) else None):
        found[name] = _config(name, "local", entry)
    return list(found.values())


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s: cannot read MCP servers (%s); ignoring this file", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _servers(value: Any) -> list[tuple[str, Any]]:
    return list(value.items()) if isinstance(value, dict) else []


def _config(name: str, scope: Scope, entry: Any) -> ServerConfig:
    if not isinstance(entry, dict):
        return ServerConfig(name, scope, problem="the entry is not an object")
    missing: list[str] = []

    def expand(value: Any) -> str:
        def one(match: re.Match[str]) -> str:
            value = os.environ.get(match.group(1))
            if value is not None:
                return value
            if match.group(2) is not None:
                return match.group(2)
            missing.append(match.group(1))
            return ""

        return VAR.sub(one, str(value))

    kind = str(entry.get("type") or "stdio")
    args = entry.get("args") or []
    env = entry.get("env") or {}
    headers = entry.get("headers") or {}
    problem = ""
    if kind not in ("stdio", "http", "sse"):
        problem = f"unknown type {kind!r} (stdio, http or sse)"
    elif kind == "stdio" and not isinstance(entry.get("command"), str):
        problem = "a stdio server needs a `command`"
    elif kind != "stdio" and not isinstance(entry.get("url"), str):
        problem = f"an {kind} server needs a `url`"
    elif not isinstance(args, list) or not isinstance(env, dict) or not isinstance(headers, dict):
        problem = "`args` must be a list, `env` and `headers` objects"
    if problem:
        return ServerConfig(name, scope, kind, problem=problem)
    config = ServerConfig(
        name,
        scope,
        kind,
        command=expand(entry.get("command", "")),
        args=tuple(expand(a) for a in args),
        env={str(k): expand(v) for k, v in env.items()},
        url=expand(entry.get("url", "")),
        headers={str(k): expand(v) for k, v in headers.items()},
    )
    if missing:
        names = ", ".join(sorted(set(missing)))
        return ServerConfig(name, scope, kind, problem=f"environment variable not set: {names}")
    return config
