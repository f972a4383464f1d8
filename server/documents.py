"""Open documents: text sync and the incremental syntax tree kept beside each one.

pygls' workspace applies every change to its own copy of the text before our handlers
run; we apply the same changes to the tree-sitter tree (``ParsedDocument.edit``) so the
next parse is incremental, and check that both texts agree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types as lsp
from pygls.uris import to_fs_path

from refactor.syntax.document import ParsedDocument
from refactor.syntax.languages import language_for
from refactor.text import utf8_len
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

    def __iter__(self) -> Iterator[OpenDocument]:
        return iter(list(self._open.values()))

    def text(self, doc: OpenDocument) -> str:
        return self._server.workspace.get_text_document(doc.uri).source

    def columns(self, doc: OpenDocument) -> Columns:
        encoding = self._server.workspace.position_encoding
        if doc.parsed is not None:
            return Columns(doc.parsed.line, encoding)
        lines = self.text(doc).split("\n")
        return Columns(lambda row: lines[row] if row < len(lines) else "", encoding)

    def open(self, item: lsp.TextDocumentItem) -> OpenDocument:
        path = to_fs_path(item.uri) or item.uri
        doc = OpenDocument(
            uri=item.uri,
            path=path,
            language_id=item.language_id,
            version=item.version,
            lang=language_for(path, item.language_id),
        )
        self._open[item.uri] = doc
        self._parse(doc, item.text)
        self._notify(self.on_open, doc)
        return doc

    def change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        doc = self._open.get(params.text_document.uri)
        if doc is None:
            log.warning("didChange for a document that is not open: %s", params.text_document.uri)
            return
        doc.version = params.text_document.version
        current = self.text(doc)
        parsed = doc.parsed
        if parsed is None:
            if doc.lang is not None:
                self._parse(doc, current)  # it may have shrunk under the size limit
        else:
            columns = Columns(parsed.line, self._server.workspace.position_encoding)
            for change in params.content_changes:
                if isinstance(change, lsp.TextDocumentContentChangePartial):
                    start = columns.from_client(change.range.start)
                    end = columns.from_client(change.range.end)
                    parsed.edit(
                        parsed.offset_at(start.line, start.character),
                        parsed.offset_at(end.line, end.character),
                        change.text,
                    )
                else:
                    parsed.replace(change.text)
            if parsed.text != current:
                log.warning("%s: incremental text diverged; reparsing", doc.uri)
                self._parse(doc, current)
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
