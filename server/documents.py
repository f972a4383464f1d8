"""Open documents: text sync and the incremental syntax tree kept beside each one.

The text of an open document is ours: `Documents.change` applies every content change
(and the same edit to the tree-sitter tree, ``ParsedDocument.edit``, so the next parse is
incremental). pygls' own copy is not used for this: it splits lines with
``str.splitlines``, which also breaks at form feeds, NEL and U+2028, so after such a
character its lines are not the client's and its edits land on the wrong line
(``server.app.Protocol`` stops it from applying them). pygls' workspace is handed the
resulting text, so ``workspace.get_text_document`` stays true.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from refactor.syntax.document import ParsedDocument
from refactor.syntax.languages import language_for
from refactor.text import line_at, line_offset, line_starts, utf8_len
from server.convert import Columns

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer

log = logging.getLogger(__name__)


@dataclass
class OpenDocument:
    uri: str
    path: str
    language_id: str
    version: int | None
    lang: str | None  # our grammar key, None for unknown languages
    text: str = ""
    parsed: ParsedDocument | None = None  # None: no syntax features for this document
    skipped: str | None = None  # why there is no tree, logged once


Listener = Callable[[OpenDocument], None]


class Documents:
    """The open documents, and who wants to know when they change or close."""

    def __init__(self, server: ClaudeLanguageServer) -> None:
        self._server = server
        self._open: dict[str, OpenDocument] = {}
        self.on_open: list[Listener] = []  # also after a settings change
        self.on_change: list[Listener] = []
        self.on_close: list[Listener] = []

    def get(self, uri: str) -> OpenDocument | None:
        return self._open.get(uri)

    def find(self, path: Path) -> OpenDocument | None:
        """The open document of the file at ``path`` (an absolute, resolved path)."""
        for doc in self._open.values():
            if doc.path == str(path) or (
                doc.path.startswith("/") and os.path.realpath(doc.path) == str(path)
            ):
                return doc
        return None

    def wait_for_text(self, uri: str, text: str) -> asyncio.Future[bool]:
        """A future that becomes True when ``uri`` next changes to ``text``, False when
        it changes to anything else or closes (cancel it to stop waiting)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def changed(doc: OpenDocument) -> None:
            if doc.uri == uri and not future.done():
                future.set_result(doc.text == text)

        def closed(doc: OpenDocument) -> None:
            if doc.uri == uri and not future.done():
                future.set_result(False)

        self.on_change.append(changed)
        self.on_close.append(closed)

        def forget(_: asyncio.Future[bool]) -> None:
            self.on_change.remove(changed)
            self.on_close.remove(closed)

        future.add_done_callback(forget)
        return future

    def __iter__(self) -> Iterator[OpenDocument]:
        return iter(list(self._open.values()))

    def text(self, doc: OpenDocument) -> str:
        return doc.text

    def columns(self, doc: OpenDocument) -> Columns:
        encoding = self._server.workspace.position_encoding
        if doc.parsed is not None:
            return Columns(doc.parsed.line, encoding)
        text, starts = doc.text, line_starts(doc.text)
        return Columns(lambda row: line_at(text, starts, row), encoding)

    def open(self, item: lsp.TextDocumentItem) -> OpenDocument:
        path = to_fs_path(item.uri) or item.uri
        lang = language_for(path, item.language_id)
        known = language_for("", item.language_id)
        doc = OpenDocument(
            uri=item.uri,
            path=path,
            # the file's own language when the editor's id contradicts its extension
            language_id=lang
            if lang is not None and known not in (None, lang)
            else item.language_id,
            version=item.version,
            lang=lang,
            text=item.text,
        )
        self._open[item.uri] = doc
        self._parse(doc, item.text)
        _log_synced(doc)
        self._notify(self.on_open, doc)
        return doc

    def change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        doc = self._open.get(params.text_document.uri)
        if doc is None:
            log.warning("didChange for a document that is not open: %s", params.text_document.uri)
            return
        doc.version = params.text_document.version
        parsed = doc.parsed
        encoding = self._server.workspace.position_encoding
        for change in params.content_changes:
            if not isinstance(change, lsp.TextDocumentContentChangePartial):
                doc.text = change.text
                if parsed is not None:
                    parsed.replace(change.text)
                continue
            if parsed is not None:
                columns = Columns(parsed.line, encoding)
                first_at, last_at = _ordered(change.range)
                start, end = columns.from_client(first_at), columns.from_client(last_at)
                first = parsed.offset_at(start.line, start.character)
                last = max(first, parsed.offset_at(end.line, end.character))
                parsed.edit(first, last, change.text)
                doc.text = parsed.text
            else:
                doc.text = _apply(doc.text, change, encoding)
        if parsed is None and doc.lang is not None:
            self._parse(doc, doc.text)  # it may have shrunk under the size limit
        self._server.workspace.put_text_document(
            lsp.TextDocumentItem(doc.uri, doc.language_id, doc.version or 0, doc.text)
        )
        _log_synced(doc)
        self._notify(self.on_change, doc)

    def close(self, uri: str) -> None:
        doc = self._open.pop(uri, None)
        if doc is not None:
            self._notify(self.on_close, doc)

    def refresh_all(self) -> None:
        """Settings changed: re-evaluate every open document."""
        for doc in list(self._open.values()):
            self._parse(doc, self.text(doc))
            self._notify(self.on_open, doc)

    def _parse(self, doc: OpenDocument, text: str) -> None:
        settings = self._server.settings.syntax
        doc.parsed = None
        reason = None
        if doc.lang is None or not settings.enable:
            reason = None
        elif len(text) > settings.max_file_size or utf8_len(text) > settings.max_file_size:
            size = utf8_len(text)
            reason = f"{size:,} bytes, over syntax.maxFileSize {settings.max_file_size:,}"
        elif "\x00" in text:
            reason = "binary content (NUL characters)"
        else:
            doc.parsed = ParsedDocument(doc.lang, text)
        if reason and reason != doc.skipped:
            log.warning("no syntax features for %s: %s", doc.uri, reason)
        doc.skipped = reason

    def _notify(self, listeners: list[Listener], doc: OpenDocument) -> None:
        for listener in listeners:
            try:
                listener(doc)
            except Exception:  # one broken feature must not break document sync
                log.exception("listener %s failed for %s", listener, doc.uri)


def _log_synced(doc: OpenDocument) -> None:
    """At DEBUG, a digest of each version's text: tests and benches compare it with the
    client's copy (``logging.getLogger("server.documents").setLevel(logging.DEBUG)``)."""
    if log.isEnabledFor(logging.DEBUG):
        data = doc.text.encode("utf-8", errors="surrogatepass")
        digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]
        log.debug(
            "synced %s version %s: %d characters, sha1 %s",
            doc.uri,
            doc.version,
            len(doc.text),
            digest,
        )


def _ordered(span: lsp.Range) -> tuple[lsp.Position, lsp.Position]:
    """A change's range with its ends in order: clients' document models
    (vscode-languageserver-textdocument) swap a range whose end comes before its start."""
    start, end = span.start, span.end
    if (end.line, end.character) < (start.line, start.character):
        return end, start
    return start, end


def _apply(text: str, change: lsp.TextDocumentContentChangePartial, encoding: str | None) -> str:
    """``text`` with one ranged change applied (documents without a syntax tree)."""
    starts = line_starts(text)
    columns = Columns(lambda row: line_at(text, starts, row), encoding)
    first_at, last_at = _ordered(change.range)
    start, end = columns.from_client(first_at), columns.from_client(last_at)
    first = line_offset(text, starts, start.line, start.character)
    last = max(first, line_offset(text, starts, end.line, end.character))
    return text[:first] + change.text + text[last:]


def did_open(ls: ClaudeLanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.documents.open(params.text_document)


def did_change(ls: ClaudeLanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.documents.change(params)


def did_close(ls: ClaudeLanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.documents.close(params.text_document.uri)


def register(server: ClaudeLanguageServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(did_close)
