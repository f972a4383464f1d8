"""The OS sandbox every Bash command runs in: bubblewrap on Linux, Seatbelt on macOS.

What a command sees inside (Linux, ``bwrap``):

- the system read-only: ``/usr`` (and Debian's ``/bin``, ``/lib*``, ``/sbin`` links into
  it), ``/etc`` (``shadow`` and host keys masked), ``/opt``; the folders of the tools on
  ``PATH`` that live elsewhere (a virtual environment: its whole root, and the Python it
  was made from, if that holds a standard library) read-only;
- the workspace roots (the project and ``additionalDirectories``) read-write — or
  read-only in plan mode —, plus ``sandbox.filesystem.allowWrite`` read-write and
  ``allowRead`` read-only (say a cache in the home folder);
- inside the roots, every secret file (``agent.paths.secret_reason``) replaced by an
  empty read-only file, and ``.git/config``, ``.git/commondir``, ``.git/hooks``, a linked
  worktree's ``.git`` file, the ``commondir`` of the linked worktrees' folders,
  ``.claude/``, ``.vscode/``, ``.idea/``, ``.mcp.json``, ``CLAUDE.md`` read-only (git and
  the editor run outside with what they name: ``core.fsmonitor``, hooks, tasks); one of
  these that does not exist yet and is created by the command is removed afterwards
  (``Prepared.restore``), so it cannot appear either — a ``.git`` folder made by ``git
  init`` stays, without them;
- a private ``/tmp``, a private ``/dev``, its own ``/proc`` in a new PID namespace, no
  network (a new network namespace) unless ``sandbox.network.allowedDomains`` holds
  ``"*"``; when it lists domains, an HTTP proxy that reaches only those
  (``agent.netproxy``); no capabilities.

Everything else — parent and sibling folders, other projects, the home folder — does
not exist inside. The environment is the agent's minus credentials
(``agent.secrets.scrub_environment``), and ``bwrap`` itself is started with that same
environment: its ``/proc/1/environ`` is readable from inside.

Settings follow Claude Code's ``sandbox`` section: ``enabled`` (default here: true),
``autoAllowBashIfSandboxed`` (true), ``excludedCommands`` (run outside the sandbox,
after the permission parser's questions), ``failIfUnavailable``,
``network.allowedDomains`` and ``filesystem.allowRead`` / ``allowWrite``. Seatbelt
(macOS) has no proxy here yet: a list of domains keeps the network off there.
``CLAUDE_LSP_BWRAP`` names the ``bwrap`` to use (a path that does not exist turns the
sandbox off, which is how the fallback is tested).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from agent.paths import resolve_roots
from agent.sandbox_settings import SandboxSettings, load_sandbox_settings
from agent.secrets import scrub_environment, secret_files
from agent.shell import ShellSyntaxError, split_commands
from agent.types import PermissionMode

if TYPE_CHECKING:
    from agent.netproxy import DomainProxy
from agent.sandbox_system import SYSTEM_DIRS, SYSTEM_LINKS, bwrap_works, etc_masked
from refactor.files import within

__all__ = ["Prepared", "Sandbox", "SandboxSettings", "load_sandbox_settings"]

log = logging.getLogger(__name__)

RESCAN_SECONDS = 5.0
NET_FOLDER = "/.claude-lsp-net"  # where the domain proxy's socket appears inside
# Relative to each root: what later runs outside the sandbox, so never written inside.
PROTECTED = (".git", ".git/config", ".git/commondir", ".git/hooks", ".claude", ".vscode",
             ".idea", ".mcp.json", "CLAUDE.md", "CLAUDE.local.md")  # fmt: skip


@dataclass
class Prepared:
    """One command ready to start: its argv and environment, and what to undo after."""

    argv: list[str]
    env: dict[str, str]
    missing: list[Path] = field(default_factory=list)  # protected paths absent before
    links: dict[Path, str] = field(default_factory=dict)  # protected symlinks: their text

    def restore(self) -> list[str]:
        """Remove protected paths the command created, and what it put in place of a
        protected symlink (the link is made again); their names."""
        removed = []
        for path in self.missing:
            if not os.path.lexists(path):
                continue
            if path.is_dir() and not path.is_symlink() and path.name == ".git":
                continue  # made by git init: kept, less its config, commondir and hooks
            _remove(path)
            removed.append(path.name)
        for path, text in self.links.items():
            if os.path.islink(path) and os.readlink(path) == text:
                continue
            _remove(path)
            os.symlink(text, path)
            removed.append(path.name)
        return removed


def _remove(path: Path) -> None:
    """Remove what a command made at a protected path. Its folders may be read-only (the
    command's own doing): made writable first, and a failure is raised, not ignored."""
    if path.is_dir() and not path.is_symlink():
        _make_writable(str(path))
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _make_writable(folder: str) -> None:
    os.chmod(folder, 0o700)
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                _make_writable(entry.path)


class Sandbox:
    """The sandbox of one session; ``mode`` follows the permission mode (plan: nothing
    writable), set by ``agent.permissions.Permissions``."""

    def __init__(
        self,
        settings: SandboxSettings,
        roots: Iterable[Path],
        *,
        home: Path | None = None,
    ) -> None:
        self.settings = settings
        self.roots = resolve_roots(roots)
        self.home = (home or Path.home()).expanduser()
        self.mode: PermissionMode = "default"
        # The agent's PATH, else the system's (the probe and the commands must agree).
        found = shutil.which("bwrap") or shutil.which("bwrap", path=os.defpath)
        self.bwrap = os.environ.get("CLAUDE_LSP_BWRAP") or found or "bwrap"
        self.kind, self.reason = self._probe()
        self._empty_file: str | None = None
        self._empty_dir: str | None = None
        self._scan: tuple[float, list[Path]] | None = None
        self._tools: dict[str, list[Path]] = {}
        self._git_dirs: list[tuple[Path, Path]] | None = None
        self._proxy: DomainProxy | None = None
        self._proxy_problem: str | None = None
        # commands the user let reach the network (a permission question): once, always
        self._network_once: set[str] = set()
        self._network_always: set[str] = set()

    @property
    def active(self) -> bool:
        """True when Bash commands run inside the sandbox."""
        return self.kind is not None

    def describe(self) -> str:
        if self.kind is None:
            return f"no OS sandbox for Bash ({self.reason})"
        if self.settings.network:
            net = "network on"
        elif self.filtering and self._proxy_problem is not None:
            net = f"no network: {self._proxy_problem}"
        elif self.filtering:
            net = "network only to " + ", ".join(self.settings.allowed_domains)
        else:
            net = "no network"
        return f"Bash runs in a {self.kind} sandbox ({net})"

    @property
    def filtering(self) -> bool:
        """True when commands reach the network through the domain proxy only."""
        return (
            self.kind == "bubblewrap"
            and not self.settings.network
            and bool(self.settings.allowed_domains)
            and _relay_python() is not None
        )

    def _probe(self) -> tuple[str | None, str]:
        if not self.settings.enabled:
            return None, "sandbox.enabled is false in the settings"
        if sys.platform == "darwin":
            if shutil.which("sandbox-exec"):
                return "seatbelt", ""
            return None, "sandbox-exec not found"
        if not sys.platform.startswith("linux"):
            return None, f"no sandbox on {sys.platform}"
        problem = bwrap_works(self.bwrap)
        if problem:
            return None, problem
        return "bubblewrap", ""

    def excluded(self, command: str) -> bool:
        """True when ``command`` runs a program ``excludedCommands`` names (it then runs
        outside the sandbox)."""
        if not self.settings.excluded_commands:
            return False
        try:
            parts = split_commands(command)
        except ShellSyntaxError:
            return False
        for part in parts:
            for pattern in self.settings.excluded_commands:
                prefix = pattern.removesuffix(":*").removesuffix("*").strip()
                if part.text == prefix or part.text.startswith(prefix + " "):
                    return True
        return False

    def network_off(self) -> bool:
        """True when commands get no network at all (no ``allowedDomains``)."""
        return not self.settings.network and not self.settings.allowed_domains

    def grant_network(self, command: str, *, always: bool = False) -> None:
        """Let ``command`` reach the network: its next run, or every run this session."""
        (self._network_always if always else self._network_once).add(command)

    def network_granted(self, command: str) -> bool:
        return command in self._network_once or command in self._network_always

    def prepare(self, shell: str, command: str, cwd: Path, env: Mapping[str, str]) -> Prepared:
        """The argv and environment to run ``shell -c command`` in the sandbox."""
        granted = self.network_granted(command)
        self._network_once.discard(command)
        settings = replace(self.settings, network=True) if granted else self.settings
        clean, _ = scrub_environment(env)
        clean["TMPDIR"] = "/tmp"
        writable = self.mode != "plan"
        missing = self._protected(missing=True) if writable else []
        links = {p: os.readlink(p) for p in self._protected_links()} if writable else {}
        if self.kind == "seatbelt":
            from agent.seatbelt import profile

            text = profile(self.roots, writable, settings, self._tool_dirs(clean))
            argv = ["sandbox-exec", "-p", text, shell, "-c", command]
            return Prepared(argv, clean, missing, links)
        argv = [self.bwrap, *self._bwrap_args(clean, writable, settings.network)]
        run = [shell, "-c", command]
        if self.filtering and not granted and self._proxy_problem is None:
            from agent.netproxy import RELAY, SOCKET_NAME, DomainProxy

            if self._proxy is None:
                try:
                    self._proxy = DomainProxy(self.settings.allowed_domains)
                except OSError as exc:  # e.g. a socket path too long: no network, said once
                    self._proxy_problem = f"the network proxy did not start ({exc})"
                    log.warning("sandbox: %s; commands run without network", self._proxy_problem)
                    argv += ["--chdir", str(cwd), "--", *run]
                    return Prepared(argv, clean, missing, links)
            python = _relay_python()
            assert python is not None
            argv += ["--ro-bind", str(python.prefix), str(python.prefix)]
            argv += ["--ro-bind", str(self._proxy.folder), NET_FOLDER]  # (connect works)
            run = [str(python.executable), "-I", "-S", "-c", RELAY,
                   f"{NET_FOLDER}/{SOCKET_NAME}", *run]  # fmt: skip
        argv += ["--chdir", str(cwd), "--", *run]
        return Prepared(argv, clean, missing, links)

    def refused_hosts(self) -> list[str]:
        """Hosts the domain proxy refused so far, oldest first."""
        return list(self._proxy.denied) if self._proxy is not None else []

    # -- bubblewrap -------------------------------------------------------------------

    def _bwrap_args(self, env: Mapping[str, str], writable: bool, network: bool) -> list[str]:
        args: list[str] = []
        for folder in SYSTEM_DIRS:
            if os.path.isdir(folder):
                args += ["--ro-bind", folder, folder]
        for link in SYSTEM_LINKS:
            if os.path.islink(link):
                args += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                args += ["--ro-bind", link, link]
        empty = self._empty()
        for hidden in etc_masked():
            if os.path.isfile(hidden):
                args += ["--ro-bind", empty, hidden]
            elif os.path.isdir(hidden):
                args += ["--ro-bind", self._empty_folder(), hidden]
        args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for tool_dir in self._tool_dirs(env):
            args += ["--ro-bind", str(tool_dir), str(tool_dir)]
        for raw in self.settings.allow_read:
            args += ["--ro-bind-try", *(2 * [str(self._setting_path(raw))])]
        bind = "--bind" if writable else "--ro-bind"
        for root in self.roots:
            if root.is_dir():
                args += [bind, str(root), str(root)]
        if self._git_dirs is None:
            self._git_dirs = self._linked_git_dirs()
        for common, own in self._git_dirs:
            args += ["--ro-bind", str(common), str(common), bind, str(own), str(own)]
            pointer = str(own / "commondir")  # names the folder of git's config and hooks
            args += ["--ro-bind", pointer, pointer]
        if writable:
            for raw in self.settings.allow_write:
                args += ["--bind-try", *(2 * [str(self._setting_path(raw))])]
            for path in self._protected(missing=False):
                args += ["--ro-bind", str(path), str(path)]
        for path in self.masked():
            args += ["--ro-bind", empty, str(path)]
        args += ["--unshare-pid", "--unshare-ipc"]
        if not network:
            args += ["--unshare-net"]
        args += ["--die-with-parent", "--cap-drop", "ALL"]
        return args

    def masked(self) -> list[Path]:
        """The secret files to show empty: each one found in the roots, or for a
        symlink, the file it leads to when that is inside the roots.

        The walk is reused for ``RESCAN_SECONDS``: a command cannot make a secret it
        could not already read (the masked ones are empty to it), so a fresh walk per
        command would only catch files the user adds in those seconds. Files gone since
        are dropped (binding over a missing file would create it)."""
        now = time.monotonic()
        if self._scan is None or now - self._scan[0] > RESCAN_SECONDS:
            self._scan = (now, secret_files(self.roots))
        out: list[Path] = []
        for path in self._scan[1]:
            target = path.resolve() if path.is_symlink() else path
            if target.is_file() and within(target, self.roots) and target not in out:
                out.append(target)
        return out

    def _linked_git_dirs(self) -> list[tuple[Path, Path]]:
        """For a root that is a linked git worktree (``.git`` is a file naming its git
        folder elsewhere): the repository's shared folder (read-only: objects, config,
        hooks) and the worktree's own folder (index, HEAD: writable like the root)."""
        found = []
        for root in self.roots:
            marker = root / ".git"
            if not marker.is_file():
                continue
            try:
                line = marker.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                continue
            if not line.startswith("gitdir:"):
                continue
            own = (root / line.removeprefix("gitdir:").strip()).resolve()
            try:
                common_rel = (own / "commondir").read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                continue
            common = (own / common_rel).resolve()
            if not (own.is_dir() and common.is_dir() and own.is_relative_to(common)):
                continue
            # Both files can be written by a command: a folder that holds a root would
            # show the root's siblings (the home folder, ~/.ssh) to every later command.
            if not any(r.is_relative_to(common) for r in self.roots):
                found.append((common, own))
        return found

    def _protected(self, *, missing: bool) -> list[Path]:
        found = []
        for root in self.roots:
            for rel in PROTECTED:
                path = root / rel
                if not missing and rel == ".git" and path.is_dir():
                    continue  # git's folder stays writable; a worktree's .git file does not
                if not path.is_symlink():
                    if os.path.lexists(path) != missing:
                        found.append(path)
                    continue
                # A link: what it leads to inside (bwrap cannot bind onto an absolute
                # link), if there; if not, the target is what must not appear.
                target = path.resolve()
                if within(target, self.roots) and target.exists() != missing:
                    found.append(target)
            if not missing:  # where the repository's linked worktrees find it, elsewhere
                found.extend(sorted((root / ".git" / "worktrees").glob("*/commondir")))
        return found

    def _protected_links(self) -> list[Path]:
        """The protected paths that are symlinks: a command could replace the link."""
        return [root / rel for root in self.roots for rel in PROTECTED if (root / rel).is_symlink()]

    def _tool_dirs(self, env: Mapping[str, str]) -> list[Path]:
        """Folders of the tools on PATH outside the system folders (a virtual
        environment's root, and the Python it was made from); worked out once per
        PATH."""
        path = env.get("PATH", "")
        if path not in self._tools:
            self._tools[path] = self._find_tool_dirs(path)
        return self._tools[path]

    def _find_tool_dirs(self, path: str) -> list[Path]:
        found: list[Path] = []
        for entry in path.split(os.pathsep):
            if not entry or not os.path.isabs(entry) or not os.path.isdir(entry):
                continue
            folder = Path(entry).resolve()
            cfg = folder.parent / "pyvenv.cfg"
            if folder.name == "shims":  # pyenv, rbenv, asdf: the shims run the manager
                found.append(folder.parent)
            elif cfg.is_file():
                found.append(folder.parent)
                base = _venv_home(cfg)
                install = None if base is None else base.parent if base.name == "bin" else base
                if install is not None and _python_installation(install):
                    found.append(install)
            else:
                found.append(folder)
        out: list[Path] = []
        for folder in sorted(set(found)):  # (a folder sorts before the ones inside it)
            if self._safe_to_show(folder) and not any(folder.is_relative_to(o) for o in out):
                out.append(folder)  # (a folder inside one already shown adds nothing)
        return out

    def _safe_to_show(self, folder: Path) -> bool:
        """Not a system folder (already there), not the home folder or ``/``, and not a
        folder that holds a workspace root (it would show the root's siblings)."""
        text = str(folder)
        if folder == Path("/") or folder == self.home.resolve():  # (even without roots)
            return False
        if any(text == d or text.startswith(d + "/") for d in (*SYSTEM_DIRS, *SYSTEM_LINKS)):
            return False
        return not any(root == folder or root.is_relative_to(folder) for root in self.roots)

    def _setting_path(self, raw: str) -> Path:
        return self.roots[0] / Path(raw).expanduser()  # (an absolute path stays itself)

    def _empty(self) -> str:
        if self._empty_file is None:
            handle, name = tempfile.mkstemp(prefix="claude-lsp-masked-")
            os.close(handle)
            os.chmod(name, 0o444)
            self._empty_file = name
        return self._empty_file

    def _empty_folder(self) -> str:
        if self._empty_dir is None:
            self._empty_dir = tempfile.mkdtemp(prefix="claude-lsp-masked-")
            os.chmod(self._empty_dir, 0o555)
        return self._empty_dir

    def close(self) -> None:
        """Remove the masking file and folder; stop the domain proxy."""
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        if self._empty_file is not None:
            Path(self._empty_file).unlink(missing_ok=True)
            self._empty_file = None
        if self._empty_dir is not None:
            os.rmdir(self._empty_dir)
            self._empty_dir = None


def _python_installation(folder: Path) -> bool:
    """True when ``folder`` holds a Python's standard library. A venv's ``home`` is only
    followed to one: a venv inside the workspace is written by commands, and its
    ``pyvenv.cfg`` could otherwise show any folder (``~/.ssh``) to the next session."""
    return any(folder.glob("lib/py*/os.py")) or any(
        folder.glob("Frameworks/Python.framework/Versions/*/lib/py*/os.py")  # Homebrew
    )


def _venv_home(cfg: Path) -> Path | None:
    try:
        for line in cfg.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home" and value.strip():
                return Path(value.strip()).resolve()
    except OSError:
        return None
    return None


@dataclass(frozen=True)
class _Python:
    executable: Path
    prefix: Path  # shown read-only inside: the interpreter and its standard library


@cache
def _relay_python() -> _Python | None:
    """The Python that runs the proxy relay inside the sandbox: the system's, else the
    one running this (its installation, not a virtual environment)."""
    system = Path("/usr/bin/python3")
    if system.is_file() and os.access(system, os.X_OK):
        return _Python(system, Path("/usr"))
    real = Path(sys.executable).resolve()
    prefix = Path(sys.base_prefix).resolve()
    if real.is_file() and real.is_relative_to(prefix) and prefix != Path("/"):
        return _Python(real, prefix)
    return None
