"""Workspace confinement: every path a tool touches is resolved here first.

A path is resolved the way the shell would see it (``~`` expanded, relative to the
working directory, ``..`` collapsed) and then with symlinks resolved, also for a file
that does not exist yet (through its nearest existing parent). Anything that lands
outside the workspace roots is refused, whatever the permission mode.

Secret files (keys, tokens, ``.env``) are recognised by name so the permission policy
can deny them unless a rule names them explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from refactor.files import within


class PathError(ValueError):
    """A path the agent may not touch; the message is shown to the model."""


def resolve(path: str | os.PathLike[str], cwd: Path) -> Path:
    """The absolute, symlink-free path of ``path`` as seen from ``cwd``."""
    raw = os.fspath(path)
    if not raw:
        raise PathError("empty path")
    if "\x00" in raw:
        raise PathError("path contains a NUL byte")
    if any(ord(ch) < 32 for ch in raw):  # newline, CR, tab…: no file the user meant
        raise PathError(f"path contains a control character: {raw[:200]!r}")
    candidate = Path(raw).expanduser()
    if not candidate.is_absolute():
        candidate = cwd / candidate
    # strict=False resolves every existing component (symlinks included) and keeps the
    # missing tail as written, so a new file is judged by where its parent really is.
    return candidate.resolve(strict=False)


def resolve_roots(roots: Iterable[Path]) -> list[Path]:
    return [Path(root).expanduser().resolve(strict=False) for root in roots]


def confine(path: str | os.PathLike[str], cwd: Path, roots: Iterable[Path]) -> Path:
    """Resolve ``path`` and refuse it when it leaves the workspace roots."""
    roots = list(roots)
    resolved = resolve(path, cwd)
    if not within(resolved, roots):
        shown = ", ".join(str(root) for root in roots) or "(none)"
        raise PathError(
            f"{os.fspath(path)} resolves to {resolved}, outside the workspace ({shown}); "
            "the agent only reads and writes files inside it"
        )
    return resolved


def relative_to_roots(path: Path, roots: Iterable[Path]) -> PurePosixPath | None:
    """``path`` relative to the first root that holds it, in POSIX form."""
    for root in roots:
        if path == root or path.is_relative_to(root):
            return PurePosixPath(path.relative_to(root).as_posix())
    return None


# File names that hold credentials. Matched against the last path component (or the
# last two for the ``dir/file`` forms) — never by content, except .npmrc below.
SECRET_NAME_PATTERNS = (
    ".env",
    ".env.*",
    ".envrc",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    "_netrc",
    ".git-credentials",
    ".pypirc",
    ".pgpass",
    "credentials.json",
    "service-account*.json",
    "secrets.yaml",
    "secrets.yml",
    "*.tfstate",
    ".*_history",  # shell, Python, database histories: pasted tokens and passwords
    ".histfile",
)
SECRET_PARENT_PATTERNS = (
    ".aws/credentials",
    ".aws/config",
    ".docker/config.json",
    ".kube/config",
    ".ssh/*",
    ".gnupg/*",
    ".config/gh/hosts.yml",
)
# Public halves and templates that look like secrets by name but are not.
NOT_SECRET_PATTERNS = ("*.pub", ".env.example", ".env.sample", ".env.template", "known_hosts")
_NPMRC_TOKENS = ("_authtoken", "_auth=", "_password", "//registry")


def secret_reason(path: Path) -> str | None:
    """Why ``path`` is treated as a secret, or None when it is not one."""
    from fnmatch import fnmatchcase

    name = path.name
    lower = name.lower()
    if any(fnmatchcase(lower, pattern) for pattern in NOT_SECRET_PATTERNS):
        return None
    for pattern in SECRET_NAME_PATTERNS:
        if fnmatchcase(lower, pattern):
            return f"{name} looks like a secret ({pattern})"
    parts = [p.lower() for p in path.parts]
    for pattern in SECRET_PARENT_PATTERNS:
        depth = pattern.count("/") + 1  # (".config/gh/hosts.yml" is three names deep)
        tail = "/".join(parts[-depth:])
        if len(parts) >= depth and fnmatchcase(tail, pattern):
            return f"{tail} looks like a secret ({pattern})"
    if lower in (".npmrc", ".yarnrc", ".yarnrc.yml") and _has_registry_token(path):
        return f"{name} holds a registry token"
    return None


def _has_registry_token(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(65536).decode("utf-8", "replace").lower()
    except OSError:
        return False
    return any(token in head for token in _NPMRC_TOKENS[:3]) or (
        _NPMRC_TOKENS[3] in head and ("token" in head or "auth" in head)
    )


# Paths whose contents later run or steer something outside any sandbox: git's config
# and hooks, Claude Code's settings and commands, the editors' workspace settings and
# tasks (VS Code's interpreter path, a task that runs when the folder opens; JetBrains'
# run configurations), MCP servers, memory files.
PROTECTED_DIRS = (".git", ".claude", ".vscode", ".idea")
PROTECTED_NAMES = (".mcp.json", "CLAUDE.md", "CLAUDE.local.md")


def protected_reason(path: Path, roots: Iterable[Path]) -> str | None:
    """Why changing ``path`` always asks (Claude Code's protected paths), or None."""
    rel = relative_to_roots(path, roots)
    if rel is None:
        return None
    for part in rel.parts[:-1]:
        if part in PROTECTED_DIRS:
            return f"{rel} is inside {part}/, a protected folder"
    if rel.name in PROTECTED_DIRS:
        return f"{rel} is a protected folder"
    if rel.name in PROTECTED_NAMES:
        return f"{rel} is a protected file"
    return None
