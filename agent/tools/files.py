"""Read, Write, Edit and MultiEdit: file access through the editor port.

Every path is confined to the workspace. Read records the text the model saw in
``ctx.read_files``; Write and Edit refuse an existing file that is not there or whose
text has changed since, and record the text they leave behind.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from agent.tools.common import (
    ToolError,
    bool_arg,
    bound,
    check_fresh,
    current_text,
    display_path,
    guarded,
    int_arg,
    numbered,
    split_lines,
    string_arg,
    workspace_path,
)
from agent.tools.matching import Applied, EditFailed, apply_edit
from agent.types import ToolContext, ToolResult

DEFAULT_LINE_LIMIT = 2000
MAX_LINE_CHARS = 2000
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_READ_CHARS = 256 * 1024
SNIPPET_CONTEXT = 3


class ReadTool:
    name = "Read"
    description = (
        "Reads a file from the workspace. file_path may be absolute or relative to the "
        f"working directory. By default reads up to {DEFAULT_LINE_LIMIT} lines from the "
        "start; give offset (1-based line number) and limit for long files. Lines are "
        "returned `cat -n` style: line number, a tab, then the line; lines longer than "
        f"{MAX_LINE_CHARS} characters are cut. A file must be read before Edit or Write "
        "may change it."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "The file to read"},
            "offset": {"type": "integer", "description": "The line number to start at"},
            "limit": {"type": "integer", "description": "The number of lines to read"},
        },
        "required": ["file_path"],
        "additionalProperties": False,
    }
    read_only = True

    def summary(self, input: dict[str, Any]) -> str:
        return f"Read {input.get('file_path', '?')}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: self._run(input, ctx))

    async def _run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        path = workspace_path(ctx, string_arg(input, "file_path") or "")
        offset = int_arg(input, "offset") or 1
        limit = int_arg(input, "limit") or DEFAULT_LINE_LIMIT
        if path.is_dir():
            raise ToolError(f"{path} is a directory; use Glob or `ls` to list it")
        _refuse_unreadable(path)
        text = await current_text(ctx, path)
        if text is None:
            raise ToolError(f"{path} does not exist")
        ctx.read_files[path] = text
        if not text:
            return ToolResult(f"{path} exists but is empty.")
        lines = split_lines(text)
        if offset > len(lines):
            return ToolResult(
                f"{path} has only {len(lines)} lines; offset {offset} is past the end."
            )
        chosen = lines[offset - 1 : offset - 1 + limit]
        cut_lines = 0
        shown: list[str] = []
        for line in chosen:
            cut_lines += len(line) > MAX_LINE_CHARS
            shown.append(_cut(line.rstrip("\r")))
        body = numbered(shown, offset)
        notes = []
        last = offset - 1 + len(chosen)
        if offset > 1 or last < len(lines):
            notes.append(
                f"[lines {offset}-{last} of {len(lines)}; use offset/limit to read other parts]"
            )
        if cut_lines:
            notes.append(f"[{cut_lines} long lines were cut at {MAX_LINE_CHARS} characters]")
        if len(body) > MAX_READ_CHARS:
            body = bound(body, MAX_READ_CHARS)
            notes.append("[output cut: read a smaller range with offset/limit]")
        return ToolResult("\n".join([body, *notes]))


class WriteTool:
    name = "Write"
    description = (
        "Writes a whole file, creating it (and its directories) or replacing it. An existing "
        "file must have been Read first in this session. Prefer Edit for changes to "
        "existing files."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "The file to write"},
            "content": {"type": "string", "description": "The whole new content"},
        },
        "required": ["file_path", "content"],
        "additionalProperties": False,
    }
    read_only = False

    def summary(self, input: dict[str, Any]) -> str:
        content = input.get("content")
        size = f" ({_line_count(content)} lines)" if isinstance(content, str) else ""
        return f"Write {input.get('file_path', '?')}{size}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: self._run(input, ctx))

    async def _run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        path = workspace_path(ctx, string_arg(input, "file_path") or "")
        content = string_arg(input, "content") or ""
        if path.is_dir():
            raise ToolError(f"{path} is a directory")
        existing = await current_text(ctx, path)
        if existing is not None:
            check_fresh(ctx, path, existing)
            # Keep a CRLF file CRLF when the model writes plain LF.
            if "\r\n" in existing and "\r" not in content:
                content = content.replace("\n", "\r\n")
        await ctx.port.write_text(path, content)
        ctx.read_files[path] = content
        verb = "Updated" if existing is not None else "Created"
        lines = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
        return ToolResult(f"{verb} {display_path(ctx, path)} ({lines} lines).")


_EDIT_PROPERTIES: dict[str, Any] = {
    "old_string": {"type": "string", "description": "The exact text to replace"},
    "new_string": {"type": "string", "description": "The text to replace it with"},
    "replace_all": {
        "type": "boolean",
        "default": False,
        "description": "Replace every occurrence (default: old_string must be unique)",
    },
}


class EditTool:
    name = "Edit"
    description = (
        "Replaces old_string with new_string in a file that was Read in this session. "
        "old_string must match exactly one place (copy it from the Read output without the "
        "line-number prefix and include enough context to be unique), unless replace_all "
        "is true. Differences in line endings, tabs vs spaces in indentation and trailing "
        "whitespace are tolerated; anything else is refused, nothing is changed, and the "
        "closest lines are returned. An empty old_string creates a new file."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "The file to change"},
            **_EDIT_PROPERTIES,
        },
        "required": ["file_path", "old_string", "new_string"],
        "additionalProperties": False,
    }
    read_only = False

    def summary(self, input: dict[str, Any]) -> str:
        return f"Edit {input.get('file_path', '?')}{diff_stat([input])}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: _edit(input, [input], ctx))


class MultiEditTool:
    name = "MultiEdit"
    description = (
        "Several Edits to one file, applied in order to the result of the previous one, "
        "all or nothing: if any edit fails, the file is not changed. Each edit follows "
        "Edit's rules."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "The file to change"},
            "edits": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": _EDIT_PROPERTIES,
                    "required": ["old_string", "new_string"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["file_path", "edits"],
        "additionalProperties": False,
    }
    read_only = False

    def summary(self, input: dict[str, Any]) -> str:
        edits = input.get("edits")
        if not isinstance(edits, list):
            return f"Edit {input.get('file_path', '?')}"
        stat = diff_stat(edits).removeprefix(" (").removesuffix(")")
        stat = f", {stat}" if stat else ""
        return f"Edit {input.get('file_path', '?')} ({len(edits)} changes{stat})"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        edits = input.get("edits")
        if not isinstance(edits, list) or not edits or not all(isinstance(e, dict) for e in edits):
            return ToolResult("`edits` must be a non-empty list of {old_string, new_string}", True)
        return await guarded(lambda: _edit(input, edits, ctx))


async def _edit(input: dict[str, Any], edits: list[dict[str, Any]], ctx: ToolContext) -> ToolResult:
    path = workspace_path(ctx, string_arg(input, "file_path") or "")
    pairs = [(string_arg(e, "old_string") or "", string_arg(e, "new_string") or "") for e in edits]
    original = await current_text(ctx, path)
    if original is not None:
        check_fresh(ctx, path, original)
    start = 0
    if original is None or (original == "" and not pairs[0][0]):
        if pairs[0][0]:
            raise ToolError(
                f"{path} does not exist. Use Write, or an empty old_string, to create it."
            )
        text, start = pairs[0][1], 1  # an empty old_string creates the file
    else:
        text = original
    results: list[Applied] = []
    for index in range(start, len(pairs)):
        old, new = pairs[index]
        try:
            applied = apply_edit(text, old, new, bool_arg(edits[index], "replace_all"))
        except EditFailed as exc:
            if len(pairs) == 1:
                raise ToolError(str(exc)) from exc
            raise ToolError(
                f"Edit {index + 1} of {len(pairs)}: {exc} No edit was applied."
            ) from exc
        results.append(applied)
        text = applied.text
    await ctx.port.write_text(path, text)
    ctx.read_files[path] = text
    shown = display_path(ctx, path)
    if not results:
        return ToolResult(f"Created {shown}.")
    count = sum(r.count for r in results)
    normalised = sorted({r.how for r in results} - {"exact"})
    note = f" (matched after normalising {' and '.join(normalised)})" if normalised else ""
    last_new = pairs[-1][1]
    snippet = _snippet(text, results[-1].first_line, last_new.count("\n") + 1)
    plural = "s" if count != 1 else ""
    return ToolResult(
        f"Edited {shown}: {count} replacement{plural}{note}. "
        f"The file around the change now reads:\n{snippet}"
    )


def _snippet(text: str, first_line: int, span: int) -> str:
    lines = split_lines(text)
    lo = max(1, first_line - SNIPPET_CONTEXT)
    hi = min(len(lines), first_line + span + SNIPPET_CONTEXT - 1)
    return numbered([_cut(line.rstrip("\r")) for line in lines[lo - 1 : hi]], lo)


def _cut(line: str) -> str:
    if len(line) <= MAX_LINE_CHARS:
        return line
    return line[:MAX_LINE_CHARS] + f"… [{len(line) - MAX_LINE_CHARS} chars cut]"


def _refuse_unreadable(path: Path) -> None:
    """Refuse files no one reads as text: huge ones and binary ones."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return  # may exist only as an unsaved editor buffer; the port decides
    except OSError as exc:
        raise ToolError(f"cannot read {path}: {exc.strerror}") from exc
    if size > MAX_FILE_BYTES:
        raise ToolError(
            f"{path} is {size // (1024 * 1024)} MB, too large to read; use Grep to find the "
            "part you need, or Bash with head/tail/sed -n."
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        raise ToolError(f"cannot read {path}: {exc.strerror}") from exc
    if b"\x00" in head:
        raise ToolError(f"{path} is a binary file ({size} bytes); it cannot be shown as text.")


def diff_stat(edits: list[Any]) -> str:
    """`` (+3 -1 lines)`` for Edit-shaped inputs: lines added and removed."""
    added = removed = 0
    for edit in edits:
        if not isinstance(edit, dict):
            continue
        old, new = edit.get("old_string"), edit.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str):
            continue
        old_lines, new_lines = old.splitlines(), new.splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                removed += i2 - i1
                added += j2 - j1
    if not added and not removed:
        return ""
    return f" (+{added} -{removed} lines)"


def _line_count(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") or not text else 1)
