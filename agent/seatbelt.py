"""The macOS sandbox profile (``sandbox-exec -p PROFILE``), the Seatbelt equivalent of
the bubblewrap layout in ``agent.sandbox``: reads limited to the system, the tools'
folders and the workspace roots; writes to the roots (none in plan mode) and the
temporary folders; secret files unreadable, protected paths unwritable; no network
unless the settings allow it. Written against Apple's SBPL as Claude Code's and
Codex's profiles use it; it cannot be exercised on the Linux machines the tests run on.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from agent.secrets import secret_files

if TYPE_CHECKING:
    from agent.sandbox_settings import SandboxSettings

SYSTEM_READ = ("/usr", "/bin", "/sbin", "/System", "/Library", "/opt", "/private/etc",
               "/private/var/db/timezone", "/dev", "/Applications/Xcode.app")  # fmt: skip
TEMP_WRITE = ("/private/tmp", "/private/var/folders")
PROTECTED = (".git/config", ".git/commondir", ".git/hooks", ".claude", ".vscode", ".idea",
             ".mcp.json", "CLAUDE.md", "CLAUDE.local.md")  # fmt: skip


def _quote(path: Path | str) -> str:
    text = str(path).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def profile(
    roots: Iterable[Path], writable: bool, settings: SandboxSettings, tool_dirs: list[Path]
) -> str:
    roots = list(roots)
    writes: list[Path | str] = [*roots, *settings.allow_write] if writable else []
    read = [*SYSTEM_READ, *TEMP_WRITE, *map(str, tool_dirs), *settings.allow_read, *map(str, roots)]
    lines = [
        "(version 1)",
        "(deny default)",
        "(allow process-exec)",
        "(allow process-fork)",
        "(allow signal (target same-sandbox))",
        "(allow sysctl-read mach-lookup ipc-posix-shm)",
        "(allow file-read-metadata)",
        '(allow file-read* (literal "/")',
        *(f"  (subpath {_quote(p)})" for p in read),
        ")",
        '(allow file-write* (literal "/dev/null") (literal "/dev/tty")',
        *(f"  (subpath {_quote(p)})" for p in TEMP_WRITE),
        *(f"  (subpath {_quote(p)})" for p in writes),
        ")",
    ]
    secrets = secret_files(roots)
    if secrets:
        lines.append("(deny file-read* file-write*")
        lines.extend(f"  (literal {_quote(p)})" for p in secrets)
        lines.append(")")
    lines.append("(deny file-write*")
    for root in roots:
        lines.extend(f"  (subpath {_quote(root / rel)})" for rel in PROTECTED)
    lines.append(")")
    if settings.network:
        lines.append("(allow network*)")
    else:
        lines.append('(allow network* (remote unix-socket (path-literal "/var/run/syslog")))')
    return "\n".join(lines) + "\n"
