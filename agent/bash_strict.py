"""The parser's stance when no OS sandbox holds Bash: only what is plainly read-only
runs without a question, and nothing a rule allows reaches outside the workspace or
into a secret.

"Plainly" means the command line has no expansion the parser cannot evaluate
(``$``, backquotes, arithmetic, ``[[ ]]``, ``${x@P}``: bash evaluates array subscripts
in arithmetic, so ``x='a[$(cmd)]'; (( x ))`` runs ``cmd``), no ``NAME=value`` in front of
a command (``GIT_DIR``, ``GIT_CONFIG_*``, ``CDPATH``, ``GIT_EXTERNAL_DIFF`` change what a
read-only program does), no wrapper options (``env -C ..``, ``time -o FILE``), runs a
program from a short list with none of the options that write, run a program or read a
file list (``sort -o``, ``--compress-program``, ``--files0-from``, ``git grep -O``), and
names paths only inside the workspace and away from secrets — option values
(``--file=../x``, ``--contents=…``) included. Recursive searches (``grep -r``, ``rg``)
and git commands that print file contents from history (``git show``, ``git log -p``,
``git grep``, ``git blame``) are not plainly read-only: a secret file or a symlink
inside the workspace would be read through them.
"""

from __future__ import annotations

import re
from pathlib import Path

from agent.bash_programs import option_matches
from agent.paths import PathError, resolve, secret_reason
from agent.shell import SimpleCommand
from refactor.files import within

_UNPLAIN = re.compile(r"[$`]|\(\(|\[\[|@P|<\(|>\(")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")

PLAIN_PROGRAMS = frozenset(
    {
        "ls", "pwd", "cat", "head", "tail", "wc", "echo", "printf", "grep", "egrep",
        "fgrep", "which", "type", "file", "stat", "du", "df", "date", "whoami",
        "uname", "diff", "cmp", "uniq", "cut", "tr", "basename", "dirname", "realpath",
        "readlink", "true", "false", "test", "[", "nl", "od", "hexdump", "md5sum",
        "sha1sum", "sha256sum", "sort", "tree", "id", "find", "git", "cd", "pushd", "popd",
    }
)  # fmt: skip
# Options that write, run something or read a list of files, per program ("*": all).
_BANNED: dict[str, tuple[str, ...]] = {
    "*": ("--files0-from", "--output", "--compress-program"),
    "sort": ("-o", "-T", "--temporary-directory"),
    "tree": ("-o",),
    "date": ("-s", "--set", "-f", "--file"),
    "file": ("-C", "--compile"),
    "grep": ("-r", "-R", "--recursive", "--dereference-recursive", "-d", "--directories"),
    "egrep": ("-r", "-R", "--recursive", "-d", "--directories"),
    "fgrep": ("-r", "-R", "--recursive", "-d", "--directories"),
    "find": ("-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint", "-fprint0",
             "-fprintf", "-fls", "-L", "-follow"),
    "tail": ("-f", "-F", "--follow"),
    "diff": ("--to-file", "--from-file"),
}  # fmt: skip
_GIT_PLAIN = frozenset({"status", "diff", "log", "ls-files", "rev-parse", "describe", "branch",
                        "stash"})  # fmt: skip
_GIT_BANNED = ("-p", "-u", "--patch", "-L", "--ext-diff", "--textconv", "--output", "-O",
               "--no-index", "--open-files-in-pager", "-c", "--cc", "--exec")  # fmt: skip
_BRANCH_LISTING = frozenset({"-a", "-r", "-v", "-vv", "--list", "-l", "--all", "--remotes",
                             "--show-current", "--verbose", "--no-color", "--color"})  # fmt: skip


def unplain(command: str, parts: list[SimpleCommand]) -> str | None:
    """Why this command line is not plain enough to judge without a sandbox, or None."""
    if _UNPLAIN.search(command):
        return "it expands variables, substitutions or arithmetic"
    for part in parts:
        for word in part.prefix:
            if _ASSIGNMENT.match(word):
                return f"it sets {word.split('=', 1)[0]} for a command"
            if word.startswith("-"):
                return f"a wrapper option ({word})"
            if word in ("sh", "bash", "zsh", "dash", "ksh", "eval", "xargs", "exec"):
                return f"it runs a command through {word}"
    return None


def _banned(program: str, arg: str) -> bool:
    return any(option_matches(arg, o) for o in (*_BANNED["*"], *_BANNED.get(program, ())))


def plainly_read_only(
    part: SimpleCommand, cwds: list[Path], roots: list[Path], writes_checked: bool = False
) -> bool:
    """True when this part reads only inside the workspace, writes nothing (but into
    the files its redirections name, when the caller allowed those) and runs nothing
    else."""
    if part.write_targets() and not writes_checked:
        return False  # (`> file` alone too: it creates the file)
    if not part.words:
        return True
    program = part.program
    if program not in PLAIN_PROGRAMS or part.open_ended:
        return False
    args = part.words[1:]
    if any(_banned(program, arg) for arg in args if arg.startswith("-")):
        return False
    if program == "git" and not _plain_git(args):
        return False
    if program in ("grep", "egrep", "fgrep") and any(
        _is_dir(arg, cwd) for arg in args for cwd in cwds
    ):
        return False
    positional = [a for a in args if not a.startswith("-")]
    if (program == "git" or not positional) and not all(within(cwd, roots) for cwd in cwds):
        return False  # after `cd /`, even a bare `ls` lists outside
    return program in ("cd", "pushd", "popd") or reaches_only_workspace(part, cwds, roots)


def _plain_git(args: list[str]) -> bool:
    if not args or args[0].startswith("-"):
        return False  # global options (-C, -c, --git-dir) change what git reads
    sub, rest = args[0], args[1:]
    if sub not in _GIT_PLAIN:
        return False
    if any(option_matches(a, o) for a in rest if a.startswith("-") for o in _GIT_BANNED):
        return False
    if sub == "branch":
        return all(a in _BRANCH_LISTING for a in rest)
    if sub == "stash":
        return rest[:1] == ["list"] and all(a.startswith("--") for a in rest[1:])
    return True


def _is_dir(arg: str, cwd: Path) -> bool:
    if arg.startswith("-"):
        return False
    try:
        return resolve(arg, cwd).is_dir()
    except PathError:
        return False


def reaches_only_workspace(
    part: SimpleCommand, cwds: list[Path], roots: list[Path], secrets_ok: bool = False
) -> bool:
    """True when every word of ``part`` that names a path (an argument, an option's
    ``=value``, a ``<`` redirection) is inside the roots and, unless ``secrets_ok``, not a
    secret; False when the arguments are not all known (``xargs``, expansions)."""
    if part.open_ended:
        return False
    words = [*part.words[1:], *(r.target for r in part.redirects)]
    for word in words:
        if "$" in word or "`" in word:
            return False
        value = word.split("=", 1)[1] if word.startswith("-") and "=" in word else word
        if not value or (value.startswith("-") and value is word):
            continue
        for cwd in cwds:
            try:
                path = resolve(value, cwd)
            except PathError:
                return False
            looks_like_path = "/" in value or value.startswith(("~", ".")) or path.exists()
            if looks_like_path and re.search(r"[\s'\"()<>|;&]", value):
                return False  # code or a command in one word: where it reads is unknown
            if not looks_like_path:
                continue
            if not within(path, roots) or (not secrets_ok and secret_reason(path)):
                return False
    return True


_INTERPRETERS = re.compile(r"^(python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bun|ruby|perl|php|lua"
                           r"|Rscript|awk|gawk|mawk|sed|jq)$")  # fmt: skip
_INLINE_CODE = frozenset({"-c", "-e", "-E", "--eval", "-p", "--print", "-r", "--run"})
_GIT_RUNS = ("-c", "--config-env", "--exec-path", "--git-dir", "--work-tree", "-C",
             "--upload-pack", "--receive-pack", "-O", "--open-files-in-pager", "--ext-diff",
             "--textconv", "--output", "--exec", "--extcmd", "-x")  # fmt: skip


def rule_reach_ok(part: SimpleCommand, cwds: list[Path], roots: list[Path], exact: bool) -> bool:
    """For a part an allow rule matches, without a sandbox: the rule decides that it
    need not ask, not how far it reaches. False when it names a path outside the
    workspace or a secret (unless ``exact``: the rule is the whole command), runs
    inline code the parser cannot read (``python -c``), or uses an option that runs a
    program or writes (``git -c``, ``git config``, ``sort -o``, ``--files0-from``)."""
    program, args = part.program, part.words[1:]
    if _INTERPRETERS.match(program) and (
        any(a in _INLINE_CODE for a in args) or program in ("awk", "gawk", "mawk", "sed")
    ):
        return False
    if any(_banned(program, a) for a in args if a.startswith("-")):
        return False
    if program == "git":
        if any(option_matches(a, o) for a in args if a.startswith("-") for o in _GIT_RUNS):
            return False
        positional = [a for a in args if not a.startswith("-")]
        # `git config --get…`/`--list`/`-l`, or git 2.46's `git config get`/`list`, read;
        # anything else writes .git/config: a protected file
        reading = any(a.startswith(("--get", "--list", "-l")) for a in args)
        subcommand = positional[1:2]
        if positional[:1] == ["config"] and not reading and subcommand not in (["get"], ["list"]):
            return False
    return reaches_only_workspace(part, cwds, roots, secrets_ok=exact)
