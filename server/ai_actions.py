"""AI code actions: fix with Claude, docstring, type hints, comment requests, tests,
explain and ask.

Listing never calls the model: it looks at the diagnostics the client passes, the
lines in range (for ``AI!`` / ``@claude`` comments) and the definition around the cursor
(a walk up the tree-sitter tree), and returns actions that carry only ``data``. The
model runs on ``codeAction/resolve`` or, for clients without resolve, through the
``claude.codeAction`` command, which applies the edit with ``workspace/applyEdit``.
Explain and ask are chat turns (`server.transcript`): their actions carry the command.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified

from agent.code_context import Definition, enclosing_definition
from agent.line_edits import comment_request
from refactor.text import split_lines
from server import review
from server.ai_run import AiFailed

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

log = logging.getLogger(__name__)

COMMAND = "claude.codeAction"
EXPLAIN, ASK = "claude.explain", "claude.ask"
COMMANDS = (COMMAND, EXPLAIN, ASK, "claude.review", "claude.commitMessage")
FIX_KIND = "quickfix.claude"
REWRITE_KIND = "refactor.rewrite.claude"
TESTS_KIND = "refactor.claude.tests"
EXPLAIN_KIND, ASK_KIND = "claude.explain", "claude.ask"
KINDS = [FIX_KIND, REWRITE_KIND, TESTS_KIND, EXPLAIN_KIND, ASK_KIND]
MAX_FIXES = 3  # "Fix with Claude" for at most this many diagnostics at once
MAX_SCANNED_LINES = 200  # lines of the range looked at for comment requests


def _wants(only: list[str], kind: str) -> bool:
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


def listing(
    ls: ClaudeLanguageServer,
    doc: OpenDocument,
    selection: lsp.Range,
    diagnostics: Sequence[lsp.Diagnostic],
    only: list[str],
) -> list[lsp.CodeAction]:
    """The AI actions that apply here. Cheap: no model, no I/O."""
    if not ls.settings.ai.code_actions or not doc.text.strip():
        return []
    base: dict[str, Any] = {"uri": doc.uri, "version": doc.version}
    actions: list[lsp.CodeAction] = []
    if _wants(only, FIX_KIND):
        for diagnostic in diagnostics:
            if diagnostic.source == review.SOURCE and isinstance(diagnostic.data, dict):
                edit = review.fix_edit(ls, doc, diagnostic)
                if edit is not None:
                    title = "Apply Claude's fix"
                    actions.append(
                        lsp.CodeAction(title, kind=FIX_KIND, diagnostics=[diagnostic], edit=edit)
                    )
        for diagnostic in list(diagnostics)[:MAX_FIXES]:
            message = " ".join(diagnostic.message.split())
            title = f"Fix with Claude: {message[:60]}{'…' if len(message) > 60 else ''}"
            data = {**base, "claude": "fix", "diagnostic": _plain(diagnostic)}
            actions.append(_lazy(ls, title, FIX_KIND, data, [diagnostic]))
    definition = _definition(doc, selection)
    if _wants(only, REWRITE_KIND):
        actions += _comment_actions(ls, doc, selection, base)
    python = doc.lang == "python"
    if definition is not None and python:
        name = f"`{definition.name}`"
        lines = [definition.start, definition.end]
        span: dict[str, Any] = {"definition": lines, "symbol": definition.name}
        if _wants(only, REWRITE_KIND):
            offers = (("docstring", "Add docstring to"), ("typeHints", "Add type hints to"))
            for task, title in offers:
                data = {**base, **span, "claude": task}
                actions.append(_lazy(ls, f"{title} {name} with Claude", REWRITE_KIND, data))
        if _wants(only, TESTS_KIND):
            data = {**base, **span, "claude": "tests"}
            actions.append(_lazy(ls, f"Write tests for {name} with Claude", TESTS_KIND, data))
    location: dict[str, Any] = {"uri": doc.uri}
    if _has_selection(selection) or definition is not None:
        location["range"] = _range_json(_target_range(selection, definition))
    if _wants(only, EXPLAIN_KIND):
        what = (
            "the selection"
            if _has_selection(selection)
            else (f"`{definition.name}`" if definition else "this file")
        )
        title = f"Explain {what} with Claude"
        command = lsp.Command(title=title, command=EXPLAIN, arguments=[location])
        actions.append(lsp.CodeAction(title=title, kind=EXPLAIN_KIND, command=command))
    if _wants(only, ASK_KIND):
        title = "Ask Claude about this…"
        command = lsp.Command(title=title, command=ASK, arguments=[location])
        actions.append(lsp.CodeAction(title=title, kind=ASK_KIND, command=command))
    return actions


def _comment_actions(
    ls: ClaudeLanguageServer, doc: OpenDocument, selection: lsp.Range, base: dict[str, Any]
) -> list[lsp.CodeAction]:
    actions = []
    last = min(selection.end.line, selection.start.line + MAX_SCANNED_LINES)
    lines = split_lines(doc.text)
    for number in range(selection.start.line, min(last, len(lines) - 1) + 1):
        found = comment_request(lines[number])
        if found is None:
            continue
        request = found[1]
        title = f"Claude: {request[:60]}{'…' if len(request) > 60 else ''}"
        data = {**base, "claude": "comment", "line": number, "request": request}
        actions.append(_lazy(ls, title, REWRITE_KIND, data))
    return actions


def _definition(doc: OpenDocument, selection: lsp.Range) -> Definition | None:
    if doc.parsed is None:
        return None
    position = selection.start
    return enclosing_definition(doc.parsed, position.line, position.character)


def _has_selection(selection: lsp.Range) -> bool:
    return selection.start != selection.end


def _target_range(selection: lsp.Range, definition: Definition | None) -> lsp.Range:
    if _has_selection(selection) or definition is None:
        return selection
    return lsp.Range(lsp.Position(definition.start, 0), lsp.Position(definition.end + 1, 0))


def _range_json(span: lsp.Range) -> dict[str, Any]:
    return {
        "start": {"line": span.start.line, "character": span.start.character},
        "end": {"line": span.end.line, "character": span.end.character},
    }


def _plain(diagnostic: lsp.Diagnostic) -> dict[str, Any]:
    severity = diagnostic.severity or lsp.DiagnosticSeverity.Error
    return {
        "range": [diagnostic.range.start.line, diagnostic.range.end.line],
        "message": diagnostic.message,
        "severity": severity.name.lower(),
        "source": diagnostic.source,
        "code": str(diagnostic.code) if diagnostic.code is not None else None,
    }


def _lazy(
    ls: ClaudeLanguageServer,
    title: str,
    kind: str,
    data: dict[str, Any],
    diagnostics: list[lsp.Diagnostic] | None = None,
) -> lsp.CodeAction:
    return lazy_action(ls, title, kind, data, command=COMMAND, diagnostics=diagnostics)


def lazy_action(
    ls: ClaudeLanguageServer,
    title: str,
    kind: str,
    data: dict[str, Any],
    *,
    command: str,
    diagnostics: list[lsp.Diagnostic] | None = None,
) -> lsp.CodeAction:
    """An action computed later: on resolve, or through ``command`` for clients
    without resolve."""
    action = lsp.CodeAction(title=title, kind=kind, diagnostics=diagnostics, data=data)
    if not ls.client_features.code_action_resolve:
        action.command = lsp.Command(title=title, command=command, arguments=[data])
    return action


def is_ai(data: Any) -> bool:
    return isinstance(data, dict) and "claude" in data


# -- handlers ---------------------------------------------------------------------------


async def resolve(ls: ClaudeLanguageServer, action: lsp.CodeAction) -> lsp.CodeAction:
    from server.ai_edit_tasks import compute

    data = action.data if isinstance(action.data, dict) else {}
    outcome = await _reported(ls, action.title, compute(ls, data, action.title))
    action.edit = outcome.edit
    action.data = {**data, "summary": outcome.summary, "costUsd": outcome.cost_usd}
    return action


async def apply_command(ls: Any, *args: Any) -> dict[str, Any]:
    """``claude.codeAction [data]`` for clients without resolve. ``ls`` is untyped:
    pygls resolves command annotations at run time."""
    from server.ai_edit_tasks import compute

    data = args[0] if args else None
    if not isinstance(data, dict) or "claude" not in data:
        raise AiFailed("claude.codeAction needs the action's data", "invalidParams")
    title = _TITLES.get(str(data["claude"]), "Claude")
    outcome = await _reported(ls, title, compute(ls, data, title))
    await _reported(ls, title, ls.ai.apply(outcome.edit, title))
    return {"applied": True, "summary": outcome.summary, "costUsd": outcome.cost_usd}


_TITLES = {
    "fix": "Fix with Claude",
    "docstring": "Add docstring with Claude",
    "typeHints": "Add type hints with Claude",
    "comment": "Do what the comment says",
    "tests": "Write tests with Claude",
}


async def _reported(ls: ClaudeLanguageServer, title: str, work: Any) -> Any:
    """Await ``work``; a refusal is also shown to the user (the request fails with it)."""
    try:
        return await work
    except (AiFailed, JsonRpcContentModified) as exc:
        message = str(getattr(exc, "message", "") or exc)
        ls.show_message(message if message.startswith(title) else f"{title}: {message}")
        raise


async def explain_command(ls: Any, *args: Any) -> dict[str, Any]:
    """``claude.explain [{uri, range}]``: a chat turn explaining the code there."""
    location = _location(args[0] if args else None, EXPLAIN)
    prompt = (
        "Explain the attached code: what it does, how it fits in the rest of the "
        "workspace (read what you need), and anything surprising or risky in it. "
        "Be concise; use markdown."
    )
    diagnostics = _diagnostics_in(ls, location)
    if diagnostics:
        prompt += "\n\nDiagnostics in this range:\n" + "\n".join(diagnostics)
    result: dict[str, Any] = await ls.command_chat.chat(prompt, [location])
    return result


async def ask_command(ls: Any, *args: Any) -> dict[str, Any]:
    """``claude.ask [{uri, range}, prompt]``: a chat turn about the code there."""
    location = _location(args[0] if args else None, ASK)
    prompt = args[1] if len(args) > 1 else None
    if not isinstance(prompt, str) or not prompt.strip():
        raise AiFailed(
            "claude.ask needs the question as its second argument: [{uri, range}, prompt]",
            "invalidParams",
        )
    result: dict[str, Any] = await ls.command_chat.chat(prompt, [location])
    return result


def _location(value: Any, command: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("uri"), str):
        raise AiFailed(f"{command} needs a location {{uri, range?}}", "invalidParams")
    return value


def _diagnostics_in(ls: ClaudeLanguageServer, location: dict[str, Any]) -> list[str]:
    span = location.get("range") or {}
    try:
        first, last = int(span["start"]["line"]), int(span["end"]["line"])
    except (KeyError, TypeError, ValueError):
        return []
    return [
        f"line {d.range.start.line + 1}: [{d.source or '?'}] {d.message}"
        for d in ls.diagnostics.get(location["uri"])
        if first <= d.range.start.line <= last
    ]


def register(server: ClaudeLanguageServer) -> None:
    server.command(COMMAND)(apply_command)
    server.command(EXPLAIN)(explain_command)
    server.command(ASK)(ask_command)
