"""Extracting from inside a comprehension, generator expression or lambda.

rope puts an extracted variable before the enclosing statement and an extracted
method's parameters miss the comprehension's variables, so
``[x * 2 + k for x in xs]`` became ``extracted = x * 2`` (a NameError). The extraction
must live in the innermost scope that binds every name it uses:

- no comprehension or lambda around the selection binds one of its names: rope's
  extraction is right, unless the selection has effects or an identity (a call, a new
  list: it would run once instead of per element or call), or a generator expression
  or lambda runs it later and a name it reads is bound more than once (the value
  could differ by then);
- a comprehension binds one (and the selection is in what it produces, not in a
  condition, on every path): extract variable adds ``for name in [expression]`` as the
  comprehension's last clause, so it is computed once per element, where it was;
- a lambda binds one, or extract method is asked: refused, with the reason.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from itertools import pairwise

from refactor.python.edits import RefactorError
from refactor.python.scopes import COMPREHENSIONS, EFFECTS, IDENTITY, bound_names, parents_of
from refactor.python.substitute import compile_problem, node_span, parse
from refactor.text import line_starts

INNER = (ast.Lambda, *COMPREHENSIONS)
DEFERRED = (ast.Lambda, ast.GeneratorExp)


@dataclass
class _Selection:
    text: str
    starts: list[int]
    node: ast.expr
    path: list[ast.AST]  # from the enclosing statement down to the node
    parents: dict[ast.AST, ast.AST]
    expression: str  # its source
    used: set[str]  # names it reads from around it


def extract_in_scope(
    text: str, start: int, end: int, *, name: str, method: bool, similar: bool
) -> str | None:
    """The extracted text when the extraction must go into a comprehension; None when
    rope's extraction is right; `RefactorError` when neither is possible."""
    tree = parse(text)
    if tree is None:
        return None
    starts = line_starts(text)
    node = next(
        (
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.expr) and node_span(text, starts, n) == (start, end)
        ),
        None,
    )
    if node is None:
        return None
    parents = parents_of(tree)
    path: list[ast.AST] = [node]
    while not isinstance(path[-1], ast.stmt):
        path.append(parents[path[-1]])
    path.reverse()  # statement ... node
    scopes: list[ast.AST] = [
        n for n in path[1:-1] if isinstance(n, INNER) and _runs_inside(n, path)
    ]
    if not scopes:
        return None
    expression = ast.get_source_segment(text, node) or text[start:end]
    sel = _Selection(text, starts, node, path, parents, expression, _free_names(node))
    binder = next((s for s in reversed(scopes) if _binds(s) & sel.used), None)
    if binder is None:
        _check_hoist(sel, scopes)
        return None
    names = ", ".join(f"`{n}`" for n in sorted(_binds(binder) & sel.used))
    if method:
        raise RefactorError(
            f"the selection uses {names}, bound by the {_kind(binder)} around it: extract "
            "a variable there, or turn it into a loop first"
        )
    if isinstance(binder, ast.Lambda):
        raise RefactorError(
            f"the selection uses {names}, a parameter of the lambda around it, and a lambda "
            "holds no statements: turn it into a function first"
        )
    if similar:
        raise RefactorError("inside a comprehension, extract one occurrence at a time")
    _check_hoist(sel, scopes[scopes.index(binder) + 1 :])
    return _into_comprehension(sel, binder, name)


def _runs_inside(scope: ast.AST, path: list[ast.AST]) -> bool:
    """Whether the selection runs in ``scope`` (a comprehension's first iterable and a
    lambda's defaults run in the scope around it)."""
    child = path[path.index(scope) + 1]
    if isinstance(scope, ast.Lambda):
        return child is scope.body
    first: ast.comprehension = getattr(scope, "generators", [])[0]
    after = path[path.index(scope) + 2] if path.index(scope) + 2 < len(path) else None
    return not (child is first and after is first.iter)


def _binds(scope: ast.AST) -> set[str]:
    if isinstance(scope, ast.Lambda):
        return {a.arg for a in ast.walk(scope.args) if isinstance(a, ast.arg)}
    return {
        n.id
        for generator in scope.generators  # type: ignore[attr-defined]
        for n in ast.walk(generator.target)
        if isinstance(n, ast.Name)
    }


def _free_names(node: ast.AST) -> set[str]:
    """Names the selection reads from around it (not those its own comprehensions or
    lambdas bind)."""
    own = set().union(*(_binds(n) for n in ast.walk(node) if isinstance(n, INNER)))
    loads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return loads - own


def _kind(scope: ast.AST) -> str:
    return "lambda" if isinstance(scope, ast.Lambda) else "comprehension"


def _check_hoist(sel: _Selection, scopes: list[ast.AST]) -> None:
    """Refuse moving the selection out of ``scopes`` when that changes how often or
    when it runs."""
    node, used, expression, parents = sel.node, sel.used, sel.expression, sel.parents
    statement = sel.path[0]
    if not scopes:
        return
    what = _kind(scopes[-1])
    if any(isinstance(n, (*EFFECTS, *IDENTITY)) for n in ast.walk(node)):
        raise RefactorError(
            f"`{expression}` runs for each {'call' if what == 'lambda' else 'element'} of "
            f"the {what} around it (a call or a new object): extracting it out of the "
            f"{what} would run it once"
        )
    if any(isinstance(s, DEFERRED) for s in scopes):
        scope = statement
        while scope in parents and not isinstance(
            scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module
        ):
            scope = parents[scope]
        counts: dict[str, int] = {}
        for n in ast.walk(scope):
            names = {n.arg} if isinstance(n, ast.arg) else bound_names(n)
            for bound in names & used:
                counts[bound] = counts.get(bound, 0) + 1
        rebound = sorted(n for n, count in counts.items() if count > 1)
        if rebound:
            raise RefactorError(
                f"the {what} around `{expression}` runs later, and `{rebound[0]}` is bound "
                "more than once: extracting it would read an earlier value"
            )


def _into_comprehension(sel: _Selection, comprehension: ast.AST, name: str) -> str:
    """Add ``for name in [expression]`` as the comprehension's last clause."""
    text, starts, node, path = sel.text, sel.starts, sel.node, sel.path
    expression = sel.expression
    child = path[path.index(comprehension) + 1]
    produced = [getattr(comprehension, f, None) for f in ("elt", "key", "value")]
    if child not in produced:
        raise RefactorError(
            "the selection is in a comprehension's clause: extract from what it produces"
        )
    for parent, below in pairwise(path[path.index(comprehension) + 1 :]):
        if (isinstance(parent, ast.IfExp) and below is not parent.test) or (
            isinstance(parent, ast.BoolOp) and below is not parent.values[0]
        ):
            raise RefactorError(
                f"`{expression}` runs only on some paths in the comprehension: extracting "
                "it would run it every time"
            )
    if any(isinstance(n, ast.NamedExpr) for n in ast.walk(node)):
        raise RefactorError(
            f"`{expression}` assigns with `:=`, which a comprehension's clause cannot hold"
        )
    if any(isinstance(n, EFFECTS) for n in ast.walk(node)) and any(
        isinstance(n, EFFECTS) and not _within(n, node) for p in produced if p for n in ast.walk(p)
    ):
        raise RefactorError(
            f"`{expression}` has effects and the comprehension calls other code first: "
            "extracting it would change their order"
        )
    scope_names = {n.id for n in ast.walk(path[0]) if isinstance(n, ast.Name)}
    if name in scope_names:
        raise RefactorError(f"`{name}` is already used there; pick another name")
    last: ast.comprehension = getattr(comprehension, "generators", [])[-1]
    anchor = last.ifs[-1] if last.ifs else last.iter
    insert_at = node_span(text, starts, anchor)[1]
    start, end = node_span(text, starts, node)
    clause = f" for {name} in [{expression}]"
    new = text[:start] + name + text[end:insert_at] + clause + text[insert_at:]
    problem = "refused: the result would not parse" if parse(new) is None else None
    problem = problem or compile_problem(new, text)
    if problem:
        raise RefactorError(problem)
    return new


def _within(inner: ast.AST, outer: ast.AST) -> bool:
    return any(n is inner for n in ast.walk(outer))
