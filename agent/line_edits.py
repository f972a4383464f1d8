"""Edits by line range, as the AI tasks' tools return them, checked before anything moves.

The model sees the code with line numbers and answers with edits of whole lines:
``{startLine, endLine, oldText, newText}`` (1-based, inclusive; ``endLine = startLine - 1``
inserts before ``startLine``). ``oldText`` must be exactly what those lines hold now
(trailing blanks aside): an edit for lines that moved or changed is refused, never
guessed at. A Python result that does not parse is refused too.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass
from typing import Any

EDIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "startLine": {"type": "integer", "minimum": 1, "description": "first line replaced"},
        "endLine": {
            "type": "integer",
            "minimum": 0,
            "description": "last line replaced (inclusive); startLine - 1 to insert",
        },
        "oldText": {"type": "string", "description": "the lines replaced, exactly as shown"},
        "newText": {"type": "string", "description": "their replacement, whole lines"},
    },
    "required": ["startLine", "endLine", "oldText", "newText"],
}


class EditError(ValueError):
    """The answer cannot be applied; the message says why, for the user."""


@dataclass(frozen=True)
class LineEdit:
    start: int  # 0-based first line
    end: int  # 0-based, exclusive
    new_lines: tuple[str, ...]


def _lines(text: str) -> list[str]:
    """Lines without their terminators; a final newline does not make an extra line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def parse_edits(raw: Any, text: str) -> list[LineEdit]:
    """The validated edits of a tool answer, sorted; `EditError` says what is wrong."""
    if not isinstance(raw, list) or not raw:
        raise EditError("the answer holds no edits")
    lines = _lines(text)
    edits: list[LineEdit] = []
    for number, item in enumerate(raw, 1):
        edits.append(parse_edit(item, lines, number))
    edits.sort(key=lambda e: (e.start, e.end))
    for before, after in itertools.pairwise(edits):
        if after.start < before.end or (after.start == before.start == before.end):
            raise EditError("the answer's edits overlap")
    return edits


def parse_edit(item: Any, lines: list[str], number: int = 1) -> LineEdit:
    if not isinstance(item, dict):
        raise EditError(f"edit {number} is not an object")
    start, end = item.get("startLine"), item.get("endLine")
    old, new = item.get("oldText"), item.get("newText")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise EditError(f"edit {number}: startLine and endLine must be integers")
    if not isinstance(old, str) or not isinstance(new, str):
        raise EditError(f"edit {number}: oldText and newText must be strings")
    assert isinstance(start, int) and isinstance(end, int)
    if start < 1 or end < start - 1 or end > len(lines) or start > len(lines) + 1:
        raise EditError(
            f"edit {number}: lines {start}-{end} do not exist (the file has {len(lines)} lines)"
        )
    current = lines[start - 1 : end]
    if [s.rstrip() for s in current] != [s.rstrip() for s in _lines(old)]:
        raise EditError(
            f"edit {number}: lines {start}-{end} no longer hold the text the answer replaces"
        )
    return LineEdit(start - 1, end, tuple(_lines(new)))


def apply_edits(text: str, edits: list[LineEdit]) -> str:
    """``text`` with the (sorted, non-overlapping) edits applied, its line endings kept."""
    eol = "\r\n" if "\r\n" in text else "\n"
    lines = _lines(text)
    final_newline = text.endswith("\n") or not text
    for edit in reversed(edits):
        lines[edit.start : edit.end] = list(edit.new_lines)
    result = eol.join(lines)
    return result + eol if final_newline and lines else result


def check_parses(path: str, text: str) -> None:
    """Refuse Python source that does not parse (`EditError`); other languages pass."""
    if not path.endswith((".py", ".pyi")):
        return
    try:
        ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise EditError(
            f"the result does not parse (line {exc.lineno}: {exc.msg}); nothing was changed"
        ) from exc
    except ValueError as exc:  # NUL bytes
        raise EditError(f"the result does not parse ({exc}); nothing was changed") from exc


# A line comment asking for work: "# AI! make it async", "// @claude add logging".
_REQUEST = re.compile(r"(?:#|//)\s*(?:@claude\b\s*(?P<at>.+?)|(?P<bang>.+?)\s*\bAI!)\s*$")


def comment_request(line: str) -> tuple[int, str] | None:
    """``(column where the comment starts, the request)`` when ``line`` ends with an
    ``AI!`` comment or holds an ``@claude`` one."""
    match = _REQUEST.search(line)
    if match is None or _in_string(line, match.start()):
        return None
    request = (match.group("at") or match.group("bang") or "").strip()
    return (match.start(), request) if request else None


def _in_string(line: str, column: int) -> bool:
    """A rough check that ``column`` is not inside a quoted string on this line."""
    prefix = line[:column]
    return prefix.count('"') % 2 == 1 or prefix.count("'") % 2 == 1


def remove_comment(text: str, line_text: str) -> str:
    """``text`` without the request comment ``line_text`` (the whole line when it holds
    only the comment); unchanged when the model already removed it."""
    lines = text.split("\n")
    target = line_text.removesuffix("\r").rstrip()
    found = [i for i, line in enumerate(lines) if line.removesuffix("\r").rstrip() == target]
    if len(found) != 1:
        return text
    index = found[0]
    request = comment_request(target)
    if request is None:
        return text
    code = target[: request[0]].rstrip()
    if code:
        lines[index] = code + ("\r" if lines[index].endswith("\r") else "")
    else:
        del lines[index]
    return "\n".join(lines)
