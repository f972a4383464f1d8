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


@dataclass(frozen=True)
class DiagnosticsSettings:
    enable: bool = True
    debounce_ms: int = 15
    max_per_file: int = 100


@dataclass(frozen=True)
class SyntaxSettings:
    enable: bool = True
    max_file_size: int = 2_000_000  # bytes; larger documents get no syntax features


@dataclass(frozen=True)
class PythonSettings:
    # The project's interpreter (or its venv folder), e.g. the client's selected one;
    # empty: a .venv/venv/env in the workspace, else $VIRTUAL_ENV.
    path: str = ""


@dataclass(frozen=True)
class Settings:
    diagnostics: DiagnosticsSettings = field(default_factory=DiagnosticsSettings)
    syntax: SyntaxSettings = field(default_factory=SyntaxSettings)
    python: PythonSettings = field(default_factory=PythonSettings)


_KEYS: dict[str, dict[str, tuple[str, type]]] = {
    "diagnostics": {
        "enable": ("enable", bool),
        "debounceMs": ("debounce_ms", int),
        "maxPerFile": ("max_per_file", int),
    },
    "syntax": {
        "enable": ("enable", bool),
        "maxFileSize": ("max_file_size", int),
    },
    "python": {
        "path": ("path", str),
    },
}


_EXPECTED: dict[type, str] = {bool: "true or false", int: "a non-negative integer", str: "a string"}


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
            valid = isinstance(item, kind) and not (kind is int and isinstance(item, bool))
            if not valid or (kind is int and item < 0):
                default = next(f.default for f in fields(current) if f.name == attr)
                problems.append(
                    f"{SECTION}.{group}.{key}: expected {_EXPECTED[kind]}, "
                    f"got {item!r}; using {default!r}"
                )
                updates[attr] = default
            else:
                updates[attr] = item
        settings = replace(settings, **{group: replace(current, **updates)})
    return settings, problems
