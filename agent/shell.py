"""Split a shell command line into the simple commands it would run.

The permission policy must judge every program a command line starts, not just the
first word: ``npm test && rm -rf x`` runs ``rm``. This module is a small, conservative
lexer for POSIX/bash syntax, written here rather than taken from a library because it
only has to answer one question — which simple commands, with which redirections — and
must never under-report. What it cannot read (unbalanced quotes, too deep nesting, a
wrapper option it does not know, ``case`` inside ``$( … )``) raises ``ShellSyntaxError``;
the policy then asks instead of allowing. Covered: ``&&``, ``||``, ``;``, ``|``, ``|&``,
``&``, newlines, ``( … )``, ``{ …; }``, ``$( … )``, backticks, ``<( … )``/``>( … )``,
substitutions in double quotes and unquoted here-documents, comments, keywords, leading
``VAR=value``, and wrappers (``env``, ``timeout``, ``nice``, ``nohup``, ``time``,
``command``, ``exec``, ``stdbuf``, ``ionice``, ``xargs``, ``sh -c``, ``eval``), which are
unwrapped to the command they run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

MAX_DEPTH = 8

# Redirection operators that open their target for writing.
WRITE_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})
HARMLESS_TARGETS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})
_KEYWORD_PREFIXES = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{"})
_KEYWORD_ONLY = frozenset({"fi", "done", "esac", "}", "in"})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
_OPERATORS = ("&&", "||", ";;&", ";;", ";&", "|&", ";", "|", "&", "(", ")")
_HIDDEN_SUBSTITUTION = re.compile(r"\$\(|`|[<>]\(")
_CASE = re.compile(r"\bcase\b")  # its `pattern)` would end a `$( … )` early
_REDIRECTS = ("&>>", "&>", "<<<", "<<-", "<<", ">>", ">|", ">&", "<&", "<>", ">", "<")


class ShellSyntaxError(ValueError):
    """A command line this lexer cannot split with certainty."""


@dataclass
class Redirect:
    op: str
    target: str

    @property
    def writes_file(self) -> bool:
        if self.op not in WRITE_REDIRECTS:
            return False
        if self.op == ">&" and (self.target.isdigit() or self.target == "-"):
            return False  # 2>&1: duplicates a descriptor, opens nothing
        return self.target not in HARMLESS_TARGETS and not self.target.startswith("/dev/fd/")


@dataclass
class SimpleCommand:
    """One program invocation: its words (quotes removed) and redirections."""

    words: list[str]
    redirects: list[Redirect] = field(default_factory=list)
    # True when a wrapper (xargs) appends arguments the text does not show, so only
    # prefix rules may match it.
    open_ended: bool = False
    # What unwrapping removed in front of the words: keywords, NAME=value assignments,
    # wrappers and their options (``env -C .. X=1 time -o f``).
    prefix: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def program(self) -> str:
        return PurePosixPath(self.words[0]).name if self.words else ""

    def write_targets(self) -> list[str]:
        return [r.target for r in self.redirects if r.writes_file]


def split_commands(command: str) -> list[SimpleCommand]:
    """Every simple command ``command`` runs, wrappers unwrapped, in source order
    (commands inside substitutions follow the command that holds them)."""
    return _expand(_Lexer(command, 0).parse(), 0)


def _expand(commands: list[SimpleCommand], depth: int) -> list[SimpleCommand]:
    out: list[SimpleCommand] = []
    for command in commands:
        out.extend(_unwrap(command, depth))
    return out


def _unwrap(command: SimpleCommand, depth: int) -> list[SimpleCommand]:
    original = command.words
    words = list(original)
    while words and words[0] in _KEYWORD_PREFIXES:
        words.pop(0)
    while words and _ASSIGNMENT.match(words[0]):
        words.pop(0)

    def prefix(rest: list[str]) -> list[str]:
        return command.prefix + original[: len(original) - len(rest)]

    if not words or (len(words) == 1 and words[0] in _KEYWORD_ONLY):
        return [SimpleCommand([], command.redirects)] if command.redirects else []
    if words[0] in ("for", "select", "case"):
        # `for x in a b` / `case $x in` start nothing themselves; their bodies are
        # separate commands and substitutions were collected by the lexer.
        return [SimpleCommand([], command.redirects)] if command.redirects else []
    if words[0] == "function":
        raise ShellSyntaxError("function definitions are not split")
    name = PurePosixPath(words[0]).name
    rest = words[1:]
    if name in ("sh", "bash", "zsh", "dash", "ksh", "eval"):
        script = _eval_script(rest) if name == "eval" else _dash_c_script(rest)
        if script is None:
            return [SimpleCommand(words, command.redirects, command.open_ended, prefix(words))]
        nested = _expand(_Lexer(script, depth + 1).parse(), depth + 1)  # raises past MAX_DEPTH
        for part in nested:
            part.prefix = [*prefix(words), *words[:1], "-c", *part.prefix]
        if command.redirects:
            nested.append(SimpleCommand([], command.redirects))
        return nested
    inner = _wrapped(name, rest)
    open_ended = command.open_ended or name == "xargs"
    if not inner:
        return [SimpleCommand(words, command.redirects, open_ended, prefix(words))]
    if depth >= MAX_DEPTH:
        raise ShellSyntaxError("nesting too deep")
    before = prefix(inner) if original[len(original) - len(inner) :] == inner else original
    return _unwrap(SimpleCommand(inner, command.redirects, open_ended, before), depth + 1)


# Wrappers that run another command, with their options as getopt spells them: short
# letters (":" after one takes a value, "::" a value only when glued) and long names
# (0: no value, 1: a value, 2: a value only after "="). Every one of them stops at its
# first operand. An option not listed raises: its value could be taken for the program.
_WRAPPERS: dict[str, tuple[str, dict[str, int]]] = {
    "env": ("a:C:iS:u:v0", {"argv0": 1, "chdir": 1, "ignore-environment": 0, "null": 0,
                            "split-string": 1, "unset": 1, "block-signal": 2, "debug": 0,
                            "default-signal": 2, "ignore-signal": 2, "list-signal-handling": 0}),
    "timeout": ("fk:ps:v", {"foreground": 0, "kill-after": 1, "preserve-status": 0,
                            "signal": 1, "verbose": 0}),
    "nice": ("n:", {"adjustment": 1}),
    "nohup": ("", {}), "builtin": ("", {}), "command": ("pvV", {}), "exec": ("a:cl", {}),
    "time": ("af:o:pqvV", {"append": 0, "format": 1, "output": 1, "portability": 0,
                           "quiet": 0, "verbose": 0}),
    "stdbuf": ("i:o:e:", {"input": 1, "output": 1, "error": 1}),
    "ionice": ("c:n:p:P:tu:hV", {"class": 1, "classdata": 1, "pid": 1, "pgid": 1,
                                 "ignore": 0, "uid": 1}),
    "xargs": ("0a:d:E:e::I:i::J:L:l::n:oP:pR:rS:s:tx", {"null": 0, "arg-file": 1,  # BSD: -J -R -S
              "delimiter": 1, "eof": 2, "replace": 2, "max-lines": 2, "max-args": 1,
              "open-tty": 0, "max-procs": 1, "interactive": 0, "process-slot-var": 1,
              "no-run-if-empty": 0, "max-chars": 1, "show-limits": 0, "verbose": 0, "exit": 0}),
}  # fmt: skip
_NICE_ADJUSTMENT = re.compile(r"^--?[+-]?[0-9]+$")  # nice -5, nice --10 (old style)


def _wrapped(name: str, rest: list[str]) -> list[str] | None:
    """The command a wrapper runs (empty when none is given), or None when ``name``
    runs nothing else."""
    if name not in _WRAPPERS or (name == "command" and rest[:1] in (["-v"], ["-V"])):
        return None
    inner = _skip_options(name, rest)
    if name == "timeout":
        inner = inner[1:]  # the duration
    if name == "xargs" and not inner:
        inner = ["echo"]
    return inner


def _skip_options(name: str, words: list[str]) -> list[str]:
    """``words`` after the wrapper's own options (and NAME=value words for env)."""
    short, long = _WRAPPERS[name]
    long = {"help": 0, "version": 0, **long}
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            return words[i + 1 :]
        if name == "env" and (word == "-" or _ASSIGNMENT.match(word)):
            i += 1  # `env -` is `env -i`
        elif name == "nice" and _NICE_ADJUSTMENT.match(word):
            i += 1
        elif not word.startswith("-") or word == "-":
            return words[i:]
        elif word.startswith("--"):
            i += _long_option(name, word, long)
        else:
            i += _short_options(name, word, short)
    return []


def _long_option(name: str, word: str, long: dict[str, int]) -> int:
    """How many words ``--option[=value]`` takes. GNU getopt accepts any unambiguous
    prefix of a long option, so ``env --ch DIR`` is ``env --chdir DIR``."""
    given = word[2:].split("=", 1)[0]
    matches = [given] if given in long else [o for o in long if o.startswith(given)]
    if len(matches) != 1:
        raise ShellSyntaxError(f"{name}: unknown or ambiguous option {word}")
    if name == "env" and matches[0] == "split-string":
        raise ShellSyntaxError("env -S is not split")
    return 2 if long[matches[0]] == 1 and "=" not in word else 1


def _short_options(name: str, word: str, short: str) -> int:
    """How many words a cluster of short options (``-iu NAME``, ``-oL``) takes."""
    for k, letter in enumerate(word[1:], start=1):
        at = short.find(letter) if letter != ":" else -1
        if at == -1:
            raise ShellSyntaxError(f"{name}: unknown option -{letter}")
        if name == "env" and letter == "S":
            raise ShellSyntaxError("env -S is not split")
        if short[at + 1 : at + 3] == "::":
            return 1  # -i{} / -l1: an optional value is glued or absent
        if short[at + 1 : at + 2] == ":":
            return 1 if word[k + 1 :] else 2
    return 1


def _eval_script(words: list[str]) -> str:
    if words[:1] == ["--"]:
        words = words[1:]
    elif words and words[0].startswith("-") and words[0] != "-":
        raise ShellSyntaxError(f"eval option {words[0]}")
    return " ".join(words)


def _dash_c_script(words: list[str]) -> str | None:
    """The script of ``sh -c SCRIPT``: the first operand after the options, when one
    of them is ``c`` (``bash -c -e SCRIPT`` and ``bash -o pipefail -c SCRIPT`` too)."""
    dash_c = False
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-", "--"):
            i += 1
            break
        if word[:1] not in ("-", "+"):
            break
        if word.startswith("--"):
            i += 2 if word in ("--rcfile", "--init-file") else 1
            continue
        dash_c = dash_c or (word[0] == "-" and "c" in word)
        i += 1 + sum(letter in "oO" for letter in word[1:])  # -o pipefail, -O extglob
    return words[i] if dash_c and i < len(words) else None


class _Lexer:
    def __init__(self, src: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ShellSyntaxError("nesting too deep")
        self.src = src
        self.depth = depth
        self.i = 0
        self.out: list[SimpleCommand] = []
        self.nested: list[SimpleCommand] = []
        self.words: list[str] = []
        self.redirects: list[Redirect] = []
        self.word: list[str] | None = None
        self.quoted = False  # the word has quotes or a backslash: `<<'EOF'`, `"2">f`
        self.pending: str | None = None  # redirection waiting for its target
        self.heredocs: list[tuple[str, bool, bool]] = []  # (delimiter, strip tabs, expand)

    # -- structure ---------------------------------------------------------------

    def parse(self) -> list[SimpleCommand]:
        src = self.src
        while self.i < len(src):
            c = src[self.i]
            if c in " \t":
                self.end_word()
                self.i += 1
            elif c == "\n":
                self.end_command()
                self.i += 1
                self.read_heredocs()
            elif c == "\\":
                if src.startswith("\\\n", self.i):
                    self.i += 2
                else:
                    self.append(src[self.i + 1 : self.i + 2], quoted=True)
                    self.i += 2
            elif c == "'":
                end = src.find("'", self.i + 1)
                if end == -1:
                    raise ShellSyntaxError("unterminated single quote")
                self.append(src[self.i + 1 : end], quoted=True)
                self.i = end + 1
            elif c == '"':
                self.i += 1
                self.append(self.double_quoted('"'), quoted=True)
            elif c == "`":
                self.append(self.backticks())
            elif c == "$":
                self.append(self.dollar())
            elif c == "#" and self.word is None:
                end = src.find("\n", self.i)
                self.i = len(src) if end == -1 else end
            elif c in "<>" and src.startswith("(", self.i + 1) and self.word is None:
                self.i += 1
                self.append(c + self.substitution())
            elif self.redirect() or self.operator():
                continue
            else:
                self.append(c)
                self.i += 1
        self.end_word()
        if self.heredocs:
            raise ShellSyntaxError("unterminated here-document")
        self.end_command()
        return self.out

    def append(self, text: str, quoted: bool = False) -> None:
        if self.word is None:
            self.word = []
        self.word.append(text)
        self.quoted = self.quoted or quoted

    def end_word(self) -> None:
        if self.word is None:
            return
        text, quoted = "".join(self.word), self.quoted
        self.word, self.quoted = None, False
        if self.pending is not None:
            op, self.pending = self.pending, None
            if op in ("<<", "<<-"):  # a quoted delimiter: the body is plain text
                self.heredocs.append((text, op == "<<-", not quoted))
            self.redirects.append(Redirect(op, text))
        else:
            self.words.append(text)

    def end_command(self) -> None:
        self.end_word()
        if self.pending is not None:
            raise ShellSyntaxError(f"redirection {self.pending} without a target")
        if self.words or self.redirects:
            self.out.append(SimpleCommand(self.words, self.redirects))
        self.words, self.redirects = [], []
        self.out.extend(self.nested)
        self.nested = []

    def operator(self) -> bool:
        for op in _OPERATORS:
            if self.src.startswith(op, self.i):
                self.end_command()
                self.i += len(op)
                return True
        return False

    def redirect(self) -> bool:
        src = self.src
        for op in _REDIRECTS:
            if src.startswith(op, self.i):
                break
        else:
            return False
        if self.word is not None:
            prefix = "".join(self.word)
            if not self.quoted and (prefix.isdigit() or prefix[:1] + prefix[-1:] == "{}"):
                self.word = None  # 2>file, {fd}>file: the number names a descriptor
            else:
                self.end_word()
        if self.pending is not None:
            raise ShellSyntaxError(f"redirection {self.pending} without a target")
        self.pending = op
        self.i += len(op)
        return True

    def read_heredocs(self) -> None:
        src = self.src
        while self.heredocs:
            delimiter, strip_tabs, expand = self.heredocs.pop(0)
            body: list[str] = []
            while True:
                if self.i >= len(src):
                    raise ShellSyntaxError(f"here-document without its {delimiter} line")
                end = src.find("\n", self.i)
                end = len(src) if end == -1 else end
                line = src[self.i : end]
                self.i = min(end + 1, len(src))
                if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                    break
                body.append(line)
            if expand:
                inner = _Lexer("\n".join(body), self.depth)
                inner.double_quoted(None)
                self.out.extend(inner.nested)

    # -- words with substitutions -------------------------------------------------

    def double_quoted(self, close: str | None) -> str:
        """Read up to ``close`` (or the end), collecting substitutions; return the text."""
        src = self.src
        parts: list[str] = []
        while True:
            if self.i >= len(src):
                if close is None:
                    return "".join(parts)
                raise ShellSyntaxError("unterminated double quote")
            c = src[self.i]
            if close is not None and c == close:
                self.i += 1
                return "".join(parts)
            if c == "\\" and self.i + 1 < len(src):
                nxt = src[self.i + 1]
                parts.append("" if nxt == "\n" else nxt if nxt in '$`"\\' else c + nxt)
                self.i += 2
            elif c == "`":
                parts.append(self.backticks())
            elif c == "$":
                parts.append(self.dollar())
            else:
                parts.append(c)
                self.i += 1

    def dollar(self) -> str:
        src = self.src
        start = self.i
        if src.startswith("$((", start):
            self.i += 2
            self.balanced("(", ")")
            if not src.startswith(")", self.i):  # `$((cmd) )` is a command substitution
                self.i = start + 1
                return "$" + self.substitution()
            self.i += 1
        elif src.startswith("${", start):
            self.i += 1
            self.balanced("{", "}")
        elif src.startswith("$(", start):
            self.i += 1
            return "$" + self.substitution()
        else:
            self.i += 1
            return "$"
        text = src[start : self.i]
        # balanced() skips what it holds: a command in there would go unseen.
        if _HIDDEN_SUBSTITUTION.search(text[2:]):  # ${x:-$(cmd)}, $((1 + `cmd`))
            raise ShellSyntaxError(f"a command substitution inside {text[:2]}…")
        return text

    def substitution(self) -> str:
        """At ``(``: read a balanced ``( … )`` holding commands and collect them."""
        start = self.i
        self.balanced("(", ")")
        inner = self.src[start + 1 : self.i - 1]
        if _CASE.search(inner):
            raise ShellSyntaxError("case inside $( … ) is not split")
        self.nested.extend(_Lexer(inner, self.depth + 1).parse())
        return self.src[start : self.i]

    def backticks(self) -> str:
        src = self.src
        start = self.i
        j = self.i + 1
        inner: list[str] = []
        while j < len(src) and src[j] != "`":
            if src[j] == "\\" and j + 1 < len(src):
                inner.append(src[j + 1] if src[j + 1] in "$`\\" else src[j : j + 2])
                j += 2
            else:
                inner.append(src[j])
                j += 1
        if j >= len(src):
            raise ShellSyntaxError("unterminated backquote")
        self.i = j + 1
        self.nested.extend(_Lexer("".join(inner), self.depth + 1).parse())
        return src[start : self.i]

    def balanced(self, open_: str, close: str) -> None:
        """Skip from an ``open_`` to its matching ``close``, minding quotes."""
        src = self.src
        level = 0
        while self.i < len(src):
            c = src[self.i]
            if c == "\\":
                self.i += 2
                continue
            if c == "'":
                end = src.find("'", self.i + 1)
                if end == -1:
                    raise ShellSyntaxError("unterminated single quote")
                self.i = end + 1
                continue
            if c == '"':
                self.i += 1
                saved = self.nested
                self.nested = []
                self.double_quoted('"')
                self.nested = saved
                continue
            if c == open_:
                level += 1
            elif c == close:
                level -= 1
                if level == 0:
                    self.i += 1
                    return
            self.i += 1
        raise ShellSyntaxError(f"unbalanced {open_}")
