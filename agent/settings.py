"""Claude Code's settings files, read with Claude Code's precedence.

``.claude/settings.local.json`` (personal, git-ignored) overrides
``.claude/settings.json`` (shared with the project), which overrides
``~/.claude/settings.json`` (the user's). Scalar keys (``model``,
``permissions.defaultMode``) come from the most specific file that sets them; ``env``
maps are merged key by key; permission rule lists are concatenated, since a rule in any
file applies. A file that is missing is skipped; a file that is not valid JSON, or holds
values of the wrong type, produces a warning and is otherwise ignored.

The workspace's two files come with the repository: until the folder is trusted
(``agent.trust``), what in them would run code or loosen the guards is ignored and
listed in ``Settings.untrusted``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, get_args

from agent.hooks import HookGroup, parse_hooks
from agent.types import PermissionMode

log = logging.getLogger(__name__)

MODES: tuple[str, ...] = get_args(PermissionMode)


@dataclass
class Settings:
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    ask: list[str] = field(default_factory=list)
    default_mode: PermissionMode | None = None
    additional_directories: list[str] = field(default_factory=list)
    model: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    hooks: dict[str, list[HookGroup]] = field(default_factory=dict)  # every file's, in order
    # Project MCP servers (.mcp.json) approved or refused; None: ask.
    enable_all_project_mcp_servers: bool | None = None
    enabled_mcpjson_servers: list[str] = field(default_factory=list)
    disabled_mcpjson_servers: list[str] = field(default_factory=list)
    # Every file that was read, most general first, and what went wrong with any.
    sources: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the workspace's files asked for and did not get: the folder is not trusted.
    untrusted: list[str] = field(default_factory=list)
    untrusted_sources: list[Path] = field(default_factory=list)  # read with those limits

    def untrusted_note(self, folder: Path) -> str:
        """One line for the user ("" when nothing was ignored)."""
        if not self.untrusted:
            return ""
        return (
            f"{folder} is not a trusted folder, so its .claude settings' "
            f"{', '.join(dict.fromkeys(self.untrusted))} are ignored; run "
            f"`claude-lsp trust {folder}` if you trust this repository"
        )


def settings_files(cwd: Path, home: Path | None = None) -> list[Path]:
    """The settings files in increasing precedence."""
    home = Path.home() if home is None else home
    return [
        home / ".claude" / "settings.json",
        cwd / ".claude" / "settings.json",
        cwd / ".claude" / "settings.local.json",
    ]


def load_settings(cwd: Path, home: Path | None = None) -> Settings:
    from agent.trust import is_trusted

    settings = Settings()
    seen: set[Path] = set()
    files = settings_files(cwd, home)
    trusted: bool | None = None
    for path in files:
        resolved = path.resolve(strict=False)
        if resolved in seen:  # home is the project: read ~/.claude/settings.json once
            continue
        seen.add(resolved)
        data = _read(path, settings.warnings)
        if data is None:
            continue
        settings.sources.append(path)
        if path != files[0] and trusted is None:
            trusted = is_trusted(cwd, home)
        if path == files[0] or trusted:
            _merge(settings, data, path)
        else:
            settings.untrusted_sources.append(path)
            _merge(settings, _guarded(data, settings.untrusted), path)
    for warning in settings.warnings:
        log.warning("%s", warning)
    return settings


def _read(path: Path, warnings: list[str]) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        warnings.append(f"{path}: cannot read settings ({exc}); ignoring this file")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        warnings.append(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "ignoring this file"
        )
        return None
    if not isinstance(data, dict):
        warnings.append(f"{path}: expected a JSON object at the top; ignoring this file")
        return None
    return cast(dict[str, Any], data)


def _guarded(data: dict[str, Any], ignored: list[str]) -> dict[str, Any]:
    """A workspace file's settings without what needs a trusted folder."""
    kept = dict(data)
    for key in ("hooks", "env", "model", "enableAllProjectMcpServers", "enabledMcpjsonServers"):
        if kept.pop(key, None):
            ignored.append(key)
    if isinstance(sandbox := kept.get("sandbox"), dict) and strict_sandbox(sandbox) != sandbox:
        ignored.append("sandbox")  # (agent.sandbox_settings reads what is kept of it)
    permissions = kept.get("permissions")
    if isinstance(permissions, dict):
        permissions = dict(permissions)
        if permissions.pop("additionalDirectories", None):
            ignored.append("additionalDirectories")
        # allow rules skip questions (WebFetch, MCP tools, and Bash when there is no
        # sandbox run outside it); deny and ask rules only add questions and refusals
        if permissions.pop("allow", None):
            ignored.append("allow rules")
        mode = permissions.get("defaultMode")
        if mode is not None and mode not in ("default", "plan"):
            del permissions["defaultMode"]
            ignored.append(f"defaultMode {mode}")
        kept["permissions"] = permissions
    return kept


def strict_sandbox(section: dict[str, Any]) -> dict[str, Any]:
    """What an untrusted folder's ``sandbox`` section may say: only what makes the
    sandbox stricter."""
    stricter = {"enabled": True, "failIfUnavailable": True, "autoAllowBashIfSandboxed": False}
    return {k: v for k, v in section.items() if k in stricter and v == stricter[k]}


def _merge(settings: Settings, data: dict[str, Any], path: Path) -> None:
    warn = settings.warnings.append
    permissions = data.get("permissions", {})
    if not isinstance(permissions, dict):
        warn(f"{path}: `permissions` should be an object; ignored")
        permissions = {}
    for key in ("allow", "deny", "ask", "additionalDirectories"):
        rules = permissions.get(key, [])
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            warn(f"{path}: `permissions.{key}` should be a list of strings; ignored")
            continue
        target = (
            settings.additional_directories
            if key == "additionalDirectories"
            else (getattr(settings, key))
        )
        target.extend(r for r in rules if r not in target)
    mode = permissions.get("defaultMode")
    if mode is not None:
        if mode in MODES:
            settings.default_mode = cast(PermissionMode, mode)
        else:
            warn(f"{path}: unknown `permissions.defaultMode` {mode!r} (one of {', '.join(MODES)})")
    model = data.get("model")
    if model is not None:
        if isinstance(model, str) and model:
            settings.model = model
        else:
            warn(f"{path}: `model` should be a model name; ignored")
    env = data.get("env", {})
    if isinstance(env, dict):
        for name, value in env.items():
            if isinstance(value, (str, int, float, bool)):
                settings.env[str(name)] = value if isinstance(value, str) else json.dumps(value)
            else:
                warn(f"{path}: `env.{name}` should be a string; ignored")
    else:
        warn(f"{path}: `env` should be an object; ignored")
    for event, groups in parse_hooks(data.get("hooks"), path, settings.warnings).items():
        settings.hooks.setdefault(event, []).extend(groups)
    _merge_mcp(settings, data, path)


def _merge_mcp(settings: Settings, data: dict[str, Any], path: Path) -> None:
    enable_all = data.get("enableAllProjectMcpServers")
    if isinstance(enable_all, bool):
        settings.enable_all_project_mcp_servers = enable_all
    elif enable_all is not None:
        settings.warnings.append(f"{path}: `enableAllProjectMcpServers` should be true or false")
    for key, target in (
        ("enabledMcpjsonServers", settings.enabled_mcpjson_servers),
        ("disabledMcpjsonServers", settings.disabled_mcpjson_servers),
    ):
        names = data.get(key, [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            settings.warnings.append(f"{path}: `{key}` should be a list of names; ignored")
            continue
        target.extend(n for n in names if n not in target)


def save_allow_rules(path: Path, rules: list[str]) -> None:
    """Add ``rules`` to ``permissions.allow`` of the settings file at ``path`` (normally
    ``.claude/settings.local.json``), keeping everything else in it. Raises ValueError
    when the file exists but is not a JSON object (it is left alone)."""
    save_to_list(path, ("permissions", "allow"), rules)


def save_always_allow(path: Path, rules: list[str], folder: Path, home: Path) -> str | None:
    """Save an "Always allow" answer's rules to ``path``; a warning for the user when it
    could not be saved, or when it will not apply in later sessions (untrusted folder)."""
    from agent.trust import is_trusted

    try:
        save_allow_rules(path, rules)
    except (OSError, ValueError) as exc:
        return f"could not save the rule to {path}: {exc}"
    if is_trusted(folder, home):
        return None
    return (
        f"saved the rule to {path}; this folder is not trusted, so its allow rules apply "
        "in later sessions only once you run `claude-lsp trust`"
    )


def save_to_list(path: Path, keys: tuple[str, ...], values: list[str]) -> None:
    """Add ``values`` to the list at ``keys`` (e.g. ``("enabledMcpjsonServers",)``) in
    the settings file at ``path``, keeping everything else in it."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc.msg}); not changed") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object; not changed")
    container = data
    for key in keys[:-1]:
        container = container.setdefault(key, {})
        if not isinstance(container, dict):
            raise ValueError(f"`{key}` in {path} is not an object; not changed")
    target = container.setdefault(keys[-1], [])
    if not isinstance(target, list):
        raise ValueError(f"`{'.'.join(keys)}` in {path} is not a list; not changed")
    target.extend(value for value in values if value not in target)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
