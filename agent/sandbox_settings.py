"""The ``sandbox`` section of Claude Code's settings files, as ``agent.sandbox`` uses it:
``enabled`` (default here: true), ``autoAllowBashIfSandboxed`` (true),
``excludedCommands``, ``failIfUnavailable``, ``network.allowedDomains`` (``["*"]`` turns
the network on; a list of domains gives commands a proxy that reaches only those,
``agent.netproxy``) and ``filesystem.allowRead`` / ``allowWrite``."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SandboxSettings:
    enabled: bool = True
    auto_allow: bool = True
    fail_if_unavailable: bool = False
    excluded_commands: tuple[str, ...] = ()
    network: bool = False  # all of it ("*" in allowedDomains)
    allowed_domains: tuple[str, ...] = ()  # only these, through agent.netproxy
    allow_read: tuple[str, ...] = ()
    allow_write: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def load_sandbox_settings(
    sources: Iterable[Path], untrusted: Iterable[Path] = ()
) -> SandboxSettings:
    """The ``sandbox`` sections of the settings files read (``Settings.sources``), most
    general first: scalars from the most specific file, lists concatenated. From the
    ``untrusted`` ones (``Settings.untrusted_sources``) only what makes it stricter."""
    from agent.settings import strict_sandbox

    limited = set(untrusted)
    merged: dict[str, Any] = {}
    lists: dict[str, list[str]] = {}
    warnings: list[str] = []
    for path in sources:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # load_settings already warned
        section = data.get("sandbox") if isinstance(data, dict) else None
        if section is None:
            continue
        if not isinstance(section, dict):
            warnings.append(f"{path}: `sandbox` should be an object; ignored")
            continue
        if path in limited:
            section = strict_sandbox(section)
        for key in ("enabled", "autoAllowBashIfSandboxed", "failIfUnavailable"):
            if key in section:
                if isinstance(section[key], bool):
                    merged[key] = section[key]
                else:
                    warnings.append(f"{path}: `sandbox.{key}` should be true or false; ignored")
        nested = {
            "excludedCommands": section.get("excludedCommands"),
            "allowedDomains": _get(section, "network", "allowedDomains"),
            "allowRead": _get(section, "filesystem", "allowRead"),
            "allowWrite": _get(section, "filesystem", "allowWrite"),
        }
        for key, value in nested.items():
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                warnings.append(f"{path}: sandbox `{key}` should be a list of strings; ignored")
                continue
            lists.setdefault(key, []).extend(value)
    domains = [d.strip() for d in lists.get("allowedDomains", []) if d.strip()]
    for warning in warnings:
        log.warning("%s", warning)
    return SandboxSettings(
        enabled=merged.get("enabled", True),
        auto_allow=merged.get("autoAllowBashIfSandboxed", True),
        fail_if_unavailable=merged.get("failIfUnavailable", False),
        excluded_commands=tuple(lists.get("excludedCommands", [])),
        network="*" in domains,
        allowed_domains=() if "*" in domains else tuple(dict.fromkeys(domains)),
        allow_read=tuple(lists.get("allowRead", [])),
        allow_write=tuple(lists.get("allowWrite", [])),
        warnings=tuple(warnings),
    )


def _get(section: dict[str, Any], key: str, inner: str) -> Any:
    value = section.get(key)
    return value.get(inner) if isinstance(value, dict) else None
