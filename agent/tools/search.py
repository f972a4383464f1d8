"""Glob and Grep over the workspace.

Grep runs ripgrep when it is on PATH and a Python implementation otherwise; both
honour ``.gitignore`` (also outside a git repository), search hidden files, never look
inside ``.git`` and skip files that look like secrets, so the two agree.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from agent.paths import SECRET_NAME_PATTERNS, confine, secret_reason
from agent.tools.common import (
    ToolError,
    bool_arg,
    bound,
    guarded,
    int_arg,
    string_arg,
    workspace_path,
)
from agent.types import ToolContext, ToolResult
from refactor.files import read_text, walk

GLOB_LIMIT = 100
GREP_TIMEOUT = 60.0
MAX_RG_BYTES = 4 * 1024 * 1024
MAX_SEARCH_FILE_BYTES = 50 * 1024 * 1024
MAX_LINE_CHARS = 2000

# ripgrep's names for common file types, with the extensions the fallback uses.
FILE_TYPES: dict[str, tuple[str, ...]] = {
    "py": (".py", ".pyi", ".pyw"),
    "js": (".js", ".mjs", ".cjs", ".jsx"),
    "ts": (".ts", ".mts", ".cts", ".tsx"),
    "go": (".go",),
    "rust": (".rs",),
    "java": (".java",),
    "c": (".c", ".h"),
    "cpp": (".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".h"),
    "md": (".md", ".markdown"),
    "markdown": (".md", ".markdown"),
    "json": (".json",),
    "yaml": (".yaml", ".yml"),
    "toml": (".toml",),
    "sh": (".sh", ".bash", ".zsh"),
    "html": (".html", ".htm"),
    "css": (".css", ".scss"),
    "txt": (".txt",),
    "rb": (".rb",),
    "php": (".php",),
    "kotlin": (".kt", ".kts"),
    "swift": (".swift",),
    "cs": (".cs",),
}


class GlobTool:
    name = "Glob"
    description = (
        "Finds files by glob pattern (`**/*.py`, `src/**/*.{ts,tsx}`), relative to path "
        "(default: the working directory). Returns absolute paths, most recently modified "
        f"first, at most {GLOB_LIMIT}. Files ignored by .gitignore are left out."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "The glob pattern"},
            "path": {"type": "string", "description": "The directory to search in"},
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }
    read_only = True

    def summary(self, input: dict[str, Any]) -> str:
        return f"Find files {input.get('pattern', '?')}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: asyncio.to_thread(self._run, input, ctx))

    def _run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        pattern = string_arg(input, "pattern") or ""
        base = workspace_path(ctx, string_arg(input, "path", required=False) or ".")
        base, pattern = _split_static(base, pattern, ctx)
        if not base.is_dir():
            raise ToolError(f"{base} is not a directory")
        regexes = [re.compile(glob_to_regex(p)) for p in expand_braces(pattern)]
        found = []
        for path in walk(base, ctx.port.roots):
            rel = path.relative_to(base).as_posix()
            if any(r.fullmatch(rel) for r in regexes):
                found.append(path)
        if not found:
            return ToolResult("No files found")
        found.sort(key=_mtime, reverse=True)
        lines = [str(p) for p in found[:GLOB_LIMIT]]
        if len(found) > GLOB_LIMIT:
            lines.append(
                f"[{len(found) - GLOB_LIMIT} more files not shown; narrow the pattern or path]"
            )
        return ToolResult("\n".join(lines))


def _split_static(base: Path, pattern: str, ctx: ToolContext) -> tuple[Path, str]:
    """Move a pattern's leading literal directories (``../x``, ``/abs``) into ``base``."""
    parts = pattern.split("/")
    static: list[str] = []
    while len(parts) > 1 and not re.search(r"[*?\[{]", parts[0]):
        static.append(parts.pop(0))
    if any(part == ".." for part in parts):
        raise ToolError("`..` is only allowed before the first wildcard of a pattern")
    if static:
        prefix = "/".join(static) or "/"
        base = confine(
            prefix if pattern.startswith("/") else base / prefix, ctx.cwd, ctx.port.roots
        )
    return base, "/".join(parts)


def expand_braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    out = []
    for option in match.group(1).split(","):
        out.extend(expand_braces(head + option + tail))
    return out


def glob_to_regex(pattern: str) -> str:
    """A glob as a regex over POSIX relative paths: ``**`` spans directories, ``*`` and
    ``?`` stay within one, ``[...]`` is a character class."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@dataclass(frozen=True)
class GrepQuery:
    pattern: str
    base: Path
    glob: str | None
    type: str | None
    mode: str
    ignore_case: bool
    line_numbers: bool
    before: int
    after: int
    multiline: bool
    head_limit: int | None
    roots: list[Path]


class GrepTool:
    name = "Grep"
    description = (
        "Searches file contents with a regular expression (ripgrep syntax). output_mode: "
        "`files_with_matches` (default: paths, most recently modified first), `content` "
        "(matching lines; -n line numbers, on by default; -A/-B/-C context; -i ignore case) "
        "or `count`. Narrow with glob (`*.py`, `src/**/*.ts`) or type (`py`, `js`, `rust` "
        "…); multiline lets . and patterns span lines; head_limit keeps the first N "
        "lines/entries. Files ignored by .gitignore are left out."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "The regular expression"},
            "path": {"type": "string", "description": "File or directory (default: cwd)"},
            "glob": {"type": "string", "description": "Only files matching this glob"},
            "type": {"type": "string", "description": "Only files of this type (rg --type)"},
            "output_mode": {
                "type": "string",
                "enum": ["content", "files_with_matches", "count"],
            },
            "-i": {"type": "boolean", "description": "Case insensitive"},
            "-n": {"type": "boolean", "description": "Line numbers (content mode)"},
            "-A": {"type": "integer", "description": "Lines after each match"},
            "-B": {"type": "integer", "description": "Lines before each match"},
            "-C": {"type": "integer", "description": "Lines before and after each match"},
            "head_limit": {"type": "integer", "description": "Keep the first N entries"},
            "multiline": {"type": "boolean", "description": "Let matches span lines"},
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }
    read_only = True

    def __init__(self, use_ripgrep: bool | None = None) -> None:
        # None: use rg when it is on PATH (looked up at each call).
        self.use_ripgrep = use_ripgrep

    def summary(self, input: dict[str, Any]) -> str:
        return f"Search for {input.get('pattern', '?')}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: self._run(input, ctx))

    async def _run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        query = _query(input, ctx)
        rg = shutil.which("rg") if self.use_ripgrep is not False else None
        if self.use_ripgrep and rg is None:
            raise ToolError("ripgrep (rg) is not installed")
        if rg is not None:
            entries = await _ripgrep(rg, query)
        else:
            entries = await asyncio.to_thread(_python_grep, query)
        return ToolResult(_format(query, entries))


def _query(input: dict[str, Any], ctx: ToolContext) -> GrepQuery:
    pattern = string_arg(input, "pattern") or ""
    if not pattern:
        raise ToolError("`pattern` must not be empty")
    base = workspace_path(ctx, string_arg(input, "path", required=False) or ".")
    if not base.exists():
        raise ToolError(f"{base} does not exist")
    mode = string_arg(input, "output_mode", required=False) or "files_with_matches"
    if mode not in ("content", "files_with_matches", "count"):
        raise ToolError("output_mode must be content, files_with_matches or count")
    kind = string_arg(input, "type", required=False)
    if kind is not None and kind not in FILE_TYPES:
        raise ToolError(f"unknown type {kind!r}; use one of {', '.join(FILE_TYPES)} or a glob")
    context = int_arg(input, "-C") or 0
    return GrepQuery(
        pattern=pattern,
        base=base,
        glob=string_arg(input, "glob", required=False) or None,
        type=kind,
        mode=mode,
        ignore_case=bool_arg(input, "-i"),
        line_numbers=input.get("-n") is None or bool_arg(input, "-n"),
        before=int_arg(input, "-B") or context,
        after=int_arg(input, "-A") or context,
        multiline=bool_arg(input, "multiline"),
        head_limit=int_arg(input, "head_limit") or None,
        roots=list(ctx.port.roots),
    )


def _format(query: GrepQuery, entries: list[str]) -> str:
    if not entries:
        return "No matches found"
    if query.mode == "files_with_matches":
        entries = sorted(entries, key=lambda p: _mtime(Path(p)), reverse=True)
    total = len(entries)
    if query.head_limit is not None:
        entries = entries[: query.head_limit]
    body = "\n".join(entries)
    if query.mode == "files_with_matches":
        body = f"Found {total} file{'s' if total != 1 else ''}\n{body}"
    elif query.mode == "count":
        matches = sum(int(e.rsplit(":", 1)[1]) for e in entries if e.rsplit(":", 1)[1].isdigit())
        body += f"\n\nFound {matches} matching lines in {total} files"
    if query.head_limit is not None and total > query.head_limit:
        body += f"\n[{total - query.head_limit} more entries not shown (head_limit)]"
    return bound(body)


# -- ripgrep -------------------------------------------------------------------------------


async def _ripgrep(rg: str, query: GrepQuery) -> list[str]:
    args = [rg, "--color=never", "--no-heading", "--with-filename", "--no-messages"]
    args += ["--hidden", "--no-require-git", "--glob=!.git", "--max-columns", str(MAX_LINE_CHARS)]
    args += ["--max-columns-preview"]
    if query.mode == "files_with_matches":
        args.append("--files-with-matches")
    elif query.mode == "count":
        args += ["--count", "--sort=path"]
    else:
        args += ["--sort=path", "--line-number" if query.line_numbers else "--no-line-number"]
        args.append("--null")  # path NUL line: the path is known, to drop secret files
        if query.before:
            args += ["-B", str(query.before)]
        if query.after:
            args += ["-A", str(query.after)]
    if query.ignore_case:
        args.append("-i")
    if query.multiline:
        args += ["-U", "--multiline-dotall"]
    if query.glob:
        args += [f"--glob={g}" for g in expand_braces(query.glob)]
    if query.type:
        args.append(f"--type={query.type}")
    args += [f"--glob=!{pattern}" for pattern in SECRET_NAME_PATTERNS]  # last: they win
    args += ["--regexp", query.pattern, "--", str(query.base)]
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        out = await asyncio.wait_for(_read_up_to(proc.stdout, MAX_RG_BYTES), GREP_TIMEOUT)
        truncated = len(out) >= MAX_RG_BYTES
        if truncated:
            proc.kill()
        err = await proc.stderr.read()
        code = await proc.wait()
    except (TimeoutError, asyncio.CancelledError):
        proc.kill()
        await proc.wait()
        raise
    if code == 2 and not out and not truncated:
        message = err.decode("utf-8", "replace").strip() or "ripgrep failed"
        raise ToolError(f"Grep failed: {message}")
    lines = out.decode("utf-8", "replace").splitlines()
    if truncated and lines:
        lines = lines[:-1]  # possibly cut mid-line
    return [shown for line in lines if (shown := _unless_secret(line, query)) is not None]


async def _read_up_to(stream: asyncio.StreamReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit and (chunk := await stream.read(limit - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _unless_secret(line: str, query: GrepQuery) -> str | None:
    """The line as shown, or None when it comes from a secret file. The --glob exclusions
    cover plain names; ``dir/file`` secrets and .npmrc-style files are caught here."""
    if query.mode == "content":
        if "\0" not in line:
            return line  # the `--` between context groups
        path, rest = line.split("\0", 1)
        if secret_reason(Path(path)) is not None:
            return None
        number = re.match(r"\d+([:-])", rest) if query.line_numbers else None
        return f"{path}{number.group(1) if number else ':'}{rest}"
    path = line.rsplit(":", 1)[0] if query.mode == "count" else line
    return None if secret_reason(Path(path)) is not None else line


# -- the Python fallback ---------------------------------------------------------------


def _python_grep(query: GrepQuery) -> list[str]:
    flags = re.MULTILINE | (re.IGNORECASE if query.ignore_case else 0)
    if query.multiline:
        flags |= re.DOTALL
    try:
        regex = re.compile(query.pattern, flags)
    except re.error as exc:
        raise ToolError(f"Grep failed: invalid regular expression: {exc}") from exc
    include = pathspec.GitIgnoreSpec.from_lines(expand_braces(query.glob)) if query.glob else None
    suffixes = FILE_TYPES[query.type] if query.type else None
    deadline = time.monotonic() + GREP_TIMEOUT
    entries: list[str] = []
    for path in walk(query.base, query.roots):
        if time.monotonic() > deadline:
            entries.append(f"[search stopped after {GREP_TIMEOUT:.0f} s]")
            break
        if secret_reason(path):
            continue
        rel = path.relative_to(query.base).as_posix() if query.base.is_dir() else path.name
        if include is not None and not include.match_file(rel):
            continue
        if suffixes is not None and path.suffix.lower() not in suffixes:
            continue
        text = _text_of(path)
        if text is None:
            continue
        entries.extend(_search(regex, text, str(path), query))
    return entries


def _text_of(path: Path) -> str | None:
    return read_text(path, MAX_SEARCH_FILE_BYTES)


def _search(regex: re.Pattern[str], text: str, name: str, query: GrepQuery) -> list[str]:
    if query.mode == "files_with_matches":
        return [name] if regex.search(text) else []
    matched: set[int] = set()
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    for match in regex.finditer(text):
        first = _line_at(starts, match.start())
        last = _line_at(starts, max(match.start(), match.end() - 1))
        matched.update(range(first, last + 1))
        if match.end() == match.start() and match.end() >= len(text):
            break
    if query.mode == "count":
        lines_with = len(matched)
        return [f"{name}:{lines_with}"] if lines_with else []
    if not matched:
        return []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    shown: set[int] = set()
    for n in matched:
        shown.update(range(max(0, n - query.before), min(len(lines), n + query.after + 1)))
    out: list[str] = []
    previous = None
    for n in sorted(shown):
        if previous is not None and n != previous + 1:
            out.append("--")
        sep = ":" if n in matched else "-"
        line = lines[n].rstrip("\r")
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + " [... omitted end of long line]"
        number = f"{n + 1}{sep}" if query.line_numbers else ""
        out.append(f"{name}{sep}{number}{line}")
        previous = n
    return out


def _line_at(starts: list[int], offset: int) -> int:
    from bisect import bisect_right

    return bisect_right(starts, offset) - 1
