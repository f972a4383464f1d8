"""Settings, read once at ``initialize`` and again on configuration changes.

Options arrive as ``initializationOptions`` (either flat or under ``claudeLsp``) and as
the ``claudeLsp`` section of ``workspace/configuration``. A bad value is reported once
and replaced by its default; unknown keys are ignored with a log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from typing import Any

log = logging.getLogger(__name__)

SECTION = "claudeLsp"
PERMISSION_MODES = ("default", "acceptEdits", "plan", "bypassPermissions")


@dataclass(frozen=True)
class DiagnosticsSettings:
    enable: bool = True  # every source; off: none is published
    debounce_ms: int = 15
    max_per_file: int = 100
    # per source: tree-sitter syntax errors, pyflakes, Claude's review findings
    syntax_errors: bool = True
    pyflakes: bool = True
    review: bool = True


@dataclass(frozen=True)
class SyntaxSettings:
    enable: bool = True
    max_file_size: int = 2_000_000  # bytes; larger documents get no syntax features


@dataclass(frozen=True)
class AgentSettings:
    model: str | None = None  # None: Claude Code's settings, ANTHROPIC_MODEL, the default
    permission_mode: str | None = None  # None: Claude Code's settings, else "default"
    max_budget_usd: float | None = None  # per turn
    max_turns: int | None = None  # model requests per turn
    review_edits: bool = False  # edits carry a needs-confirmation annotation
    closed_files: str = "editor"  # "editor": workspace/applyEdit; "disk": written directly


@dataclass(frozen=True)
class PythonSettings:
    # The project's interpreter (or its venv folder), e.g. the client's selected one;
    # empty: a .venv/venv/env in the workspace, else $VIRTUAL_ENV.
    path: str = ""


@dataclass(frozen=True)
class AiSettings:
    code_actions: bool = True  # list the AI code actions (they call the model only when run)
    context_tokens: int = 12_000  # budget of the context an AI action sends


@dataclass(frozen=True)
class ReviewSettings:
    on_save: bool = False  # review a file (its changes in git) every time it is saved


@dataclass(frozen=True)
class CompletionSettings:
    enable: bool = False  # textDocument/inlineCompletion
    model: str | None = None  # None: the newest Haiku the SDK knows


@dataclass(frozen=True)
class Settings:
    diagnostics: DiagnosticsSettings = field(default_factory=DiagnosticsSettings)
    syntax: SyntaxSettings = field(default_factory=SyntaxSettings)
    agent: AgentSettings = field(default_factory=AgentSettings)
    python: PythonSettings = field(default_factory=PythonSettings)
    ai: AiSettings = field(default_factory=AiSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    completion: CompletionSettings = field(default_factory=CompletionSettings)


_KEYS: dict[str, dict[str, tuple[str, Kind]]] = {
    "diagnostics": {
        "enable": ("enable", bool),
        "debounceMs": ("debounce_ms", int),
        "maxPerFile": ("max_per_file", int),
        "syntaxErrors": ("syntax_errors", bool),
        "pyflakes": ("pyflakes", bool),
        "review": ("review", bool),
    },
    "syntax": {
        "enable": ("enable", bool),
        "maxFileSize": ("max_file_size", int),
    },
    "agent": {
        "model": ("model", str),
        "permissionMode": (
            "permission_mode",
            ("default", "acceptEdits", "plan", "bypassPermissions"),
        ),
        "maxBudgetUsd": ("max_budget_usd", float),
        "maxTurns": ("max_turns", int),
        "reviewEdits": ("review_edits", bool),
        "closedFiles": ("closed_files", ("editor", "disk")),
    },
    "python": {
        "path": ("path", str),
    },
    "ai": {
        "codeActions": ("code_actions", bool),
        "contextTokens": ("context_tokens", int),
    },
    "review": {"onSave": ("on_save", bool)},
    "completion": {"enable": ("enable", bool), "model": ("model", str)},
}

Kind = type | tuple[str, ...]
_EXPECTED: dict[Any, str] = {
    bool: "true or false",
    int: "a non-negative integer",
    float: "a non-negative number",
    str: "a non-empty string",
}


def _valid(item: Any, kind: Kind, default: Any) -> bool:
    """``item`` fits ``kind``; None only where the default is None, an empty string
    only where the default is one."""
    if item is None:
        return default is None
    if isinstance(kind, tuple):
        return item in kind
    if kind is float:
        return isinstance(item, int | float) and not isinstance(item, bool) and item >= 0
    if kind is int:
        return isinstance(item, int) and not isinstance(item, bool) and item >= 0
    if kind is str:
        return isinstance(item, str) and (bool(item.strip()) or default == "")
    return isinstance(item, kind)


def parse_settings(raw: Any, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from the client's JSON, and the problems found (one message each)."""
    settings = base or Settings()
    problems: list[str] = []
    if raw is None:
        return settings, problems
    if not isinstance(raw, dict):
        return settings, [f"claude-lsp settings must be an object, not {type(raw).__name__}"]
    if isinstance(raw.get(SECTION), dict):
        raw = raw[SECTION]
    for group, value in raw.items():
        keys = _KEYS.get(group)
        if keys is None:
            log.info("ignoring unknown setting %r", group)
            continue
        if not isinstance(value, dict):
            problems.append(f"{SECTION}.{group} must be an object")
            continue
        current = getattr(settings, group)
        updates: dict[str, Any] = {}
        for key, item in value.items():
            if key not in keys:
                log.info("ignoring unknown setting %s.%s", group, key)
                continue
            attr, kind = keys[key]
            default = next(f.default for f in fields(current) if f.name == attr)
            if not _valid(item, kind, default):
                expected = (
                    "one of " + ", ".join(kind)
                    if isinstance(kind, tuple)
                    else "a string"
                    if kind is str and default == ""
                    else _EXPECTED[kind]
                )
                problems.append(
                    f"{SECTION}.{group}.{key}: expected {expected}, got {item!r}; using {default!r}"
                )
                updates[attr] = default
            else:
                updates[attr] = float(item) if kind is float and item is not None else item
        settings = replace(settings, **{group: replace(current, **updates)})
    return settings, problems
