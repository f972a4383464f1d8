"""Inline a variable, or refuse with the reason: the safety rules decide before editing.

Inlining moves ``x = value`` to each place that reads ``x``: right only when the value
computed there is the same, with the same effects. So this refuses when:

- the name is bound more than once, deleted, declared ``global``/``nonlocal``, read in
  a nested function, lambda or class (it would be computed later), read before its
  assignment or outside the block that assigns it, or bound by a comprehension;
- a name the value reads is rebound, or an attribute or item under it is assigned,
  between the assignment and a use (``old = sys.stdout; sys.stdout = buf; ...``);
- the value reads state (attributes, items, calls) and a call runs in between;
- the value has effects or an identity of its own (a call, a list, a comprehension):
  used more than once or inside a loop (``it = iter(x)`` used in a loop would make a
  new iterator every time), used only on some paths, or moved after other effects;
- a class attribute, or a module variable other modules may import or ``__all__`` lists.
Otherwise each use gets the value's text, parenthesised by precedence.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from refactor.python.edits import RefactorError
from refactor.python.scopes import (
    COMPREHENSIONS,
    EFFECTS,
    IDENTITY,
    LOOPS,
    SCOPES,
    STATE,
    bound_names,
    parents_of,
    statement_of,
)
from refactor.python.substitute import compile_problem, node_span, substitute
from refactor.text import line_starts


@dataclass
class Plan:
    """What inlining one variable changes: the uses, the value, the lines to drop."""

    name: str
    scope: ast.AST
    value: str
    uses: list[ast.Name]
    assignment: ast.stmt


def inline_variable(text: str, offset: int) -> tuple[str, str, bool]:
    """``text`` with the variable at ``offset`` inlined, its name, and whether it was a
    module's variable (others may import it: the caller checks). Raises `RefactorError`."""
    tree = ast.parse(text)
    starts = line_starts(text)
    plan = plan_inline(text, tree, starts, offset)
    spans = [node_span(text, starts, use) for use in plan.uses]
    first, last = _lines_of(text, starts, plan.assignment)
    new = substitute(text, spans, plan.value)
    removed_from = starts[first]
    removed_to = starts[last + 1] if last + 1 < len(starts) else len(text)
    # The assignment comes before every use, so its offsets did not move.
    new = new[:removed_from] + new[removed_to:]
    problem = compile_problem(new, text)
    if problem:
        raise RefactorError(problem)
    return new, plan.name, isinstance(plan.scope, ast.Module)


def plan_inline(text: str, tree: ast.Module, starts: list[int], offset: int) -> Plan:
    parents = parents_of(tree)
    target = _name_at(text, tree, starts, offset)
    name = target.id
    scope = _scope_of(target, parents, tree)
    bindings, uses = _occurrences(scope, name, parents)
    if len(bindings) != 1:
        raise RefactorError(f"`{name}` is bound {len(bindings)} times; inline needs exactly one")
    assignment = bindings[0]
    if not (
        isinstance(assignment, ast.Assign | ast.AnnAssign)
        and assignment.value is not None
        and _targets(assignment) == [name]
    ):
        raise RefactorError(f"`{name}` is not bound by a plain `{name} = value` assignment")
    if not uses:
        raise RefactorError(f"`{name}` is never read")
    value = assignment.value
    source = ast.get_source_segment(text, value) or ""
    plan = Plan(name, scope, source, uses, assignment)
    _check_uses(plan, parents)
    _check_between(plan, value, parents)
    if isinstance(scope, ast.Module) and _in_dunder_all(tree, name):
        raise RefactorError(f"`{name}` is exported in `__all__`; other modules may use it")
    return plan


def _name_at(text: str, tree: ast.Module, starts: list[int], offset: int) -> ast.Name:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            start, end = node_span(text, starts, node)
            if start <= offset <= end:
                return node
    raise RefactorError("put the cursor on a variable to inline it")


def _scope_of(node: ast.AST, parents: dict[ast.AST, ast.AST], tree: ast.Module) -> ast.AST:
    parent = parents.get(node)
    while parent is not None and not isinstance(parent, SCOPES):
        parent = parents.get(parent)
    if isinstance(parent, ast.Lambda):
        raise RefactorError("cannot inline a name inside a lambda")
    if isinstance(parent, ast.ClassDef):
        raise RefactorError(
            f"`{getattr(node, 'id', '')}` is an attribute of class `{parent.name}`: other code "
            "may read it through the class or its instances"
        )
    return parent if parent is not None else tree


def _occurrences(
    scope: ast.AST, name: str, parents: dict[ast.AST, ast.AST]
) -> tuple[list[ast.stmt], list[ast.Name]]:
    """The statements binding ``name`` in ``scope`` and its reads there (refusing
    reads from nested scopes and bindings of other kinds)."""
    bindings: list[ast.stmt] = []
    uses: list[ast.Name] = []
    for node in _scope_walk(scope):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Global | ast.Nonlocal) and name in node.names:
            raise RefactorError(f"`{name}` is declared {type(node).__name__.lower()} ({where})")
        if isinstance(node, SCOPES) and node is not scope:
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node)):
                kind = "lambda" if isinstance(node, ast.Lambda) else "nested function or class"
                raise RefactorError(
                    f"`{name}` is used in a {kind} ({where}): inlining would change when "
                    "its value is computed"
                )
            if getattr(node, "name", None) == name:
                bindings.append(node)  # type: ignore[arg-type]
            continue
        if isinstance(node, COMPREHENSIONS) and name in _comprehension_names(node):
            raise RefactorError(f"a comprehension also binds `{name}` ({where})")
        if isinstance(node, ast.Name) and node.id == name:
            if isinstance(node.ctx, ast.Load):
                uses.append(node)
            else:
                bindings.append(statement_of(node, parents))
        elif name in bound_names(node):  # import, except ... as, match capture
            bindings.append(statement_of(node, parents))
        elif isinstance(node, ast.arg) and node.arg == name:
            raise RefactorError(f"`{name}` is a parameter; use Inline parameter")
    return list(dict.fromkeys(bindings)), uses


def _scope_walk(scope: ast.AST) -> list[ast.AST]:
    """Nodes evaluated in ``scope``: nested functions and classes are listed but not
    entered (`_occurrences` looks into them itself); comprehensions are entered."""
    found: list[ast.AST] = []
    roots = scope.body if isinstance(scope, ast.Module | ast.ClassDef) else [scope]
    stack: list[ast.AST] = list(reversed(roots))
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        stack = list(reversed(scope.body))
        found.extend(a for a in ast.walk(scope.args) if isinstance(a, ast.arg))
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def _comprehension_names(node: ast.AST) -> set[str]:
    return {
        n.id
        for generator in getattr(node, "generators", [])
        for n in ast.walk(generator.target)
        if isinstance(n, ast.Name)
    }


def _targets(statement: ast.Assign | ast.AnnAssign) -> list[str]:
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    return [t.id if isinstance(t, ast.Name) else "" for t in targets]


def _block_of(statement: ast.stmt, parents: dict[ast.AST, ast.AST]) -> list[ast.stmt]:
    parent = parents[statement]
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and statement in block:
            return block
    raise RefactorError("cannot find the block that holds the assignment")


def _check_uses(plan: Plan, parents: dict[ast.AST, ast.AST]) -> None:
    """Every use must come later in the assignment's own block (so the assignment ran
    exactly once before it), and an effect or identity may not be repeated or skipped."""
    block = _block_of(plan.assignment, parents)
    later = block[block.index(plan.assignment) + 1 :]
    value = plan.assignment.value  # type: ignore[attr-defined]
    effects = any(isinstance(n, EFFECTS) for n in ast.walk(value))
    identity = effects or any(isinstance(n, IDENTITY) for n in ast.walk(value))
    what = f"`{plan.name} = {_short(plan.value)}`"
    for use in plan.uses:
        holder = _holder(use, later, parents)
        if holder is None:
            raise RefactorError(
                f"`{plan.name}` is read at line {use.lineno}, outside the block after its "
                "assignment: inlining would change what that line sees"
            )
        path = _path(use, holder, parents)
        loop = next((n for n in path if _repeats(n, path)), None)
        if identity and loop is not None:
            raise RefactorError(
                f"{what} is read inside a loop (line {use.lineno}): inlining would compute "
                f"`{_short(plan.value)}` again on every pass, a new object each time"
            )
        if effects and _conditional(path):
            raise RefactorError(
                f"{what} is read only on some paths (line {use.lineno}): inlining would "
                "skip its effects on the others"
            )
    if identity and len(plan.uses) > 1:
        raise RefactorError(
            f"{what} is read {len(plan.uses)} times: inlining would compute "
            f"`{_short(plan.value)}` {len(plan.uses)} times, a new object each time"
        )


def _holder(use: ast.AST, later: list[ast.stmt], parents: dict[ast.AST, ast.AST]) -> Any:
    node: ast.AST | None = use
    while node is not None:
        if isinstance(node, ast.stmt) and node in later:
            return node
        node = parents.get(node)
    return None


def _path(use: ast.AST, holder: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[ast.AST]:
    """The nodes from ``holder`` down to ``use``."""
    path = [use]
    while path[-1] is not holder:
        path.append(parents[path[-1]])
    return list(reversed(path))


def _repeats(node: ast.AST, path: list[ast.AST]) -> bool:
    """Whether the child of ``node`` on ``path`` may run more than once."""
    if not isinstance(node, LOOPS):
        return False
    child = path[path.index(node) + 1] if path.index(node) + 1 < len(path) else None
    if isinstance(node, ast.For | ast.AsyncFor):
        return child is not node.iter
    if isinstance(node, COMPREHENSIONS):
        return child is not node.generators[0]  # its first iterable runs once
    return True


def _conditional(path: list[ast.AST]) -> bool:
    """Whether the last node of ``path`` runs only on some paths through ``path[0]``."""
    for parent, child in pairwise(path):
        if isinstance(parent, ast.If | ast.While | ast.IfExp) and child is not parent.test:
            return True
        if isinstance(parent, ast.BoolOp) and child is not parent.values[0]:
            return True
        if isinstance(parent, ast.Try | ast.TryStar) and child not in parent.body:
            return True
        if isinstance(parent, ast.For | ast.AsyncFor) and child is not parent.iter:
            return True
        if isinstance(parent, ast.comprehension) and child is not parent.iter:
            return True
        if isinstance(parent, ast.Match) and child is not parent.subject:
            return True
        if isinstance(parent, ast.Assert):
            return True  # asserts do not run under -O
    return False


def _check_between(plan: Plan, value: ast.expr, parents: dict[ast.AST, ast.AST]) -> None:
    """Nothing between the assignment and a use may change what the value computes."""
    reads = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    stateful = any(isinstance(n, STATE) for n in ast.walk(value))
    effects = any(isinstance(n, EFFECTS) for n in ast.walk(value))
    block = _block_of(plan.assignment, parents)
    index = block.index(plan.assignment)
    for use in plan.uses:
        holder = _holder(use, block, parents)
        assert holder is not None
        between: list[ast.AST] = []
        for statement in block[index + 1 : block.index(holder)]:
            between.extend(_executed(statement))
        path = _path(use, holder, parents)
        loop = next((n for n in path if _repeats(n, path)), None)
        for node in _executed(holder):
            if loop is not None and any(n is node for n in ast.walk(loop)):
                between.append(node)  # a later pass runs all of the loop first
            elif node_before(node, use):
                between.append(node)
        for node in between:
            _check_node(plan, node, reads, stateful=stateful, effects=effects, use=use)


def _executed(statement: ast.AST) -> list[ast.AST]:
    """The nodes a statement evaluates when it runs (not the bodies it defines)."""
    found: list[ast.AST] = []
    stack = [statement]
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(getattr(node, "decorator_list", []))
            stack.extend(d for d in node.args.defaults + node.args.kw_defaults if d is not None)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def node_before(node: ast.AST, use: ast.Name) -> bool:
    end = (getattr(node, "end_lineno", None) or 0, getattr(node, "end_col_offset", None) or 0)
    return hasattr(node, "lineno") and end <= (use.lineno, use.col_offset)


def _check_node(
    plan: Plan, node: ast.AST, reads: set[str], *, stateful: bool, effects: bool, use: ast.Name
) -> None:
    at = f"line {getattr(node, 'lineno', use.lineno)}"
    what = f"`{plan.name} = {_short(plan.value)}`"
    bound = bound_names(node)
    rebound = sorted(bound & reads)
    if rebound:
        raise RefactorError(
            f"`{rebound[0]}` is rebound at {at}, between {what} and its use at line "
            f"{use.lineno}: inlining would read the new value"
        )
    root = _stored_root(node)
    if root is not None and root in reads:
        raise RefactorError(
            f"`{_short(ast.unparse(node))}` is assigned at {at}, between {what} and its use "
            f"at line {use.lineno}: inlining would read the new value"
        )
    if isinstance(node, ast.Call | ast.Await | ast.Yield | ast.YieldFrom):
        if effects:
            raise RefactorError(
                f"{what} has effects, and {at} runs code before its use at line "
                f"{use.lineno}: inlining would change their order"
            )
        touched = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & reads
        if stateful or touched:
            raise RefactorError(
                f"the call at {at} may change what `{_short(plan.value)}` computes before "
                f"its use at line {use.lineno}"
            )
    if effects and isinstance(node, ast.Delete | ast.Raise | ast.Import | ast.ImportFrom):
        raise RefactorError(
            f"{what} has effects, and {at} runs before its use at line {use.lineno}: "
            "inlining would change their order"
        )


def _stored_root(node: ast.AST) -> str | None:
    """The name under an assigned or deleted attribute or item (``sys`` in
    ``sys.stdout = x``), else None."""
    if not isinstance(node, ast.Attribute | ast.Subscript) or isinstance(node.ctx, ast.Load):
        return None
    base: ast.AST = node
    while isinstance(base, ast.Attribute | ast.Subscript | ast.Call):
        base = base.func if isinstance(base, ast.Call) else base.value
    return base.id if isinstance(base, ast.Name) else None


def _in_dunder_all(tree: ast.Module, name: str) -> bool:
    return any(
        isinstance(node, ast.Constant) and node.value == name
        for statement in tree.body
        if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign)
        and "__all__" in ast.unparse(statement).split("=")[0]
        for node in ast.walk(statement)
    )


def _lines_of(text: str, starts: list[int], statement: ast.stmt) -> tuple[int, int]:
    """The 0-based lines of ``statement``, which must have them to itself."""
    first, last = statement.lineno - 1, (statement.end_lineno or statement.lineno) - 1
    start, end = node_span(text, starts, statement)
    line_end = starts[last + 1] - 1 if last + 1 < len(starts) else len(text)
    before, after = text[starts[first] : start], text[end:line_end]
    if before.strip() or (after.strip() and not after.strip().startswith("#")):
        raise RefactorError("the assignment shares its line with other code; split it first")
    return first, last


def _short(text: str, limit: int = 40) -> str:
    return (text := " ".join(text.split()))[:limit] + ("…" if len(text) > limit else "")
