"""What the permission parser knows about shell programs: which only read, which of
their options run or write something, and how a ``Bash(…)`` rule matches a command.
``agent.bash_strict`` narrows this further when no sandbox holds the command."""

from __future__ import annotations

import os
import re
from pathlib import Path

from agent.paths import PathError, resolve, secret_reason
from agent.shell import SimpleCommand
from refactor.files import within

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
# (bash_strict narrows these further: branch and stash only list)
GIT_READ_ONLY = frozenset(
    {"status", "diff", "log", "show", "blame", "ls-files", "rev-parse", "grep", "describe",
     "branch", "stash"}
)  # fmt: skip
FIND_ACTIONS = frozenset({"-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint",
                           "-fprint0", "-fprintf", "-fls"})  # fmt: skip
WRITE_OPTIONS = ("-o", "--output")  # sort -o, tree -o
CHDIR = frozenset({"cd", "pushd", "popd"})
# Programs that only look at a file's name or metadata: a secret as their argument is
# no leak. Any other program given a secret (`cat .env`, `cp .env x`) is denied.
NAME_ONLY_PROGRAMS = frozenset(
    {"ls", "stat", "test", "[", "[[", "du", "realpath", "basename", "dirname", "touch", "rm",
     "chmod", "file"}
)  # fmt: skip
# Options of read-only programs that run another program or change something.
UNSAFE_OPTIONS: dict[str, tuple[str, ...]] = {
    "rg": ("--pre", "--search-zip", "-z"),  # --pre runs a command per file
    "sort": ("--compress-program",),
    "git": ("-c", "--config-env", "--ext-diff", "--textconv", "-O", "--open-files-in-pager",
            "--exec-path", "--output", "--upload-pack"),
    "date": ("-s", "--set"),
    "file": ("-C", "--compile"),
    "grep": ("--pre",),
}  # fmt: skip


def option_matches(arg: str, option: str) -> bool:
    """Whether the command-line word ``arg`` uses ``option``: as is, with a value
    (``--output=x``, ``-ox``), bundled with other short options (``-ro``), or
    abbreviated — GNU getopt and git take any unambiguous prefix of a long option, so
    ``sort --compress-prog=sh`` is ``--compress-program``. Single-dash long options
    (``find -exec``) match only whole. Errs towards a match: a word that could be the
    option is taken for it."""
    if arg == option:
        return True
    if option.startswith("--"):
        name = arg.split("=", 1)[0]
        abbreviated = name.startswith("--") and len(name) > 2 and option.startswith(name)
        return abbreviated or arg.startswith(option)
    if len(option) == 2 and arg.startswith("-") and not arg.startswith("--"):
        return option[1] in arg[1:]
    return arg.startswith(option + "=")


def runs_or_writes(program: str, args: list[str]) -> bool:
    """True when these arguments make a read-only program run or write something."""
    unsafe = UNSAFE_OPTIONS.get(program, ())
    if any(option_matches(a, o) for a in args if a.startswith("-") for o in unsafe):
        return True
    positional = [a for a in args if not a.startswith("-")]
    return program == "uniq" and len(positional) > 1  # uniq IN OUT writes OUT


def listed_read_only(part: SimpleCommand, cwds: list[Path], roots: list[Path]) -> bool:
    """The program list's judgement of one command, the second line of defence behind
    ``agent.bash_strict.plainly_read_only`` (both must agree): a listed read-only
    program (git: a reading subcommand), none of its options that run or write
    something, no substitution in an argument, and no argument that names a path
    outside ``roots`` or a secret, from any of ``cwds``."""
    program = part.program
    if program not in READ_ONLY_PROGRAMS or part.open_ended:
        return False
    args = part.words[1:]
    if program == "git":
        sub = next((a for a in args if not a.startswith("-")), "")
        if sub not in GIT_READ_ONLY:
            return False
    if program == "find" and any(a in FIND_ACTIONS for a in args):
        return False
    if program in ("sort", "tree") and any(
        option_matches(a, o) for a in args if a.startswith("-") for o in WRITE_OPTIONS
    ):
        return False
    if runs_or_writes(program, args):
        return False
    for arg in args:
        if "$" in arg or "`" in arg:
            return False
        if arg.startswith("-") or not arg:
            continue
        for cwd in cwds:
            try:
                path = resolve(arg, cwd)
            except PathError:
                return False
            looks_like_path = "/" in arg or arg.startswith(("~", ".")) or path.exists()
            if looks_like_path and (not within(path, roots) or secret_reason(path)):
                return False
    return True


def bash_matches(spec: str | None, part: SimpleCommand) -> bool:
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


def expand_arg(arg: str, cwd: Path) -> list[Path]:
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


def escape_glob(text: str) -> str:
    return re.sub(r"([*?\[\]!#\\])", r"\\\1", text)


def show_part(part: SimpleCommand) -> str:
    text = part.text or " ".join(f"{r.op} {r.target}" for r in part.redirects)
    return text if len(text) <= 80 else text[:79] + "…"
