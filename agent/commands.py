"""Slash commands: the built-ins every door handles, and Claude Code's custom commands.

Custom commands are markdown files: ``.claude/commands/**/*.md`` in the project and
``~/.claude/commands/**/*.md`` for the user (a project command shadows a user one of the
same name). ``a/b.md`` is ``/a:b``. An optional frontmatter block gives ``description``,
``argument-hint``, ``allowed-tools`` (permission rules that hold while the command's turn
runs) and ``model`` (the model of that turn); the body is the prompt, with
``$ARGUMENTS`` replaced by everything after the name and ``$1`` … ``$9`` by the words.
``!`cmd` `` runs ``cmd`` first, through the Bash tool, and puts its output in its place —
only when the permission rules (with ``allowed-tools``) allow it without asking; ``@path``
attaches the file (when Read may read it). The agent-side expansion is in
``agent.slash``.
"""

from __future__ import annotations

import logging
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Source = Literal["builtin", "project", "user"]
MAX_COMMAND_BYTES = 256 * 1024

BUILTINS: dict[str, tuple[str, str]] = {
    "/clear": ("Start a new conversation (the old one stays resumable)", ""),
    "/compact": ("Summarise the conversation so far to free context", "[focus]"),
    "/cost": ("Show the tokens and cost of this session", ""),
    "/model": ("Show or change the model of this session", "[model]"),
    "/rewind": ("Undo the last N turns: files, conversation or both", "[N] [code|chat|both]"),
    "/mcp": ("Show the MCP servers, their state and tools", ""),
    "/help": ("List the slash commands", ""),
}


@dataclass(frozen=True)
class Command:
    name: str  # with the slash
    description: str
    argument_hint: str
    source: Source
    path: Path | None = None

    def meta(self) -> dict[str, str]:
        """The frontmatter (read again: the file may have changed)."""
        if self.path is None:
            return {}
        return _frontmatter(_read(self.path))[0]

    def allowed_tools(self, meta: dict[str, str]) -> list[str]:
        from agent.cli import split_rules

        return split_rules([meta.get("allowed-tools", "")])

    def expand(self, arguments: str) -> str:
        """The prompt this command sends for ``arguments`` (before ``!`` and ``@``)."""
        if self.path is None:
            raise ValueError(f"{self.name} is a built-in command")
        _, body = _frontmatter(_read(self.path))
        try:
            words = shlex.split(arguments)
        except ValueError:
            words = arguments.split()

        def positional(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            return words[index] if index < len(words) else ""

        body = body.replace("$ARGUMENTS", arguments)
        return re.sub(r"\$([1-9])(?![0-9])", positional, body).strip()


def split_command(prompt: str) -> tuple[str, str] | None:
    """``("/name", "args")`` when ``prompt`` starts with a slash command, else None."""
    match = re.match(r"\s*(/[A-Za-z0-9_:.-]+)(?:\s+(.*))?\s*$", prompt, re.DOTALL)
    if match is None:
        return None
    return match.group(1), (match.group(2) or "").strip()


def list_commands(cwd: Path, home: Path | None = None) -> list[Command]:
    """Built-ins first, then custom commands by name."""
    home = Path.home() if home is None else home
    found = [Command(name, d, hint, "builtin") for name, (d, hint) in BUILTINS.items()]
    custom: dict[str, Command] = {}
    for source, folder in (("user", home / ".claude" / "commands"),
                           ("project", cwd / ".claude" / "commands")):  # fmt: skip
        for command in _scan(folder, source):  # type: ignore[arg-type]
            if command.name not in BUILTINS:
                custom[command.name] = command  # project after user: project wins
    return found + sorted(custom.values(), key=lambda c: c.name)


def find_command(name: str, cwd: Path, home: Path | None = None) -> Command | None:
    return next((c for c in list_commands(cwd, home) if c.name == name), None)


def _scan(folder: Path, source: Source) -> list[Command]:
    if not folder.is_dir():
        return []
    commands = []
    for path in sorted(folder.rglob("*.md")):
        relative = path.relative_to(folder).with_suffix("")
        name = "/" + ":".join(relative.parts)
        try:
            meta, body = _frontmatter(_read(path))
        except (OSError, ValueError) as exc:
            log.warning("skipping command %s: %s", path, exc)
            continue
        description = meta.get("description") or _first_line(body)
        commands.append(Command(name, description, meta.get("argument-hint", ""), source, path))
    return commands


def _read(path: Path) -> str:
    if path.stat().st_size > MAX_COMMAND_BYTES:
        raise ValueError(f"over {MAX_COMMAND_BYTES} bytes")
    return path.read_text(encoding="utf-8")


def _frontmatter(text: str) -> tuple[dict[str, str], str]:
    """Simple ``key: value`` frontmatter between ``---`` lines, and the body. YAML lists
    (``[a, b]`` or ``- a`` lines under the key) become one comma-separated value."""
    match = re.match(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", text, re.DOTALL)
    if match is None:
        return {}, text
    meta: dict[str, str] = {}
    key = ""
    for line in match.group(1).splitlines():
        item = re.match(r"\s+-\s+(.*)|-\s+(.*)", line)
        if item and key:
            value = _unquote(item.group(1) or item.group(2) or "")
            meta[key] = f"{meta[key]}, {value}" if meta[key] else value
            continue
        name, sep, value = line.partition(":")
        if sep and name.strip() and not line[:1].isspace():
            key, value = name.strip(), value.strip()
            if value.startswith("[") and value.endswith("]"):
                value = ", ".join(_unquote(v) for v in value[1:-1].split(",") if v.strip())
            meta[key] = _unquote(value)
    return meta, text[match.end() :]


def _unquote(value: str) -> str:
    return value.strip().strip("\"'")


def _first_line(body: str, limit: int = 80) -> str:
    line = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
