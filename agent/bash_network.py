"""Which commands reach the network: the programs and subcommands whose job is to
download, upload or connect (``curl``, ``git clone``, ``pip install``, ``npm ci`` …).

In the sandbox the network is off unless ``sandbox.network.allowedDomains`` opens it;
for these commands the permission policy asks instead of letting them fail offline,
and an allowed one runs with the network (``agent.sandbox.Sandbox.grant_network``).
A command this list misses simply runs without network, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.bash_programs import show_part
from agent.shell import ShellSyntaxError, SimpleCommand, split_commands

if TYPE_CHECKING:
    from agent.sandbox import Sandbox

# Programs that are network clients whatever their arguments.
CLIENTS = frozenset(
    {"curl", "wget", "ssh", "scp", "sftp", "ftp", "telnet", "nc", "ncat", "netcat", "http",
     "https", "xh", "aria2c", "gh", "glab", "npx", "pnpx", "bunx", "ping", "dig", "nslookup",
     "host", "rsync"}
)  # fmt: skip
# Programs whose listed subcommands (their first word that is not an option) do.
SUBCOMMANDS: dict[str, frozenset[str]] = {
    "git": frozenset({"clone", "fetch", "pull", "push", "ls-remote", "submodule", "remote"}),
    "pip": frozenset({"install", "download", "search", "index"}),
    "uv": frozenset({"pip", "sync", "add", "lock", "tool", "python", "venv", "run", "publish"}),
    "poetry": frozenset({"install", "add", "update", "lock", "publish", "search"}),
    "pipenv": frozenset({"install", "sync", "lock", "update", "upgrade"}),
    "npm": frozenset({"install", "i", "ci", "add", "update", "upgrade", "publish", "view",
                      "info", "outdated", "audit", "exec", "create", "init"}),
    "yarn": frozenset({"install", "add", "upgrade", "up", "dlx", "create", "info", "npm"}),
    "pnpm": frozenset({"install", "i", "add", "update", "up", "dlx", "create", "fetch"}),
    "bun": frozenset({"install", "i", "add", "update", "x", "create"}),
    "cargo": frozenset({"install", "fetch", "update", "search", "publish", "add"}),
    "go": frozenset({"get", "install", "mod"}),
    "gem": frozenset({"install", "update", "fetch", "push"}),
    "bundle": frozenset({"install", "update", "add"}),
    "composer": frozenset({"install", "update", "require", "create-project"}),
    "docker": frozenset({"pull", "push", "login", "search"}),
    "podman": frozenset({"pull", "push", "login", "search"}),
    "apt": frozenset({"install", "update", "upgrade", "download", "full-upgrade"}),
    "apt-get": frozenset({"install", "update", "upgrade", "download", "dist-upgrade"}),
    "brew": frozenset({"install", "update", "upgrade", "fetch", "tap"}),
    "conda": frozenset({"install", "create", "update", "search"}),
    "mamba": frozenset({"install", "create", "update", "search"}),
}  # fmt: skip
for _name in ("pip3", "pip3.11", "pip3.12", "pip3.13"):
    SUBCOMMANDS[_name] = SUBCOMMANDS["pip"]
PYTHONS = frozenset({"python", "python3", "py"})


def uses_network(part: SimpleCommand) -> bool:
    """Whether ``part`` is a command that needs the network (see the module docstring);
    ``python -m pip install`` counts as ``pip install``."""
    words = part.words
    program = part.program
    if program in PYTHONS or program.startswith("python3."):
        rest = words[1:]
        if len(rest) >= 2 and rest[0] == "-m":
            program, words = rest[1], rest[1:]
        else:
            return False
    if program in CLIENTS:
        return True
    subcommands = SUBCOMMANDS.get(program)
    if subcommands is None:
        return False
    first = next((w for w in words[1:] if not w.startswith("-")), None)
    return first in subcommands


def network_question(sandbox: Sandbox | None, command: str) -> str | None:
    """Why ``command`` asks first: it needs the network, which ``sandbox`` keeps off
    (no ``allowedDomains``) and the user has not granted it; None otherwise."""
    if sandbox is None or not sandbox.active or sandbox.excluded(command):
        return None
    try:
        parts = split_commands(command)
    except ShellSyntaxError:
        return None
    return network_reason(sandbox, command, parts)


def network_reason(sandbox: Sandbox, command: str, parts: list[SimpleCommand]) -> str | None:
    """``network_question`` for a command already split, that runs in ``sandbox``."""
    if not sandbox.network_off() or sandbox.network_granted(command):
        return None
    online = [p for p in parts if uses_network(p)]
    if not online:
        return None
    return f"`{show_part(online[0])}` uses the network, which the sandbox keeps off; {NETWORK_NOTE}"


NETWORK_NOTE = "allowed, this command runs with the network"  # also in the question asked
