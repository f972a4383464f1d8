"""Editor-grade tools the CLI lacks: Diagnostics (tree-sitter syntax errors and
pyflakes), Symbols (tree-sitter document symbols across the workspace) and Rename
(rope, through ``refactor.python``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.tools.common import (
    ToolError,
    bound,
    current_text,
    display_path,
    guarded,
    int_arg,
    string_arg,
    workspace_path,
)
from agent.types import ToolContext, ToolResult
from refactor.files import read_text, walk

if TYPE_CHECKING:
    from refactor.python.edits import WorkspaceEdit
    from refactor.python.workspace import PythonWorkspace
    from refactor.syntax.symbols import Symbol

MAX_FILES = 2000
MAX_FILE_BYTES = 1024 * 1024
MAX_SYMBOLS = 200


class DiagnosticsTool:
    name = "Diagnostics"
    description = (
        "Reports problems in a file, or in every source file of the workspace when "
        "file_path is omitted: syntax errors (tree-sitter, all supported languages) and, "
        "for Python, pyflakes findings (undefined names, unused imports …). Use it after "
        "editing to check the result."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"file_path": {"type": "string", "description": "The file to check"}},
        "additionalProperties": False,
    }
    read_only = True

    def summary(self, input: dict[str, Any]) -> str:
        return f"Check {input.get('file_path') or 'the workspace'}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: self._run(input, ctx))

    async def _run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        from refactor.syntax.languages import language_for

        raw = string_arg(input, "file_path", required=False)
        if raw:
            path = workspace_path(ctx, raw)
            if language_for(str(path)) is None:
                raise ToolError(f"no checker for {path.name}: its language is not supported")
            text = await current_text(ctx, path)
            if text is None:
                raise ToolError(f"{path} does not exist")
            found = await asyncio.to_thread(_problems, path, text)
            shown = display_path(ctx, path)
            if not found:
                return ToolResult(f"No problems found in {shown}.")
            return ToolResult(bound("\n".join(f"{shown}:{line}" for line in found)))
        paths = [p for p in walk(ctx.cwd, ctx.port.roots) if language_for(str(p)) is not None][
            :MAX_FILES
        ]
        lines: list[str] = []
        for path in paths:
            text = await _source(ctx, path)
            if text is not None:
                found = await asyncio.to_thread(_problems, path, text)
                lines += [f"{display_path(ctx, path)}:{line}" for line in found]
        if not lines:
            return ToolResult(f"No problems found in {len(paths)} files.")
        return ToolResult(bound("\n".join(lines)))


def _problems(path: Path, text: str) -> list[str]:
    """``line:column: severity: message`` for one file (1-based positions)."""
    from refactor.syntax.document import ParsedDocument
    from refactor.syntax.errors import syntax_errors
    from refactor.syntax.languages import language_for

    lang = language_for(str(path))
    if lang is None:
        return []
    doc = ParsedDocument(lang, text)
    found = [
        (p.range.start.line, p.range.start.character, "error", f"syntax: {p.message}")
        for p in syntax_errors(doc)
    ]
    if lang == "python" and not found:
        from refactor.python.checks import check

        found += [
            (p.range.start.line, p.range.start.character, p.severity, p.message)
            for p in check(str(path), text)
        ]
    return [
        f"{line + 1}:{col + 1}: {severity}: {message}" for line, col, severity, message in found
    ]


async def _source(ctx: ToolContext, path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
    except OSError:
        return None
    try:
        return await current_text(ctx, path)
    except ToolError:  # not UTF-8: not a source file after all
        return None


class SymbolsTool:
    name = "Symbols"
    description = (
        "Finds definitions (classes, functions, methods, variables …) by name across the "
        "workspace's source files, using tree-sitter. query matches names case-"
        "insensitively as a substring; a dotted query (`Parser.parse`) matches a member "
        f"of a container. Returns path:line, kind and name, at most {MAX_SYMBOLS}."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"query": {"type": "string", "description": "Part of a symbol name"}},
        "required": ["query"],
        "additionalProperties": False,
    }
    read_only = True

    def summary(self, input: dict[str, Any]) -> str:
        return f"Find symbols matching {input.get('query', '?')}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: asyncio.to_thread(self._run, input, ctx))

    def _run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        from refactor.syntax.document import ParsedDocument
        from refactor.syntax.languages import language_for
        from refactor.syntax.symbols import document_symbols

        query = (string_arg(input, "query") or "").strip().lower()
        if not query:
            raise ToolError("`query` must not be empty")
        container, _, member = query.rpartition(".")
        hits: list[str] = []
        scanned = 0
        for path in walk(ctx.cwd, ctx.port.roots):
            lang = language_for(str(path))
            if lang is None or scanned >= MAX_FILES:
                continue
            scanned += 1
            text = _disk_text(path)
            if text is None:
                continue
            for symbol, parent in _flatten(document_symbols(ParsedDocument(lang, text)), None):
                name = symbol.name.lower()
                if member not in name:
                    continue
                if container and (parent is None or container not in parent.name.lower()):
                    continue
                owner = f"{parent.name}." if parent is not None else ""
                line = symbol.selection_range.start.line + 1
                detail = f"  {symbol.detail}" if symbol.detail else ""
                hits.append(
                    f"{display_path(ctx, path)}:{line}: {symbol.kind} {owner}{symbol.name}{detail}"
                )
        if not hits:
            return ToolResult(f"No symbols match {query!r} ({scanned} files searched).")
        exact = [h for h in hits if h.split(" ", 2)[-1].split("  ")[0].lower().endswith(member)]
        ordered = exact + [h for h in hits if h not in exact]
        more = len(ordered) - MAX_SYMBOLS
        text = "\n".join(ordered[:MAX_SYMBOLS])
        if more > 0:
            text += f"\n[{more} more matches not shown; refine the query]"
        return ToolResult(bound(text))


def _flatten(symbols: list[Symbol], parent: Symbol | None) -> list[tuple[Symbol, Symbol | None]]:
    out: list[tuple[Symbol, Symbol | None]] = []
    for symbol in symbols:
        out.append((symbol, parent))
        out += _flatten(symbol.children, symbol)
    return out


def _disk_text(path: Path) -> str | None:
    return read_text(path, MAX_FILE_BYTES)


class RenameTool:
    name = "Rename"
    description = (
        "Renames a Python symbol (variable, function, class, method, parameter) at a "
        "position everywhere in the workspace, with rope: definitions, uses, imports and "
        "keyword arguments. line and column are 1-based, as Read shows them; the column "
        "may point anywhere in the name. Refuses when the name already exists in that "
        "scope or the result would not parse."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "file_path": {"type": "string", "description": "The Python file"},
            "line": {"type": "integer", "description": "1-based line of the name"},
            "column": {"type": "integer", "description": "1-based column in that line"},
            "new_name": {"type": "string", "description": "The new name"},
        },
        "required": ["file_path", "line", "column", "new_name"],
        "additionalProperties": False,
    }
    read_only = False

    def __init__(self) -> None:
        self._workspaces: dict[Path, PythonWorkspace] = {}

    def summary(self, input: dict[str, Any]) -> str:
        where = f"{input.get('file_path', '?')}:{input.get('line', '?')}"
        return f"Rename the symbol at {where} to {input.get('new_name', '?')}"

    async def run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await guarded(lambda: self._run(input, ctx))

    async def _run(self, input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        from refactor.python.edits import RefactorError
        from refactor.python.rename import rename
        from refactor.text import Position

        path = workspace_path(ctx, string_arg(input, "file_path") or "")
        line, column = int_arg(input, "line") or 0, int_arg(input, "column") or 0
        new_name = string_arg(input, "new_name") or ""
        if path.suffix not in (".py", ".pyi") or line < 1 or column < 1:
            raise ToolError("Rename needs a .py file and a 1-based line and column")
        workspace = self._workspace(path, ctx)
        workspace.files_changed(None)  # the agent and the user change files between calls
        position = Position(line - 1, column - 1)
        try:
            edit = await asyncio.to_thread(
                workspace.run, lambda session: rename(session, str(path), position, new_name)
            )
        except RefactorError as exc:
            raise ToolError(f"Rename refused: {exc}") from exc
        if edit.renames or edit.creates:
            raise ToolError("Rename refused: it would move files; rename the module with Bash")
        changed = await _apply(edit, ctx)
        listing = "\n".join(f"  {display_path(ctx, p)} ({n} edits)" for p, n in changed)
        return ToolResult(f"Renamed to {new_name} in {len(changed)} files:\n{listing}")

    def _workspace(self, path: Path, ctx: ToolContext) -> PythonWorkspace:
        from refactor.python.workspace import PythonWorkspace

        root = next((r for r in ctx.port.roots if path.is_relative_to(r)), ctx.port.roots[0])
        if root not in self._workspaces:
            self._workspaces[root] = PythonWorkspace(str(root))
        return self._workspaces[root]


async def _apply(edit: WorkspaceEdit, ctx: ToolContext) -> list[tuple[Path, int]]:
    """Write every change through the port; files the model has read stay fresh."""
    from refactor.python.edits import offset_at

    planned: list[tuple[Path, str, int]] = []
    for raw, edits in edit.changes.items():
        path = workspace_path(ctx, raw)
        text = await current_text(ctx, path)
        if text is None:
            raise ToolError(f"Rename refused: {path} disappeared")
        result = text
        for change in sorted(edits, key=lambda e: (e.range.start, e.range.end), reverse=True):
            start, end = offset_at(result, change.range.start), offset_at(result, change.range.end)
            result = result[:start] + change.new_text + result[end:]
        planned.append((path, result, len(edits)))
    from refactor import journal

    # A crash half-way leaves a journal the next start rolls back: for the files written
    # to disk only (an edit sent to an editor buffer is the editor's; rolling its file
    # back after the user saved it would undo the user's save).
    on_disk = getattr(ctx.port, "writes_to_disk", lambda path: True)
    texts: dict[str, str | None] = {str(p): r for p, r, _ in planned if on_disk(p)}
    with journal.pending(journal.Change(texts, label="Rename")):
        for written, (path, result, _) in enumerate(planned, 1):
            await ctx.port.write_text(path, result)
            if path in ctx.read_files:
                ctx.read_files[path] = result
            journal.stop_point(written)
    return [(path, count) for path, _, count in planned]
