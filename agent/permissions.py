"""The permission policy: Claude Code's modes and rules, plus the workspace fence.

A call is judged in this order, and the first step that decides wins:

1. the paths it touches must be inside the workspace roots (always, in every mode);
2. ``deny`` rules;
3. ``plan`` mode denies anything that is not read-only;
4. secret files (``.env``, keys …) are denied unless an ``allow`` rule names them;
5. ``ask`` rules (ignored in ``bypassPermissions``);
6. ``bypassPermissions`` allows;
7. ``allow`` rules and what the user allowed for the session (``remember``);
8. read-only tools are allowed; ``acceptEdits`` allows file edits;
9. everything else asks.

Rules use Claude Code's syntax: ``Tool`` for the whole tool, ``Bash(npm test:*)`` for a
command prefix, ``Bash(ls)`` for an exact command, ``Edit(src/**)`` / ``Read(**/.env)``
for gitignore-style patterns relative to the project (``/x`` anchored at the project,
``//x`` absolute, ``~/x`` in the home directory), ``mcp__server`` / ``mcp__server__tool``
(a rule naming a whole server also covers reading its resources) and
``WebFetch(domain:example.com)``. ``Read`` rules cover every tool that reads files
and ``Edit`` rules every tool that writes them.

A shell command line is split into the simple commands it runs (``agent.shell``); it is
allowed only when every one of them is, and a redirection into a file counts as an edit
of that file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import pathspec

from agent.bash_network import network_question, network_reason
from agent.bash_programs import (
    CHDIR,
    NAME_ONLY_PROGRAMS,
    bash_matches,
    escape_glob,
    expand_arg,
    listed_read_only,
    show_part,
)
from agent.bash_strict import plainly_read_only, rule_reach_ok, unplain
from agent.paths import (
    PathError,
    confine,
    protected_reason,
    resolve,
    resolve_roots,
    secret_reason,
)
from agent.settings import Settings, save_always_allow
from agent.shell import ShellSyntaxError, SimpleCommand, split_commands
from agent.types import PermissionMode, Tool
from refactor.files import within

if TYPE_CHECKING:
    from agent.sandbox import Sandbox

log = logging.getLogger(__name__)

Decision = Literal["allow", "ask", "deny"]

READ_FAMILY = frozenset({"Read", "Glob", "Grep", "LS", "Diagnostics", "NotebookRead", "Symbols"})
EDIT_FAMILY = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit", "Rename"})
PATH_KEYS = ("file_path", "notebook_path", "path")


@dataclass(frozen=True)
class Rule:
    tool: str
    spec: str | None
    text: str

    @staticmethod
    def parse(text: str) -> Rule | None:
        match = re.fullmatch(r"\s*([A-Za-z0-9_*.-]+)\s*(?:\((.*)\))?\s*", text, re.DOTALL)
        if match is None:
            return None
        spec = match.group(2)
        spec = " ".join(spec.split()) if spec is not None else None
        return Rule(match.group(1), spec or None, text)

    def names(self, tool: str) -> bool:
        """True when this rule is about ``tool`` (before looking at its specifier)."""
        if self.tool == tool:
            return True
        if self.tool == "Read" and tool in READ_FAMILY:
            return True
        if self.tool == "Edit" and tool in EDIT_FAMILY:
            return True
        if self.tool.startswith("mcp__") and tool.startswith("mcp__"):
            prefix = self.tool.removesuffix("*").removesuffix("__")
            return tool == prefix or tool.startswith(prefix + "__")
        return False


class Permissions:
    """The PermissionPolicy of one session."""

    def __init__(
        self,
        mode: PermissionMode,
        settings: Settings,
        roots: Iterable[Path],
        allowed_tools: Iterable[str] = (),
        disallowed_tools: Iterable[str] = (),
        *,
        cwd: Path | None = None,
        home: Path | None = None,
        persist_to: Path | None = None,
        sandbox: Sandbox | None = None,
    ) -> None:
        self.sandbox = sandbox
        self.mode = mode
        self.roots = resolve_roots(roots)
        if not self.roots:
            raise ValueError("Permissions needs at least one workspace root")
        self.cwd = resolve(cwd, self.roots[0]) if cwd is not None else self.roots[0]
        self.home = home if home is not None else Path.home()
        self.warnings: list[str] = []
        self.allow = self._rules([*settings.allow, *allowed_tools])
        self.deny = self._rules([*settings.deny, *disallowed_tools])
        self.ask = self._rules(settings.ask)
        self.session: list[Rule] = []
        # "Always allow" answers are also saved there (.claude/settings.local.json).
        self.persist_to = persist_to

    def _rules(self, texts: Iterable[str]) -> list[Rule]:
        rules = []
        for text in texts:
            rule = Rule.parse(text)
            if rule is None:
                self.warnings.append(f"ignoring permission rule {text!r}: not Tool or Tool(…)")
                log.warning("%s", self.warnings[-1])
            else:
                rules.append(rule)
        return rules

    @property
    def mode(self) -> PermissionMode:
        return self._mode

    @mode.setter
    def mode(self, mode: PermissionMode) -> None:
        self._mode: PermissionMode = mode
        if self.sandbox is not None:
            self.sandbox.mode = mode  # plan mode: the sandbox makes nothing writable

    # -- the policy --------------------------------------------------------------------

    def decide(self, tool: Tool, input: dict[str, Any]) -> tuple[Decision, str]:
        if not isinstance(input, dict):
            return "deny", "the tool input must be a JSON object"
        if tool.name == "Bash":
            return self._decide_bash(str(input.get("command", "")))
        try:
            paths = self._paths(input)
        except PathError as exc:
            return "deny", str(exc)
        for rule in self.deny:
            if self._matches(rule, tool.name, input, paths):
                return "deny", f"denied by the permission rule {rule.text}"
        if self.mode == "plan" and not tool.read_only:
            return "deny", f"plan mode allows only read-only tools; {tool.name} changes things"
        for path in paths:
            reason = secret_reason(path)
            if reason and not self._explicitly_allowed(tool.name, input, path):
                return "deny", (
                    f"{reason}; secrets are not read or written unless a permission rule "
                    f"allows it (e.g. {tool.name}({path.name}))"
                )
        if tool.name in EDIT_FAMILY or not tool.read_only:
            for path in paths:
                reason = protected_reason(path, self.roots)
                if reason and not self._explicitly_allowed(tool.name, input, path):
                    return "ask", f"{reason}: changes to it always ask, in every mode"
        if self.mode != "bypassPermissions":
            for rule in self.ask:
                if self._matches(rule, tool.name, input, paths):
                    return "ask", f"the permission rule {rule.text} asks first"
        if self.mode == "bypassPermissions":
            return "allow", "bypassPermissions mode"
        for rule in [*self.allow, *self.session]:
            if self._matches(rule, tool.name, input, paths):
                return "allow", f"allowed by {rule.text}"
        if tool.read_only:
            return "allow", "read-only tool"
        if self.mode == "acceptEdits" and tool.name in EDIT_FAMILY:
            return "allow", "acceptEdits mode"
        return "ask", f"{tool.name} changes files or runs commands"

    def allowed_once(self, tool: Tool, input: dict[str, Any]) -> None:
        self._grant_network(tool, input, always=False)

    def _grant_network(self, tool: Tool, input: dict[str, Any], *, always: bool) -> None:
        """An allowed command that needs the network gets it (the sandbox keeps it off)."""
        command = str(input.get("command", ""))
        if tool.name == "Bash" and network_question(self.sandbox, command) is not None:
            assert self.sandbox is not None
            self.sandbox.grant_network(command, always=always)

    def remember(self, tool: Tool, input: dict[str, Any]) -> None:
        self._grant_network(tool, input, always=True)
        added = self._session_rules(tool, input)
        self.session.extend(added)
        if self.persist_to is not None and added:
            rules = [rule.text for rule in added]
            if warning := save_always_allow(self.persist_to, rules, self.cwd, self.home):
                self.warnings.append(warning)
                log.warning("%s", warning)

    def _session_rules(self, tool: Tool, input: dict[str, Any]) -> list[Rule]:
        """The rules that allow calls like this one."""
        if tool.name == "Bash":
            try:
                parts = split_commands(str(input.get("command", "")))
            except ShellSyntaxError:
                return []
            return [
                Rule("Bash", part.text, f"Bash({part.text})")
                for part in parts
                if part.words and not self._bash_part_allowed(part, [self.cwd])
            ]
        try:
            paths = self._paths(input)
        except PathError:
            return []
        if not paths:
            return [Rule(tool.name, None, tool.name)]
        rules = []
        for path in paths:
            rel = self._relative(path, self.cwd)
            spec = "/" + escape_glob(rel) if rel is not None else "/" + escape_glob(str(path))
            rules.append(Rule(tool.name, spec, f"{tool.name}({spec})"))
        return rules

    # -- Bash ----------------------------------------------------------------------------

    @property
    def sandboxed(self) -> bool:
        """True when Bash commands run in an OS sandbox."""
        return self.sandbox is not None and self.sandbox.active

    def _decide_bash(self, command: str) -> tuple[Decision, str]:
        sandbox = self.sandbox
        if sandbox is not None and sandbox.active and not sandbox.excluded(command):
            strict = False
        else:
            sandbox, strict = None, True
        if self.mode == "plan" and not command.strip():
            return "deny", "empty command"
        try:
            parts = split_commands(command)
        except ShellSyntaxError as exc:
            if self.mode == "plan":
                return "deny", f"plan mode: cannot tell what this command runs ({exc})"
            if self.mode == "bypassPermissions":
                return "allow", "bypassPermissions mode"
            return "ask", f"cannot split this command safely ({exc})"
        dirs = self._working_dirs(parts)
        for part, cwds in zip(parts, dirs, strict=True):
            for target in part.write_targets():
                for cwd in cwds or [self.cwd]:
                    try:
                        path = confine(target, cwd, self.roots)
                    except PathError as exc:
                        return "deny", f"`{part.text}` redirects output: {exc}"
                    if secret_reason(path) and not self._edit_allowed(path, explicit=True):
                        return "deny", f"`{part.text}` would write {target}: a secret"
                    protected = protected_reason(path, self.roots)
                    if (
                        protected
                        and self.mode not in ("plan", "bypassPermissions")
                        and not self._edit_allowed(path, explicit=True)
                    ):
                        return "ask", f"`{show_part(part)}` would write {target}: {protected}"
            for rule in self.deny:
                if rule.names("Bash") and bash_matches(rule.spec, part):
                    return "deny", f"`{part.text}` is denied by the permission rule {rule.text}"
            secret = self._secret_read(part, cwds or [self.cwd])
            if secret is not None:
                return "deny", (
                    f"`{show_part(part)}` would read {secret}, which looks like a secret; secrets "
                    f"are not read unless a permission rule allows it (e.g. Read({secret.name}))"
                )
        if self.mode == "plan":
            writes = [p for p in parts if p.write_targets()]
            if writes:
                return (
                    "deny",
                    f"plan mode writes nothing; `{show_part(writes[0])}` redirects into a file",
                )
            if sandbox is not None:
                return "allow", "plan mode: runs in the sandbox with nothing writable"
            problem = unplain(command, parts)
            if problem:
                return "deny", f"plan mode allows only plainly read-only commands; {problem}"
            unsafe = [p for p, d in zip(parts, dirs, strict=True) if not self._read_only_part(p, d)]
            if unsafe:
                return "deny", (
                    f"plan mode allows only read-only commands; `{show_part(unsafe[0])}` is not one"
                )
            return "allow", "read-only command"
        if self.mode != "bypassPermissions":
            for part in parts:
                for rule in self.ask:
                    if rule.names("Bash") and bash_matches(rule.spec, part):
                        return "ask", f"the permission rule {rule.text} asks first"
        if self.mode == "bypassPermissions":
            return "allow", "bypassPermissions mode"
        network = network_reason(sandbox, command, parts) if sandbox is not None else None
        if network is not None:
            return "ask", network
        if sandbox is not None and sandbox.settings.auto_allow:
            return "allow", "runs in the sandbox"
        problem = unplain(command, parts) if strict else None
        if problem:
            return "ask", f"no sandbox, and this command is not plainly read-only: {problem}"
        pending = [
            p for p, d in zip(parts, dirs, strict=True) if not self._bash_part_allowed(p, d, strict)
        ]
        if not pending:
            return "allow", "every command is allowed"
        shown = ", ".join(f"`{show_part(p)}`" for p in pending[:3])
        return "ask", f"not allowed yet: {shown}"

    def _working_dirs(self, parts: list[SimpleCommand]) -> list[list[Path] | None]:
        """Per part, the directories it may run in after the ``cd``s before it (every
        one: a subshell or a failed ``cd`` may undo one); None when that is unknown."""
        dirs: list[Path] | None = [self.cwd]
        out = []
        for part in parts:
            out.append(dirs)
            if part.program not in CHDIR or dirs is None:
                continue
            args = [a for a in part.words[1:] if a == "-" or not a.startswith("-")]
            if part.program == "popd" or not args or args[0] == "-" or "$" in args[0]:
                dirs = None
            else:
                dirs = [*dirs, *(resolve(args[0], d) for d in dirs)]
        return out

    def _secret_read(self, part: SimpleCommand, cwds: list[Path]) -> Path | None:
        """A secret file this command would read (as an argument or from ``<``)."""
        if not part.words or part.program in NAME_ONLY_PROGRAMS:
            return None
        reads = [r.target for r in part.redirects if r.op in ("<", "<>")]
        args = [a for a in part.words[1:] if a and not a.startswith("-")] + reads
        for arg in args:
            for cwd in cwds:
                for path in expand_arg(arg, cwd):
                    if secret_reason(path) is None:
                        continue
                    explicit = any(  # an exact rule, `Bash(cat .env)`, not `Bash(cat:*)`
                        r.names("Bash")
                        and r.spec is not None
                        and "*" not in r.spec
                        and bash_matches(r.spec, part)
                        for r in self.allow
                    )
                    if not explicit and not self._explicitly_allowed(
                        "Read", {"file_path": str(path)}, path
                    ):
                        return path
        return None

    def _bash_part_allowed(
        self, part: SimpleCommand, cwds: list[Path] | None, strict: bool = True
    ) -> bool:
        """Whether ``part`` runs without a question. ``strict`` (no sandbox): a rule
        that allows it still does not let it reach outside the workspace or a secret."""
        for target in part.write_targets():
            if cwds is None and not Path(target).expanduser().is_absolute():
                return False
            for cwd in cwds or [self.cwd]:
                if not self._edit_allowed(resolve(target, cwd), explicit=False):
                    return False
        if not part.words:
            return True
        rules = [r for r in [*self.allow, *self.session] if r.names("Bash")]
        if any(bash_matches(r.spec, part) for r in rules):
            if not strict or part.program in CHDIR:
                return True
            exact = any(r.spec is not None and "*" not in r.spec for r in rules
                        if bash_matches(r.spec, part))  # fmt: skip
            reach = [cwd for cwd in cwds or [] if within(cwd, self.roots)]
            if cwds and len(reach) == len(cwds):
                return rule_reach_ok(part, cwds, self.roots, exact)
            return False
        return self._read_only_part(part, cwds, writes_checked=True)

    def _edit_allowed(self, path: Path, explicit: bool) -> bool:
        if not explicit and self.mode in ("acceptEdits", "bypassPermissions"):
            return True
        input = {"file_path": str(path)}
        return any(
            self._matches(rule, "Edit", input, [path], explicit=explicit)
            for rule in [*self.allow, *self.session]
        )

    def _read_only_part(
        self, part: SimpleCommand, cwds: list[Path] | None, writes_checked: bool = False
    ) -> bool:
        if part.write_targets() and not writes_checked:
            return False
        if not part.words:
            return True
        if cwds is None:  # after a `cd` we cannot follow
            return False
        # Two independent judgements must agree (defence in depth): the strict one, and
        # the list of read-only programs with their unsafe options.
        return plainly_read_only(part, cwds, self.roots, writes_checked) and listed_read_only(
            part, cwds, self.roots
        )

    # -- files ---------------------------------------------------------------------------

    def _paths(self, input: dict[str, Any]) -> list[Path]:
        paths = []
        for key in PATH_KEYS:
            value = input.get(key)
            if isinstance(value, str) and value:
                paths.append(confine(value, self.cwd, self.roots))
        return paths

    def _explicitly_allowed(self, tool: str, input: dict[str, Any], path: Path) -> bool:
        return any(
            self._matches(rule, tool, input, [path], explicit=True)
            for rule in [*self.allow, *self.session]
        )

    def _matches(
        self,
        rule: Rule,
        tool: str,
        input: dict[str, Any],
        paths: list[Path],
        explicit: bool = False,
    ) -> bool:
        if not rule.names(tool) and not rule.names(_resource_server(tool, input)):
            return False
        if rule.spec is None:
            return not explicit
        if tool in READ_FAMILY or tool in EDIT_FAMILY:
            return bool(paths) and all(self._path_matches(rule.spec, p) for p in paths)
        if tool == "WebFetch" and rule.spec.startswith("domain:"):
            host = urlsplit(str(input.get("url", ""))).hostname or ""
            domain = rule.spec.removeprefix("domain:").lower()
            return host == domain or host.endswith("." + domain)
        return False

    def _path_matches(self, spec: str, path: Path) -> bool:
        if spec.startswith("//"):
            base, pattern = Path("/"), "/" + spec[2:]
        elif spec.startswith("~/"):
            base, pattern = self.home.resolve(strict=False), "/" + spec[2:]
        elif spec.startswith("./"):
            base, pattern = self.cwd, "/" + spec[2:]
        else:
            base, pattern = self.cwd, spec
        rel = self._relative(path, base)
        if rel is None:
            return False
        matcher = pathspec.GitIgnoreSpec.from_lines([pattern])
        return matcher.match_file(rel) or (path.is_dir() and matcher.match_file(rel + "/"))

    @staticmethod
    def _relative(path: Path, base: Path) -> str | None:
        if path == base:
            return "."
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
        return None


def _resource_server(tool: str, input: dict[str, Any]) -> str:
    """``mcp__<server>`` for a call of the MCP resource tools on one server, else ''."""
    server = input.get("server")
    if tool not in ("ListMcpResourcesTool", "ReadMcpResourceTool") or not isinstance(server, str):
        return ""
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"mcp__{server}") if server else ""
