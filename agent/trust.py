"""Whether the user trusts a workspace folder, as Claude Code records it: the project's
entry in ``~/.claude.json`` holds ``"hasTrustDialogAccepted": true`` (a trusted folder
also trusts the folders inside it).

A workspace's own settings files (``.claude/settings.json``, ``.claude/settings.local.json``)
come with the repository. Until the folder is trusted, what in them would run code,
skip a question or loosen the guards is ignored (``agent.settings``): hooks, ``env``,
``model``, ``allow`` rules, ``additionalDirectories``, a ``defaultMode`` other than
``default`` or ``plan``, the approval of project MCP servers and the parts of the
``sandbox`` section that loosen it. ``deny`` and ``ask`` rules apply: they only add
refusals and questions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

KEY = "hasTrustDialogAccepted"


def _config(home: Path) -> dict[str, Any]:
    try:
        data = json.loads((home / ".claude.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def project_entry(folder: Path, home: Path) -> dict[str, Any]:
    """``folder``'s entry in ``~/.claude.json`` (empty when there is none)."""
    projects = _config(home).get("projects")
    entry = projects.get(str(folder)) if isinstance(projects, dict) else None
    return entry if isinstance(entry, dict) else {}


def is_trusted(folder: Path, home: Path | None = None) -> bool:
    home = Path.home() if home is None else home
    projects = _config(home).get("projects")
    if not isinstance(projects, dict):
        return False
    folder = folder.resolve(strict=False)
    for candidate in (folder, *folder.parents):
        entry = projects.get(str(candidate))
        if isinstance(entry, dict) and entry.get(KEY) is True:
            return True
    return False


def trust(folder: Path, home: Path | None = None) -> Path:
    """Record that the user trusts ``folder``; the file written. Raises ValueError when
    ``~/.claude.json`` exists but is not a JSON object (it is left alone)."""
    home = Path.home() if home is None else home
    path = home / ".claude.json"
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON; not changed") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object; not changed")
    projects = data.setdefault("projects", {})
    if not isinstance(projects, dict):
        raise ValueError(f"`projects` in {path} is not an object; not changed")
    entry = projects.setdefault(str(folder.resolve(strict=False)), {})
    if not isinstance(entry, dict):
        raise ValueError(f"the entry of {folder} in {path} is not an object; not changed")
    entry[KEY] = True
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if path.exists():
        os.chmod(tmp, path.stat().st_mode & 0o777)
    else:
        os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path
