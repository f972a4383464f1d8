"""Which refactors apply at a selection: cheap, from ``ast`` alone, no rope.

The listing never computes a refactoring (that happens on resolve or on command); it
only offers what makes sense for the syntax under the selection, and it leaves out
the offers peers get wrong: inlining a variable bound to a mutable literal that is
then mutated (``pieces = []`` → ``[].append(...)``), extracting something that is not
an expression or whole statements, anything in a file that does not parse.
"""

from __future__ import annotations

import ast
import os
import warnings
from itertools import pairwise

from refactor.python.cursor import at_cursor
from refactor.python.edits import normalize_newlines, offset_at
from refactor.python.refactors import EXTRACT, INLINE, MOVE, REWRITE, Refactoring
from refactor.python.site import FUNCS, SCOPES, Site, nodes_of_type, same_shape
from refactor.text import Range

KINDS = (EXTRACT, INLINE, REWRITE, MOVE)


def list_refactors(path: str, text: str, selection: Range) -> list[Refactoring]:
    """The refactors worth offering at ``selection`` in ``path`` (cheap: no rope)."""
    text = normalize_newlines(text)
    tree = _parse(text)
    if tree is None:
        return []
    start, end = offset_at(text, selection.start), offset_at(text, selection.end)
    site = Site(path, text, tree, selection, start, end)
    offers = _extractions(site) if text[start:end].strip() else at_cursor(site)
    offers.extend(_module_offers(site))
    return offers


_TREES: dict[str, ast.Module | None] = {}
_CACHED_CHARS = 200_000  # larger modules are parsed per listing, not kept (an AST is
# about 100 times its source: four 200 KB modules hold some 80 MB)


def _parse(text: str) -> ast.Module | None:
    """The module's tree, kept for the next listings (the last four under 200 KB):
    editors ask on every cursor move, and parsing a 1,500-line module takes about 30 ms.
    Trees are only read."""
    if text in _TREES:
        return _TREES[text]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree: ast.Module | None = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        tree = None
    if len(text) < _CACHED_CHARS:
        if len(_TREES) >= 4:
            del _TREES[next(iter(_TREES))]
        _TREES[text] = tree
    return tree


# -- selections: extract -----------------------------------------------------------------


def _extractions(site: Site) -> list[Refactoring]:
    start, end = site.start, site.end
    while start < end and site.text[start].isspace():
        start += 1
    while end > start and site.text[end - 1].isspace():
        end -= 1
    offers: list[Refactoring] = []
    expression = _expression_at(site, start, end)
    if expression is not None:
        similar = _occurrences(site, expression) > 1
        offers.append(site.offer("extract_variable", "Extract variable", EXTRACT))
        if similar:
            offers.append(
                site.offer(
                    "extract_variable",
                    "Extract variable (all similar occurrences)",
                    EXTRACT,
                    similar=True,
                )
            )
        offers.append(site.offer("extract_method", "Extract method", EXTRACT))
    elif _statements_at(site, start, end):
        offers.append(site.offer("extract_method", "Extract method", EXTRACT))
        offers.append(
            site.offer(
                "extract_method", "Extract method (and similar statements)", EXTRACT, similar=True
            )
        )
    return offers


def _expression_at(site: Site, start: int, end: int) -> ast.expr | None:
    path = site.around(start, end)
    for parent, node in pairwise(path):
        if isinstance(node, ast.expr) and site.span(node) == (start, end):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                return None
            if isinstance(parent, ast.keyword | ast.Starred | ast.arg):
                return None
            return node
    return None


def _occurrences(site: Site, expression: ast.expr) -> int:
    """How many copies of ``expression`` its scope holds (counting stops at two: the
    caller only asks whether there are similar ones)."""
    scope = next(
        (n for n in reversed(site.around(*site.span(expression))) if isinstance(n, SCOPES)),
        site.tree,
    )
    count = 0
    for node in nodes_of_type(scope, type(expression)):
        if same_shape(node, expression):
            count += 1
            if count > 1:
                break
    return count


def _statements_at(site: Site, start: int, end: int) -> bool:
    """Whether [start, end) covers whole consecutive statements of one body."""
    line_start = site.text.rfind("\n", 0, start) + 1
    if site.text[line_start:start].strip():
        return False
    for node in site.around(start, end):
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
                continue
            starts = [site.span(stmt)[0] for stmt in body]
            ends = [site.span(stmt)[1] for stmt in body]
            if start in starts and end in ends and starts.index(start) <= ends.index(end):
                return not isinstance(node, ast.ClassDef | ast.Module) or all(
                    not isinstance(s, (*FUNCS, ast.ClassDef, ast.Import, ast.ImportFrom))
                    for s in body[starts.index(start) : ends.index(end) + 1]
                )
    return False


def _module_offers(site: Site) -> list[Refactoring]:
    if site.range.start.line != 0 or site.start != site.end:
        return []
    if os.path.basename(site.path) == "__init__.py":
        return [site.offer("package_to_module", "Convert package to a module", MOVE)]
    return [site.offer("module_to_package", "Convert module to a package", MOVE)]
