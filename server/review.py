"""``claude.review``: the model reviews a document (in git: only what changed against
HEAD) and its findings become diagnostics with source ``claude``.

Findings follow the buffer: on every change they are moved by the lines added or
removed above them, and dropped when their own lines change (`agent.review.move_findings`,
a prefix/suffix comparison, linear in the text). Reviews are cached by a hash of the text,
the lines under review and the model, so asking again for unchanged code costs nothing.
A review runs only when asked, or on save with ``claudeLsp.review.onSave``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from agent.line_edits import apply_edits
from refactor.text import Position, Range, split_lines
from server.ai_run import AiFailed

if TYPE_CHECKING:
    from agent.review import Finding
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

log = logging.getLogger(__name__)

SOURCE = "claude"
COMMAND = "claude.review"
SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
    "hint": lsp.DiagnosticSeverity.Hint,
}
MAX_CACHED = 256


@dataclass
class Reviewed:
    text: str  # the buffer the findings refer to
    findings: list[Finding]


class Reviews:
    def __init__(self, ls: ClaudeLanguageServer) -> None:
        self.ls = ls
        self.by_uri: dict[str, Reviewed] = {}
        self.cache: dict[str, list[Finding]] = {}
        self.running: dict[str, asyncio.Task[dict[str, Any]]] = {}

    async def review(self, doc: OpenDocument) -> dict[str, Any]:
        from agent.git_context import text_at
        from agent.review import cache_key, changed_ranges, review
        from agent.tasks import TaskError

        await self.ls.ai.check_readable(doc.uri, doc.path, "Review")
        text, version = doc.text, doc.version
        path = Path(doc.path)
        root = self.ls.chats.root()
        shown = _relative(path, root)
        base = await asyncio.to_thread(text_at, path)
        model = await self.ls.ai.model()
        changed = changed_ranges(base, text) if base is not None else None
        key = cache_key(shown, text, changed, model)
        cost, cached = 0.0, key in self.cache
        if cached:
            findings = self.cache[key]
        else:
            client = await self.ls.chats.client()
            title = f"Claude: reviewing {path.name}"
            async with self.ls.ai.progress(title) as done:
                try:
                    result = await review(client, model, self.ls.ai.costs, shown, text, base=base)
                except TaskError as exc:
                    raise AiFailed(f"Review of {path.name}: {exc}") from exc
                done.append(f"{len(result.findings)} findings · ${result.cost_usd:.4f}")
            findings, cost = result.findings, result.cost_usd
            if len(self.cache) >= MAX_CACHED:
                self.cache.pop(next(iter(self.cache)))
            self.cache[key] = findings
        current = self.ls.documents.get(doc.uri)
        if current is None or current.version != version:
            from agent.review import move_findings

            findings = move_findings(findings, text, current.text) if current else []
            text = current.text if current else text
        self.by_uri[doc.uri] = Reviewed(text, findings)
        self.publish(doc.uri)
        scope = "changes against HEAD" if base is not None else "whole file"
        return {
            "uri": doc.uri,
            "findings": [f.to_json() for f in findings],
            "scope": scope,
            "cached": cached,
            "costUsd": cost,
        }

    def publish(self, uri: str) -> None:
        reviewed = self.by_uri.get(uri)
        doc = self.ls.documents.get(uri)
        if reviewed is None or doc is None:
            return
        settings = self.ls.settings.diagnostics
        if not (settings.enable and settings.review):  # kept, shown again when turned on
            self.ls.diagnostics.set(uri, SOURCE, [], doc.version)
            return
        columns = self.ls.documents.columns(doc)
        lines = split_lines(doc.text)
        diagnostics = []
        for finding in reviewed.findings:
            first = lines[finding.start] if finding.start < len(lines) else ""
            last = lines[finding.end] if finding.end < len(lines) else ""
            span = Range(
                Position(finding.start, len(first) - len(first.lstrip())),
                Position(finding.end, len(last)),
            )
            data = None
            if finding.fix is not None:
                data = {"fix": "\n".join(finding.fix.new_lines)}
            diagnostics.append(
                lsp.Diagnostic(
                    range=columns.range(span),
                    message=finding.message,
                    severity=SEVERITY.get(finding.severity, lsp.DiagnosticSeverity.Warning),
                    source=SOURCE,
                    code="review",
                    data=data,
                )
            )
        self.ls.diagnostics.set(uri, SOURCE, diagnostics, doc.version)

    def changed(self, doc: OpenDocument) -> None:
        from agent.review import move_findings

        reviewed = self.by_uri.get(doc.uri)
        if reviewed is None or reviewed.text == doc.text:
            return
        before = len(reviewed.findings)
        reviewed.findings = move_findings(reviewed.findings, reviewed.text, doc.text)
        reviewed.text = doc.text
        if reviewed.findings or before:
            self.publish(doc.uri)
        if not reviewed.findings:
            del self.by_uri[doc.uri]

    def closed(self, doc: OpenDocument) -> None:
        self.by_uri.pop(doc.uri, None)
        task = self.running.pop(doc.uri, None)
        if task is not None:
            task.cancel()

    def saved(self, doc: OpenDocument) -> None:
        if not self.ls.settings.review.on_save or doc.uri in self.running:
            return
        task = asyncio.ensure_future(self.review(doc))
        self.running[doc.uri] = task

        def done(finished: asyncio.Task[dict[str, Any]]) -> None:
            self.running.pop(doc.uri, None)
            if not finished.cancelled() and (error := finished.exception()) is not None:
                message = getattr(error, "message", None) or str(error)
                log.warning("review on save of %s failed: %s", doc.uri, message)

        task.add_done_callback(done)


def fix_edit(
    ls: ClaudeLanguageServer, doc: OpenDocument, diagnostic: lsp.Diagnostic
) -> lsp.WorkspaceEdit | None:
    """The edit of a review finding's fix, when the finding still stands."""
    reviewed = ls.reviews.by_uri.get(doc.uri)
    if reviewed is None or reviewed.text != doc.text:
        return None
    for finding in reviewed.findings:
        same = finding.message == diagnostic.message
        if finding.fix is not None and same and finding.start == diagnostic.range.start.line:
            new = apply_edits(doc.text, [finding.fix])
            return ls.ai.workspace_edit(Path(doc.path), doc.text, new, doc.version)
    return None


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


async def review_command(ls: Any, *args: Any) -> dict[str, Any]:
    """``claude.review [uri]``: review an open document; its findings are published."""
    uri = args[0] if args else None
    if isinstance(uri, dict):
        uri = uri.get("uri")
    doc = ls.documents.get(uri) if isinstance(uri, str) else None
    if doc is None:
        raise AiFailed("claude.review needs the uri of an open document", "invalidParams")
    result: dict[str, Any] = await ls.reviews.review(doc)
    return result


def did_save(ls: ClaudeLanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is not None and to_fs_path(doc.uri):
        ls.repo_map.files_changed([Path(doc.path)])
        ls.reviews.saved(doc)


def register(server: ClaudeLanguageServer) -> None:
    server.command(COMMAND)(review_command)
    server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)(did_save)
    server.documents.on_change.append(server.reviews.changed)
    # settings changed (every open document is re-evaluated): shown or hidden again
    server.documents.on_open.append(lambda doc: server.reviews.publish(doc.uri))
    server.documents.on_close.append(server.reviews.closed)
