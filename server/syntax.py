"""Tree-sitter features: syntax-error diagnostics, document symbols, folding, selection."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from refactor.syntax.errors import syntax_errors
from refactor.syntax.folding import folding_ranges
from refactor.syntax.selection import selection_chain
from refactor.syntax.symbols import document_symbols
from server import convert

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer
    from server.documents import OpenDocument

log = logging.getLogger(__name__)

SOURCE = "claude-lsp"


def _parsed(ls: ClaudeLanguageServer, uri: str) -> OpenDocument | None:
    doc = ls.documents.get(uri)
    if doc is None:
        log.info("request for a document that is not open: %s", uri)
        return None
    return doc if doc.parsed is not None else None


def publish_syntax_errors(ls: ClaudeLanguageServer, doc: OpenDocument, first: bool) -> None:
    uri = doc.uri

    def compute() -> list[lsp.Diagnostic] | None:
        current = ls.documents.get(uri)
        if current is None:
            return None
        settings = ls.settings.diagnostics
        if current.parsed is None or not (settings.enable and settings.syntax_errors):
            return []
        columns = ls.documents.columns(current)
        limit = ls.settings.diagnostics.max_per_file
        return [convert.diagnostic(p, columns) for p in syntax_errors(current.parsed, limit)]

    ls.diagnostics.schedule(uri, SOURCE, compute, doc.version, immediate=first)


def document_symbol(
    ls: ClaudeLanguageServer, params: lsp.DocumentSymbolParams
) -> list[lsp.DocumentSymbol] | list[lsp.SymbolInformation] | None:
    doc = _parsed(ls, params.text_document.uri)
    if doc is None or doc.parsed is None:
        return None
    symbols = document_symbols(doc.parsed)
    columns = ls.documents.columns(doc)
    if not ls.client_features.hierarchical_symbols:
        return convert.symbol_information(symbols, doc.uri, columns)
    return [convert.document_symbol(s, columns) for s in symbols]


def folding_range(
    ls: ClaudeLanguageServer, params: lsp.FoldingRangeParams
) -> list[lsp.FoldingRange] | None:
    doc = _parsed(ls, params.text_document.uri)
    if doc is None or doc.parsed is None:
        return None
    line_only = ls.client_features.line_folding_only
    return [convert.folding_range(fold, line_only) for fold in folding_ranges(doc.parsed)]


def selection_range(
    ls: ClaudeLanguageServer, params: lsp.SelectionRangeParams
) -> list[lsp.SelectionRange] | None:
    doc = _parsed(ls, params.text_document.uri)
    if doc is None or doc.parsed is None:
        return None
    columns = ls.documents.columns(doc)
    return [
        convert.selection_range(selection_chain(doc.parsed, columns.from_client(p)), columns)
        for p in params.positions
    ]


def register(server: ClaudeLanguageServer) -> None:
    server.documents.on_open.append(lambda doc: publish_syntax_errors(server, doc, first=True))
    server.documents.on_change.append(lambda doc: publish_syntax_errors(server, doc, first=False))
    server.documents.on_close.append(lambda doc: server.diagnostics.clear(doc.uri))
    server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbol)
    server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)(folding_range)
    server.feature(lsp.TEXT_DOCUMENT_SELECTION_RANGE)(selection_range)
