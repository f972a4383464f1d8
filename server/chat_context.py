"""What a chat turn sends: the prompt, then the files or selections the user attached.

Attached text comes from the editor's buffers (unsaved text included) through the
agent's editor port, so it is confined to the workspace like any tool read, numbered
like the Read tool's output, and bounded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcException
from pygls.uris import to_fs_path

from agent.paths import PathError, confine, secret_reason
from refactor.text import split_lines

if TYPE_CHECKING:
    from server.editor_port import LspEditorPort

MAX_CONTEXT_LINES = 2_000
MAX_CONTEXT_CHARS = 200_000


class ContextError(JsonRpcException):
    CODE = -32803

    def __init__(self, message: str) -> None:
        super().__init__(message, data={"reason": "invalidParams"})


async def context_blocks(
    port: LspEditorPort, prompt: str, context: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": prompt}]
    for item in context:
        blocks.append({"type": "text", "text": await _attachment(port, item)})
    return blocks


def check_context(port: LspEditorPort, context: list[dict[str, Any]]) -> list[Path]:
    """The files of the attachments; `ContextError` for one that may not be attached
    (not a file uri, outside the workspace after resolving symlinks, a secret)."""
    return [_checked(port, item) for item in context]


def _checked(port: LspEditorPort, item: Any) -> Path:
    uri = item.get("uri") if isinstance(item, dict) else None
    if not isinstance(uri, str) or not uri.startswith("file:") or not (raw := to_fs_path(uri)):
        raise ContextError(f"context item {str(item)[:300]!r} has no file uri")
    try:
        path = confine(raw, port.roots[0], port.roots)
    except (PathError, OSError) as exc:
        raise ContextError(f"cannot attach {raw[:300]!r}: {str(exc)[:500]}") from exc
    if reason := secret_reason(Path(raw)) or secret_reason(path):
        raise ContextError(f"cannot attach {path.name}: {reason}")
    try:
        exists = path.is_file() or port.ls.documents.find(path) is not None
    except OSError as exc:  # a name too long, a loop of links…
        raise ContextError(f"cannot attach {raw[:300]!r}: {exc.strerror}") from exc
    if not exists:
        raise ContextError(f"cannot attach {raw[:300]!r}: no such file")
    return path


async def _attachment(port: LspEditorPort, item: dict[str, Any]) -> str:
    path = _checked(port, item)
    raw = str(path)
    try:
        text = await port.read_text(path)
    except (OSError, ValueError) as exc:
        raise ContextError(f"cannot attach {raw}: {exc}") from exc
    lines = split_lines(text)
    first, last = 0, len(lines) - 1
    span = item.get("range")
    if span is not None:
        first, last = _lines(span, len(lines))
    shown = _relative(path, port.roots)
    kind = "selection" if span is not None else "file"
    header = f'<{kind} path="{shown}" lines="{first + 1}-{last + 1}">'
    body, size = [], 0
    for number in range(first, last + 1):
        line = f"{number + 1:6}\t{lines[number]}"
        size += len(line) + 1
        if number - first >= MAX_CONTEXT_LINES or size > MAX_CONTEXT_CHARS:
            body.append(f"[… {last - number + 1} more lines not attached; Read the file for them]")
            break
        body.append(line)
    return "\n".join([header, *body, f"</{kind}>"])


def _lines(span: Any, count: int) -> tuple[int, int]:
    try:
        start = int(span["start"]["line"])
        end = int(span["end"]["line"])
        end_character = int(span["end"].get("character", 1))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ContextError(f"invalid range {span!r}") from exc
    if start < 0 or end < start:
        raise ContextError(f"invalid range {span!r}")
    if end > start and end_character == 0:
        end -= 1  # a selection of whole lines ends at the start of the next one
    if start >= count:
        raise ContextError(f"range starts at line {start + 1}, past the end ({count} lines)")
    return start, min(end, count - 1)


def _relative(path: Path, roots: list[Path]) -> str:
    for root in roots:
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return str(path)
