"""What the tools share: argument checks, workspace paths, bounded output."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agent.paths import PathError, confine
from agent.types import ToolContext, ToolResult

MAX_OUTPUT_CHARS = 30_000


class ToolError(Exception):
    """A refusal or failure the model should read; becomes an ``is_error`` result."""


async def guarded(work: Callable[[], Awaitable[ToolResult]]) -> ToolResult:
    """Run a tool body, turning ToolError (and refused paths) into error results."""
    try:
        return await work()
    except (ToolError, PathError) as exc:
        return ToolResult(str(exc), is_error=True)


def bound(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    """``text`` cut to its head and tail when longer than ``limit``, with a note."""
    if len(text) <= limit:
        return text
    head = text[: limit * 2 // 3]
    tail = text[-(limit - len(head)) :]
    cut = len(text) - len(head) - len(tail)
    cut_lines = text.count("\n", len(head), len(text) - len(tail))
    return f"{head}\n\n… [{cut} characters ({cut_lines} lines) cut from the middle] …\n\n{tail}"


def string_arg(input: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = input.get(key)
    if value is None:
        if required:
            raise ToolError(f"missing required parameter `{key}`")
        return None
    if not isinstance(value, str):
        raise ToolError(f"`{key}` must be a string, not {type(value).__name__}")
    return value


def int_arg(input: dict[str, Any], key: str, default: int | None = None) -> int | None:
    value = input.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ToolError(f"`{key}` must be an integer")
    try:
        number = int(value)
    except ValueError as exc:
        raise ToolError(f"`{key}` must be an integer, not {value!r}") from exc
    if number < 0:
        raise ToolError(f"`{key}` must not be negative")
    return number


def bool_arg(input: dict[str, Any], key: str) -> bool:
    value = input.get(key, False)
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def workspace_path(ctx: ToolContext, raw: str) -> Path:
    """``raw`` resolved from the working directory and confined to the workspace."""
    return confine(raw, ctx.cwd, ctx.port.roots)


async def current_text(ctx: ToolContext, path: Path) -> str | None:
    """The file's text through the port, None when it does not exist."""
    try:
        return await ctx.port.read_text(path)
    except FileNotFoundError:
        return None
    except IsADirectoryError as exc:
        raise ToolError(f"{path} is a directory") from exc
    except ValueError as exc:  # not UTF-8
        raise ToolError(str(exc)) from exc


def check_fresh(ctx: ToolContext, path: Path, text: str) -> None:
    """Refuse to change a file the model has not read, or that changed since."""
    seen = ctx.read_files.get(path)
    if seen is None:
        raise ToolError(
            f"{path} has not been read in this session. Read it first, then edit it, so "
            "the change is based on its current content."
        )
    if seen != text:
        raise ToolError(
            f"{path} has changed since it was last read (by the user, a formatter or "
            "another tool). Read it again before changing it."
        )


def split_lines(text: str) -> list[str]:
    """Lines split at ``\\n`` only (``str.splitlines`` also splits at form feeds and
    Unicode separators, which would shift line numbers against the editor's)."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return lines


def numbered(lines: list[str], first: int) -> str:
    """``cat -n`` style: a right-aligned line number, a tab, the line."""
    return "\n".join(f"{n:>6}\t{line}" for n, line in enumerate(lines, start=first))


def display_path(ctx: ToolContext, path: Path) -> str:
    if path.is_relative_to(ctx.cwd):
        return path.relative_to(ctx.cwd).as_posix() or "."
    return str(path)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for name, types in _JSON_TYPES.items():
        if name != "integer" and isinstance(value, types):
            return "integer" if name == "number" and isinstance(value, int) else name
    return type(value).__name__


def check_input(schema: dict[str, Any], value: object, where: str = "the input") -> str | None:
    """Why ``value`` does not fit the tool's JSON schema (object, required keys, the
    types of known properties, nested objects in arrays), or None when it does. Numbers
    and booleans given as strings pass: the tools convert those themselves."""
    if not isinstance(value, dict):
        return f"{where} must be a JSON object, not {_json_type(value)}"
    for key in schema.get("required", []):
        if key not in value:
            return f"missing required parameter `{key}`"
    properties = schema.get("properties", {})
    for key, item in value.items():
        spec = properties.get(key)
        expected = spec.get("type") if isinstance(spec, dict) else None
        if not isinstance(expected, str) or expected not in _JSON_TYPES:
            continue
        ok = isinstance(item, _JSON_TYPES[expected]) and not (
            isinstance(item, bool) and expected in ("integer", "number")
        )
        if not ok and isinstance(item, str) and expected in ("integer", "number", "boolean"):
            ok = True
        if not ok:
            return f"`{key}` must be {expected}, not {_json_type(item)}"
        items = spec.get("items") if isinstance(spec, dict) else None
        if expected == "array" and isinstance(items, dict) and items.get("type") == "object":
            for n, element in enumerate(item):
                problem = check_input(items, element, f"`{key}[{n}]`")
                if problem is not None:
                    return problem
    return None
