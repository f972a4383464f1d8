"""Engine data (``refactor.text``, ``refactor.syntax``) to lsprotocol types and back.

The engine counts columns in code points; clients count in UTF-16 (default), UTF-8 or
UTF-32 units, negotiated at ``initialize``. ASCII lines (nearly all) convert for free.
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types as lsp

from refactor.python.edits import EditGroup
from refactor.syntax.errors import SyntaxProblem
from refactor.syntax.folding import Fold
from refactor.syntax.symbols import Symbol
from refactor.text import Position, Range

LineGetter = Callable[[int], str]

SYMBOL_KINDS: dict[str, lsp.SymbolKind] = {kind.name.lower(): kind for kind in lsp.SymbolKind}
SYMBOL_KINDS.update(
    {
        "enummember": lsp.SymbolKind.EnumMember,
        "trait": lsp.SymbolKind.Interface,
        "impl": lsp.SymbolKind.Class,
        "key": lsp.SymbolKind.Key,
        "typeparameter": lsp.SymbolKind.TypeParameter,
        "type": lsp.SymbolKind.Class,
    }
)

FOLD_KINDS = {
    "comment": lsp.FoldingRangeKind.Comment,
    "imports": lsp.FoldingRangeKind.Imports,
    "region": lsp.FoldingRangeKind.Region,
}


class Columns:
    """Column conversion for one document in the client's position encoding."""

    def __init__(self, line: LineGetter, encoding: str | None) -> None:
        self._line = line
        self._encoding = (encoding or lsp.PositionEncodingKind.Utf16).lower()

    def to_client(self, position: Position) -> lsp.Position:
        if self._encoding == "utf-32":
            return lsp.Position(position.line, position.character)
        text = self._line(position.line)
        prefix = text[: position.character]
        if prefix.isascii():
            return lsp.Position(position.line, position.character)
        if self._encoding == "utf-8":
            return lsp.Position(position.line, len(prefix.encode("utf-8")))
        astral = sum(1 for ch in prefix if ord(ch) > 0xFFFF)
        return lsp.Position(position.line, position.character + astral)

    def from_client(self, position: lsp.Position) -> Position:
        if self._encoding == "utf-32":
            return Position(position.line, position.character)
        text = self._line(position.line)
        if text.isascii():
            return Position(position.line, min(position.character, len(text)))
        units = 0
        for index, ch in enumerate(text):
            if units >= position.character:
                return Position(position.line, index)
            if self._encoding == "utf-8":
                units += len(ch.encode("utf-8"))
            else:
                units += 2 if ord(ch) > 0xFFFF else 1
        return Position(position.line, len(text))

    def range(self, span: Range) -> lsp.Range:
        return lsp.Range(self.to_client(span.start), self.to_client(span.end))


def diagnostic(problem: SyntaxProblem, columns: Columns) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=columns.range(problem.range),
        message=problem.message,
        severity=lsp.DiagnosticSeverity.Error,
        source="claude-lsp",
        code="syntax-error",
    )


def document_symbol(symbol: Symbol, columns: Columns) -> lsp.DocumentSymbol:
    """Convert a symbol tree without recursion (its depth is bounded by the engine)."""
    out = _one_symbol(symbol, columns)
    stack = [(symbol, out)]
    while stack:
        source, target = stack.pop()
        if source.children:
            target.children = [_one_symbol(child, columns) for child in source.children]
            stack.extend(zip(source.children, target.children, strict=True))
    return out


def _one_symbol(symbol: Symbol, columns: Columns) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=symbol.name,
        kind=SYMBOL_KINDS.get(symbol.kind, lsp.SymbolKind.Variable),
        range=columns.range(symbol.range),
        selection_range=columns.range(symbol.selection_range),
        detail=symbol.detail,
    )


def symbol_information(
    symbols: list[Symbol], uri: str, columns: Columns
) -> list[lsp.SymbolInformation]:
    """The flat form, for clients without hierarchical document symbol support."""
    out: list[lsp.SymbolInformation] = []
    stack: list[tuple[Symbol, str | None]] = [(s, None) for s in reversed(symbols)]
    while stack:
        symbol, container = stack.pop()
        out.append(
            lsp.SymbolInformation(
                name=symbol.name,
                kind=SYMBOL_KINDS.get(symbol.kind, lsp.SymbolKind.Variable),
                location=lsp.Location(uri, columns.range(symbol.range)),
                container_name=container,
            )
        )
        stack.extend((child, symbol.name) for child in reversed(symbol.children))
    return out


def folding_range(fold: Fold, line_folding_only: bool) -> lsp.FoldingRange:
    del line_folding_only  # our folds are whole lines already
    return lsp.FoldingRange(
        start_line=fold.start_line,
        end_line=fold.end_line,
        kind=FOLD_KINDS.get(fold.kind) if fold.kind else None,
    )


def selection_range(chain: list[Range], columns: Columns) -> lsp.SelectionRange:
    """Innermost-first ranges as linked SelectionRanges (built outside-in, no recursion)."""
    current: lsp.SelectionRange | None = None
    for span in reversed(chain):
        current = lsp.SelectionRange(range=columns.range(span), parent=current)
    assert current is not None
    return current


def annotated_edits(
    groups: list[EditGroup], columns_for: Callable[[str], Columns]
) -> tuple[dict[str, list[lsp.AnnotatedTextEdit]], dict[str, lsp.ChangeAnnotation]]:
    """Edit groups as annotated edits per path, and their ``changeAnnotations``: each a
    group the user confirms (``needsConfirmation``) in the editor's refactor preview."""
    edits: dict[str, list[lsp.AnnotatedTextEdit]] = {}
    annotations: dict[str, lsp.ChangeAnnotation] = {}
    for index, group in enumerate(groups):
        key = f"claude-lsp/{index}"
        annotations[key] = lsp.ChangeAnnotation(
            label=f"{group.label} ({group.count()})",
            needs_confirmation=True,
            description=group.description,
        )
        for path, items in group.changes.items():
            columns = columns_for(path)
            edits.setdefault(path, []).extend(
                lsp.AnnotatedTextEdit(
                    range=columns.range(e.range), new_text=e.new_text, annotation_id=key
                )
                for e in items
            )
    return edits, annotations
