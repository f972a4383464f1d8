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
and ``WebFetch(domain:example.com)``. ``Read`` rules cover every tool that reads files
and ``Edit`` rules every tool that writes them.

A shell command line is split into the simple commands it runs (``agent.shell``); it is
allowed only when every one of them is, and a redirection into a file counts as an edit
of that file.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pathspec

from agent.paths import PathError, confine, resolve, resolve_roots, secret_reason
from agent.settings import Settings, save_allow_rules
from agent.shell import ShellSyntaxError, SimpleCommand, split_commands
from agent.types import PermissionMode, Tool
from refactor.files import within

log = logging.getLogger(__name__)

Decision = Literal["allow", "ask", "deny"]

READ_FAMILY = frozenset({"Read", "Glob", "Grep", "LS", "Diagnostics", "NotebookRead", "Symbols"})
EDIT_FAMILY = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit", "Rename"})
PATH_KEYS = ("file_path", "notebook_path", "path")

# Programs that only read, allowed without asking when their path arguments stay inside
# the workspace and away from secrets, and they redirect into no file.
READ_ONLY_PROGRAMS = frozenset(
    {
        "ls", "pwd", "cat", "head", "tail", "wc", "echo", "printf", "grep", "egrep",
        "fgrep", "rg", "which", "type", "file", "stat", "du", "df", "date", "whoami",
        "uname", "diff", "cmp", "uniq", "cut", "tr", "basename", "dirname", "realpath",
        "readlink", "true", "false", "test", "[", "[[", "nl", "od", "hexdump", "md5sum",
        "sha1sum", "sha256sum", "jq", "sort", "tree", "id",
        "find", "git", "cd", "pushd", "popd",
    }
)  # fmt: skip
_GIT_READ_ONLY = frozenset(
    {"status", "diff", "log", "show", "blame", "ls-files", "rev-parse", "grep", "describe"}
)
_FIND_ACTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint",
                           "-fprint0", "-fprintf", "-fls"})  # fmt: skip
_WRITE_OPTIONS = ("-o", "--output")  # sort -o, tree -o
_CHDIR = frozenset({"cd", "pushd", "popd"})
# Programs that only look at a file's name or metadata: a secret as their argument is
# no leak. Any other program given a secret (`cat .env`, `cp .env x`) is denied.
_NAME_ONLY_PROGRAMS = frozenset(
    {"ls", "stat", "test", "[", "[[", "du", "realpath", "basename", "dirname", "touch", "rm",
     "chmod", "file"}
)  # fmt: skip
# Options of read-only programs that run another program or change something.
_UNSAFE_OPTIONS: dict[str, tuple[str, ...]] = {
    "rg": ("--pre", "--search-zip", "-z"),  # --pre runs a command per file
    "sort": ("--compress-program",),
    "git": ("-c", "--config-env", "--ext-diff", "--textconv", "-O", "--open-files-in-pager",
            "--exec-path", "--output", "--upload-pack"),
    "date": ("-s", "--set"),
    "file": ("-C", "--compile"),
    "grep": ("--pre",),
}  # fmt: skip


def _runs_or_writes(program: str, args: list[str]) -> bool:
    """True when these arguments make a read-only program run or write something."""
    unsafe = _UNSAFE_OPTIONS.get(program, ())
    if any(a == o or a.startswith(o + "=") or (o.startswith("--") and a.startswith(o))
           for a in args for o in unsafe):  # fmt: skip
        return True
    if any(a.startswith("-c") and len(a) > 2 for a in args) and program == "git":
        return True
    positional = [a for a in args if not a.startswith("-")]
    return program == "uniq" and len(positional) > 1  # uniq IN OUT writes OUT


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
    ) -> None:
        self.mode: PermissionMode = mode
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

    # -- the policy --------------------------------------------------------------------

    def decide(self, tool: Tool, input: dict[str, Any]) -> tuple[Decision, str]:
        if tool.name == "Bash":
            return self._decide_bash(tool, str(input.get("command", "")))
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

    def remember(self, tool: Tool, input: dict[str, Any]) -> None:
        added = self._session_rules(tool, input)
        self.session.extend(added)
        if self.persist_to is not None and added:
            try:
                save_allow_rules(self.persist_to, [rule.text for rule in added])
            except (OSError, ValueError) as exc:
                self.warnings.append(f"could not save the rule to {self.persist_to}: {exc}")
                log.warning("%s", self.warnings[-1])

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
            spec = "/" + _escape_glob(rel) if rel is not None else "/" + _escape_glob(str(path))
            rules.append(Rule(tool.name, spec, f"{tool.name}({spec})"))
        return rules

    # -- Bash ----------------------------------------------------------------------------

    def _decide_bash(self, tool: Tool, command: str) -> tuple[Decision, str]:
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
            for rule in self.deny:
                if rule.names("Bash") and _bash_matches(rule.spec, part):
                    return "deny", f"`{part.text}` is denied by the permission rule {rule.text}"
            secret = self._secret_read(part, cwds or [self.cwd])
            if secret is not None:
                return "deny", (
                    f"`{_show(part)}` would read {secret}, which looks like a secret; secrets "
                    f"are not read unless a permission rule allows it (e.g. Read({secret.name}))"
                )
        if self.mode == "plan":
            unsafe = [p for p, d in zip(parts, dirs, strict=True) if not self._read_only_part(p, d)]
            if unsafe:
                return "deny", (
                    f"plan mode allows only read-only commands; `{_show(unsafe[0])}` is not one"
                )
            return "allow", "read-only command"
        if self.mode == "bypassPermissions":
            return "allow", "bypassPermissions mode"
        for part in parts:
            for rule in self.ask:
                if rule.names("Bash") and _bash_matches(rule.spec, part):
                    return "ask", f"the permission rule {rule.text} asks first"
        pending = [p for p, d in zip(parts, dirs, strict=True) if not self._bash_part_allowed(p, d)]
        if not pending:
            return "allow", "every command is allowed"
        shown = ", ".join(f"`{_show(p)}`" for p in pending[:3])
        return "ask", f"not allowed yet: {shown}"

    def _working_dirs(self, parts: list[SimpleCommand]) -> list[list[Path] | None]:
        """Per part, the directories it may run in after the ``cd``s before it (every
        one: a subshell or a failed ``cd`` may undo one); None when that is unknown."""
        dirs: list[Path] | None = [self.cwd]
        out = []
        for part in parts:
            out.append(dirs)
            if part.program not in _CHDIR or dirs is None:
                continue
            args = [a for a in part.words[1:] if a == "-" or not a.startswith("-")]
            if part.program == "popd" or not args or args[0] == "-" or "$" in args[0]:
                dirs = None
            else:
                dirs = [*dirs, *(resolve(args[0], d) for d in dirs)]
        return out

    def _secret_read(self, part: SimpleCommand, cwds: list[Path]) -> Path | None:
        """A secret file this command would read (as an argument or from ``<``)."""
        if not part.words or part.program in _NAME_ONLY_PROGRAMS:
            return None
        reads = [r.target for r in part.redirects if r.op in ("<", "<>")]
        args = [a for a in part.words[1:] if a and not a.startswith("-")] + reads
        for arg in args:
            for cwd in cwds:
                for path in _expand_arg(arg, cwd):
                    if secret_reason(path) is None:
                        continue
                    explicit = any(
                        r.names("Bash") and r.spec is not None and _bash_matches(r.spec, part)
                        for r in self.allow
                    )
                    if not explicit and not self._explicitly_allowed(
                        "Read", {"file_path": str(path)}, path
                    ):
                        return path
        return None

    def _bash_part_allowed(self, part: SimpleCommand, cwds: list[Path] | None) -> bool:
        for target in part.write_targets():
            if cwds is None and not Path(target).expanduser().is_absolute():
                return False
            for cwd in cwds or [self.cwd]:
                if not self._edit_allowed(resolve(target, cwd), explicit=False):
                    return False
        if not part.words:
            return True
        if any(r.names("Bash") and _bash_matches(r.spec, part) for r in self.allow):
            return True
        if any(r.names("Bash") and _bash_matches(r.spec, part) for r in self.session):
            return True
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
        program = part.program
        if program not in READ_ONLY_PROGRAMS or part.open_ended:
            return False
        args = part.words[1:]
        if program == "git":
            sub = next((a for a in args if not a.startswith("-")), "")
            if sub not in _GIT_READ_ONLY:
                return False
        if program == "find" and any(a in _FIND_ACTIONS for a in args):
            return False
        if program in ("sort", "tree") and any(a.startswith(_WRITE_OPTIONS) for a in args):
            return False
        if _runs_or_writes(program, args):
            return False
        for arg in args:
            if arg.startswith("-") or not arg or "$" in arg or "`" in arg:
                if "$" in arg or "`" in arg:
                    return False
                continue
            for cwd in cwds:
                path = resolve(arg, cwd)
                looks_like_path = "/" in arg or arg.startswith(("~", ".")) or path.exists()
                if looks_like_path and (not within(path, self.roots) or secret_reason(path)):
                    return False
        return True

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
        if not rule.names(tool):
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


def _bash_matches(spec: str | None, part: SimpleCommand) -> bool:
    if spec is None or spec in ("*", ":*"):
        return True
    text = part.text
    if spec.endswith(":*"):
        prefix = spec[:-2].rstrip()
        return text == prefix or text.startswith(prefix + " ")
    if "*" in spec:
        regex = ".*".join(re.escape(piece) for piece in spec.split("*"))
        return re.fullmatch(regex, text, re.DOTALL) is not None
    return not part.open_ended and text == spec


def _expand_arg(arg: str, cwd: Path) -> list[Path]:
    """The paths a shell word may name: itself, and what its braces and globs expand to."""
    import glob

    from agent.tools.search import expand_braces

    paths = []
    for word in expand_braces(arg) if "{" in arg else [arg]:
        try:
            paths.append(resolve(word, cwd))
        except PathError:
            continue
        if any(c in word for c in "*?["):
            base = os.path.expanduser(word)
            matches = glob.glob(base, root_dir=cwd, include_hidden=True)
            paths.extend(resolve(m, cwd) for m in matches[:1000])
    return paths


def _escape_glob(text: str) -> str:
    return re.sub(r"([*?\[\]!#\\])", r"\\\1", text)


def _show(part: SimpleCommand) -> str:
    text = part.text or " ".join(f"{r.op} {r.target}" for r in part.redirects)
    return text if len(text) <= 80 else text[:79] + "…"
