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
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, pairwise

from refactor.python.edits import normalize_newlines, offset_at, position_at
from refactor.python.refactors import EXTRACT, INLINE, MOVE, REWRITE, Refactoring
from refactor.text import Range

KINDS = (EXTRACT, INLINE, REWRITE, MOVE)

_MUTABLE = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.Call)


@dataclass
class _Site:
    path: str
    text: str
    tree: ast.Module
    range: Range
    start: int
    end: int

    def offer(
        self, refactor: str, title: str, kind: str, where: Range | None = None, **args: object
    ) -> Refactoring:
        return Refactoring(refactor, title, kind, self.path, where or self.range, dict(args))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """A node's [start, end) code point offsets (O(1): listing must stay cheap on
        5,000-line modules, where ``span`` runs for every statement)."""
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None) or 0
        return self.offset(line - 1, col), self.offset(end_line - 1, end_col)

    def offset(self, line: int, utf8_col: int) -> int:
        """Code point offset of an ``ast`` position (0-based line, UTF-8 byte column)."""
        lines, starts = self._lines
        if line >= len(lines):
            return len(self.text)
        text = lines[line]
        col = utf8_col if text.isascii() else len(_utf8_prefix(text, utf8_col))
        return starts[line] + min(col, len(text))

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        """The parent of every node on the way to the selection (and of their children):
        all that offers ask about, without walking the whole module."""
        return self._holding[1]

    @cached_property
    def holding(self) -> list[ast.AST]:
        """Every node whose span holds the selection, outermost first."""
        return self._holding[0]

    @cached_property
    def _holding(self) -> tuple[list[ast.AST], dict[ast.AST, ast.AST]]:
        nodes: list[ast.AST] = [self.tree]
        parents: dict[ast.AST, ast.AST] = {}
        index = 0
        while index < len(nodes):
            node = nodes[index]
            index += 1
            for child in ast.iter_child_nodes(node):
                parents[child] = node
                if not hasattr(child, "lineno") or _holds(self.span(child), self.start, self.end):
                    nodes.append(child)
        return nodes, parents

    def around(self, start: int, end: int) -> list[ast.AST]:
        """The nodes whose span holds [start, end), outermost first: a walk down one
        path of the tree instead of over all of it."""
        path: list[ast.AST] = [self.tree]
        while True:
            inner = next(
                (
                    child
                    for child in ast.iter_child_nodes(path[-1])
                    if hasattr(child, "lineno") and _holds(self.span(child), start, end)
                ),
                None,
            )
            if inner is None:
                return path
            path.append(inner)

    @cached_property
    def _lines(self) -> tuple[list[str], list[int]]:
        lines = self.text.split("\n")
        starts = [0, *accumulate(len(line) + 1 for line in lines[:-1])]
        return lines, starts

    def scope_of(self, node: ast.AST) -> ast.AST:
        parent = self.parents.get(node)
        while parent is not None and not isinstance(parent, _SCOPES):
            parent = self.parents.get(parent)
        return parent if parent is not None else self.tree


def _holds(span: tuple[int, int], start: int, end: int) -> bool:
    return span[0] <= start and end <= span[1]


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.Module)
_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _utf8_prefix(line: str, utf8_col: int) -> str:
    """ast columns are UTF-8 byte offsets: the code points before one."""
    return line.encode("utf-8")[:utf8_col].decode("utf-8", errors="ignore")


def list_refactors(path: str, text: str, selection: Range) -> list[Refactoring]:
    """The refactors worth offering at ``selection`` in ``path`` (cheap: no rope)."""
    text = normalize_newlines(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    start, end = offset_at(text, selection.start), offset_at(text, selection.end)
    site = _Site(path, text, tree, selection, start, end)
    offers = _extractions(site) if text[start:end].strip() else _at_cursor(site)
    offers.extend(_module_offers(site))
    return offers


# -- selections: extract -----------------------------------------------------------------


def _extractions(site: _Site) -> list[Refactoring]:
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


def _expression_at(site: _Site, start: int, end: int) -> ast.expr | None:
    path = site.around(start, end)
    for parent, node in pairwise(path):
        if isinstance(node, ast.expr) and site.span(node) == (start, end):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                return None
            if isinstance(parent, ast.keyword | ast.Starred | ast.arg):
                return None
            return node
    return None


def _occurrences(site: _Site, expression: ast.expr) -> int:
    """How many copies of ``expression`` its scope holds (counting stops at two: the
    caller only asks whether there are similar ones)."""
    dump = ast.dump(expression)
    kind = type(expression)
    scope = next(
        (n for n in reversed(site.around(*site.span(expression))) if isinstance(n, _SCOPES)),
        site.tree,
    )
    count = 0
    for node in ast.walk(scope):
        if type(node) is kind and ast.dump(node) == dump:
            count += 1
            if count > 1:
                break
    return count


def _statements_at(site: _Site, start: int, end: int) -> bool:
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
                    not isinstance(s, (*_FUNCS, ast.ClassDef, ast.Import, ast.ImportFrom))
                    for s in body[starts.index(start) : ends.index(end) + 1]
                )
    return False


# -- a cursor: inline, move, rewrite -----------------------------------------------------


def _at_cursor(site: _Site) -> list[Refactoring]:
    node = _name_at(site)
    if node is None:
        return []
    offers: list[Refactoring] = []
    parent = site.parents.get(node)
    if isinstance(node, _FUNCS):
        offers.extend(_function_offers(site, node, parent))
    elif isinstance(node, ast.ClassDef):
        name = node.name
        offers.append(
            site.offer(
                "introduce_factory",
                f"Introduce factory for `{name}`",
                REWRITE,
                name=f"create_{_snake(name)}",
            )
        )
        if isinstance(parent, ast.Module):
            offers.append(_move_offer(site, name))
    elif isinstance(node, ast.arg):
        offers.extend(_parameter_offers(site, node))
    elif isinstance(node, ast.Name):
        offers.extend(_name_offers(site, node))
    elif (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ):
        offers.append(site.offer("encapsulate_field", f"Encapsulate field `{node.attr}`", REWRITE))
    return offers


def _name_at(site: _Site) -> ast.AST | None:
    """The innermost name-bearing node whose *name* touches the cursor."""
    cursor = site.start
    best: ast.AST | None = None
    for node in site.holding:
        span = _name_span(site, node)
        if span is not None and span[0] <= cursor <= span[1]:
            best = node
    return best


def _name_span(site: _Site, node: ast.AST) -> tuple[int, int] | None:
    if isinstance(node, ast.Name | ast.arg):
        start, _ = site.span(node)
        name = node.id if isinstance(node, ast.Name) else node.arg
        return start, start + len(name)
    if isinstance(node, ast.Attribute):
        _, end = site.span(node)
        return end - len(node.attr), end
    if isinstance(node, (*_FUNCS, ast.ClassDef)):
        line_start, _ = site.span(node)
        if node.decorator_list:
            line_start = site.offset(node.lineno - 1, 0)
        match = re.compile(rf"\b{re.escape(node.name)}\b").search(site.text, line_start)
        if match is None:
            return None
        return match.start(), match.end()
    return None


def _function_offers(
    site: _Site, node: ast.FunctionDef | ast.AsyncFunctionDef, parent: ast.AST | None
) -> list[Refactoring]:
    name = node.name
    offers = [
        site.offer("inline", f"Inline function `{name}`", INLINE),
        site.offer(
            "change_signature",
            f"Add parameter to `{name}`",
            REWRITE,
            operation="add",
            name="new_parameter",
            default="None",
        ),
        site.offer(
            "method_object",
            f"Convert `{name}` to a method object",
            REWRITE,
            name=_camel(name) or "MethodObject",
        ),
    ]
    if isinstance(parent, ast.Module):
        if _body_repeats(site, node):
            offers.append(
                site.offer("use_function", f"Use function `{name}` where its body repeats", REWRITE)
            )
        offers.append(_move_offer(site, name))
    return offers


def _body_repeats(site: _Site, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function's last statement appears elsewhere in the file (any names)."""
    body = function.body
    last = body[-1]
    target = last.value if isinstance(last, ast.Return) and last.value else last
    pattern, kind = _shape(target), type(target)
    return any(
        _shape(node) == pattern
        for node in ast.walk(site.tree)
        if type(node) is kind  # cheap filter before the dump
        and not (function.lineno <= getattr(node, "lineno", 0) <= (function.end_lineno or 0))
    )


def _shape(node: ast.AST) -> str:
    """``ast.dump`` with every name made the same: a pattern rope's use function matches."""
    return re.sub(r"(id|arg)='[^']*'", "name", ast.dump(node))


def _parameter_offers(site: _Site, node: ast.arg) -> list[Refactoring]:
    function = site.parents.get(site.parents.get(node, node))
    if not isinstance(function, _FUNCS):
        return []
    arguments = function.args
    params = [a.arg for a in arguments.posonlyargs + arguments.args]
    name = node.arg
    if name not in params or arguments.posonlyargs:
        return []
    index = params.index(name)
    name_span = _name_span(site, function)
    where = site.range
    if name_span is not None:  # rope changes a signature from the function's name
        where = Range(position_at(site.text, name_span[0]), position_at(site.text, name_span[0]))
    is_method = isinstance(site.parents.get(function), ast.ClassDef)
    if is_method and index == 0:
        return []
    offers = [
        site.offer(
            "change_signature",
            f"Remove parameter `{name}`",
            REWRITE,
            where,
            operation="remove",
            param=name,
        )
    ]
    first = 1 if is_method else 0
    if index > first:
        offers.append(
            site.offer(
                "change_signature",
                f"Move parameter `{name}` left",
                REWRITE,
                where,
                operation="reorder",
                param=name,
                delta=-1,
            )
        )
    if index < len(params) - 1:
        offers.append(
            site.offer(
                "change_signature",
                f"Move parameter `{name}` right",
                REWRITE,
                where,
                operation="reorder",
                param=name,
                delta=1,
            )
        )
    defaults = len(arguments.defaults)
    if index >= len(params) - defaults:
        offers.append(site.offer("inline", f"Inline parameter `{name}`", INLINE))
    return offers


def _name_offers(site: _Site, node: ast.Name) -> list[Refactoring]:
    scope = site.scope_of(node)
    name = node.id
    stores = _stores(scope, name)
    offers: list[Refactoring] = []
    if len(stores) == 1 and _inlinable(scope, name, stores[0]):
        offers.append(site.offer("inline", f"Inline variable `{name}`", INLINE))
    if isinstance(scope, ast.Module) and stores and isinstance(stores[0], ast.Assign):
        offers.append(_move_offer(site, name))
    if isinstance(scope, _FUNCS):
        params = {a.arg for a in ast.walk(scope.args) if isinstance(a, ast.arg)}
        is_method = isinstance(site.parents.get(scope), ast.ClassDef)
        if stores and is_method and scope.args.args and name not in params:
            offers.append(
                site.offer("local_to_field", f"Convert local `{name}` to a field", REWRITE)
            )
        if not stores and name not in params and isinstance(node.ctx, ast.Load):
            offers.append(
                site.offer(
                    "introduce_parameter",
                    f"Introduce parameter for `{name}`",
                    REWRITE,
                    name=f"{name}_" if name in params else name,
                )
            )
    return offers


def _stores(scope: ast.AST, name: str) -> list[ast.stmt]:
    """Statements of ``scope`` (not nested scopes) that bind ``name``."""
    found: list[ast.stmt] = []
    for stmt in _walk_scope(scope):
        if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.With):
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if not isinstance(stmt, ast.With)
                else [i.optional_vars for i in stmt.items if i.optional_vars is not None]
            )
            for target in targets:
                if any(
                    isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
                    for n in ast.walk(target)
                ):
                    found.append(stmt)
    return found


def _walk_scope(scope: ast.AST) -> list[ast.AST]:
    nodes: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        nodes.append(node)
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return nodes


def _inlinable(scope: ast.AST, name: str, store: ast.stmt) -> bool:
    """One plain assignment whose inlining keeps the meaning (no ``[].append``)."""
    if not isinstance(store, ast.Assign) or len(store.targets) != 1:
        return False
    if not isinstance(store.targets[0], ast.Name):
        return False
    uses = [
        n
        for n in _walk_scope(scope)
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
    ]
    if not uses:
        return False
    if any(isinstance(n, ast.Name) and n.id == name for n in _nested_loads(scope)):
        return False
    mutable = isinstance(store.value, _MUTABLE)
    return not mutable or len(uses) == 1


def _nested_loads(scope: ast.AST) -> list[ast.AST]:
    """Names used inside nested scopes (closures): inlining there changes timing."""
    return [
        n
        for inner in _walk_scope(scope)
        if isinstance(inner, _SCOPES)
        for n in ast.walk(inner)
        if isinstance(n, ast.Name)
    ]


def _move_offer(site: _Site, name: str) -> Refactoring:
    base = os.path.dirname(site.path)
    module = _snake(name)
    if os.path.exists(os.path.join(base, f"{module}.py")) or module == _module_name(site.path):
        module = f"{module}_module"
    destination = os.path.join(base, f"{module}.py")
    return site.offer(
        "move", f"Move `{name}` to new module `{module}.py`", MOVE, destination=destination
    )


def _module_offers(site: _Site) -> list[Refactoring]:
    if site.range.start.line != 0 or site.start != site.end:
        return []
    if os.path.basename(site.path) == "__init__.py":
        return [site.offer("package_to_module", "Convert package to a module", MOVE)]
    return [site.offer("module_to_package", "Convert module to a package", MOVE)]


def _module_name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
