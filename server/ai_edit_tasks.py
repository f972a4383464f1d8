"""The AI code actions that edit: context in, checked edit out.

`compute` snapshots the document, builds the context (`agent.code_context`), asks the
model through the task's tool, and checks the answer: edits by line range whose old text
still matches, a Python result that parses, a test file inside the workspace, no deny
rule against the file. Anything else is refused with a message and changes nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified

from agent.code_context import CodeContext, ContextTooLarge, Definition, Diagnostic, build
from agent.context import CHARS_PER_TOKEN
from agent.line_edits import EditError, apply_edits, check_parses, parse_edits, remove_comment
from refactor.text import split_lines
from server.ai_run import AiFailed, unchanged_since

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

FIX_WINDOW = 3  # lines around a diagnostic that are "in question"
COMMENT_WINDOW = 15


@dataclass
class Outcome:
    edit: lsp.WorkspaceEdit
    summary: str
    cost_usd: float


async def compute(ls: ClaudeLanguageServer, data: Any, title: str) -> Outcome:
    from agent import tasks

    if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
        raise AiFailed("this code action carries no data", "invalidParams")
    doc = ls.documents.get(data["uri"])
    if doc is None:
        raise AiFailed("the document is not open any more")
    if data.get("version") is not None and doc.version != data["version"]:
        raise JsonRpcContentModified("the document changed since the action was listed")
    kind = str(data.get("claude"))
    await ls.ai.check_readable(doc.uri, doc.path, title)
    text, version = doc.text, doc.version
    context = await _context(ls, doc, data, kind)
    instruction = tasks.INSTRUCTIONS[kind].format(
        symbol=f"`{data.get('symbol')}`",
        line=int(data.get("line", 0)) + 1,
        request=data.get("request", ""),
    )
    try:
        prompt = build(context, instruction, ls.settings.ai.context_tokens)
    except ContextTooLarge as exc:
        raise AiFailed(f"{title}: {exc}", "tooLarge") from exc
    tool = tasks.TESTS_TOOL if kind == "tests" else tasks.EDITS_TOOL
    answer = await ls.ai.ask(title, tool, [tasks.text_block(prompt)])
    summary = str(answer.input.get("summary") or title)
    if kind == "tests":
        edit = await _test_file_edit(ls, doc, answer.input)
        return Outcome(edit, summary, answer.cost_usd)
    try:
        new = apply_edits(text, parse_edits(answer.input.get("edits"), text))
        if kind == "comment":
            new = remove_comment(new, split_lines(text)[int(data["line"])])
        check_parses(doc.path, new)
    except EditError as exc:
        raise AiFailed(f"{title}: Claude's answer was refused: {exc}") from exc
    if new == text:
        raise AiFailed(f"{title}: Claude proposed no change")
    unchanged_since(ls, doc.uri, version)
    path = Path(doc.path)
    await ls.ai.check_allowed(path, new)
    return Outcome(ls.ai.workspace_edit(path, text, new, version), summary, answer.cost_usd)


async def _context(
    ls: ClaudeLanguageServer, doc: OpenDocument, data: dict[str, Any], kind: str
) -> CodeContext:
    root = ls.chats.root()
    path = Path(doc.path)
    shown = _relative(path, root)
    lines = doc.text.count("\n") + 1
    definition = None
    if isinstance(data.get("definition"), list):
        start, end = (int(x) for x in data["definition"])
        definition = Definition(str(data.get("symbol")), "function", start, end)
    target: tuple[int, int] | None = None
    diagnostics: list[Diagnostic] = []
    if kind == "fix":
        raw = data.get("diagnostic") or {}
        first, last = (int(x) for x in raw.get("range") or (0, 0))
        target = (max(0, first - FIX_WINDOW), min(lines - 1, last + FIX_WINDOW))
        diagnostics.append(_diagnostic(raw))
    elif kind == "comment":
        line = int(data.get("line", 0))
        target = (max(0, line - COMMENT_WINDOW), min(lines - 1, line + COMMENT_WINDOW))
    elif definition is not None:
        target = (definition.start, definition.end)
    if target is not None and kind != "fix":
        diagnostics += [
            _diagnostic(
                {
                    "range": [d.range.start.line, d.range.end.line],
                    "message": d.message,
                    "severity": (d.severity or lsp.DiagnosticSeverity.Error).name.lower(),
                    "source": d.source,
                    "code": str(d.code) if d.code is not None else None,
                }
            )
            for d in ls.diagnostics.get(doc.uri)
            if target[0] <= d.range.start.line <= target[1]
        ]
    context = CodeContext(
        path=shown,
        text=doc.text,
        target=target,
        definition=definition,
        diagnostics=diagnostics,
        open_files=[_relative(Path(d.path), root) for d in ls.documents if d.uri != doc.uri],
    )
    from agent.git_context import file_diff

    context.diff = await asyncio.to_thread(file_diff, root, path)
    share = ls.settings.ai.context_tokens * CHARS_PER_TOKEN // 4  # a quarter for the map
    context.repo_map = await ls.repo_map.render([path], share)
    if kind == "tests":
        from agent.test_layout import test_layout

        layout = await asyncio.to_thread(test_layout, root, path)
        context.extras.append(("test-layout", layout.describe()))
        if layout.example_path:
            context.extras.append((f'test-file path="{layout.example_path}"', layout.example))
    return context


def _diagnostic(raw: dict[str, Any]) -> Diagnostic:
    first, last = (int(x) for x in raw.get("range") or (0, 0))
    return Diagnostic(
        first,
        last,
        str(raw.get("message", "")),
        str(raw.get("severity") or "error"),
        raw.get("source"),
        raw.get("code"),
    )


async def _test_file_edit(
    ls: ClaudeLanguageServer, doc: OpenDocument, answer: dict[str, Any]
) -> lsp.WorkspaceEdit:
    from agent.fsport import read_disk_text
    from agent.paths import PathError, confine

    title = "Write tests"
    raw, content = answer.get("path"), answer.get("content")
    if not isinstance(raw, str) or not raw.strip() or not isinstance(content, str):
        raise AiFailed(f"{title}: Claude's answer was refused: it needs a path and content")
    root = ls.chats.root()
    try:
        path = confine(raw, root, [root])
    except PathError as exc:
        raise AiFailed(f"{title}: Claude's answer was refused: {exc}") from exc
    if doc.lang == "python" and path.suffix != ".py":
        raise AiFailed(f"{title}: Claude's answer was refused: {raw} is not a Python file")
    if path == Path(doc.path).resolve():
        raise AiFailed(f"{title}: Claude's answer was refused: it would overwrite the module")
    try:
        check_parses(str(path), content)
    except EditError as exc:
        raise AiFailed(f"{title}: Claude's answer was refused: {exc}") from exc
    await ls.ai.check_allowed(path, content)
    open_doc = ls.documents.find(path)
    if open_doc is not None:
        return ls.ai.workspace_edit(path, open_doc.text, content, open_doc.version)
    if await asyncio.to_thread(path.exists):
        old = await read_disk_text(path, [root])
        return ls.ai.workspace_edit(path, old, content, None)
    return ls.ai.workspace_edit(path, "", content, None, create=True)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)
