"""Inline function: refuse, before rope runs, what its inlining would get wrong.

rope's inline method substitutes text: a parameter reassigned in the body changed the
caller's variable, a generator's ``yield`` landed in the caller, an early ``return``
ran the rest of the body too. `check_function` refuses (with the reason) generators,
coroutines, early or repeated returns, reassigned parameters, decorators,
``global``/``nonlocal``, ``super()`` and parameters captured by a nested function;
`check_calls` refuses calls rope cannot map (``*args``), calls inside an expression
when the body needs statements there, and callers that bind a name the body reads,
and remembers each call's context for `refactor.python.inline_body`, which builds
the inlined bodies.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from refactor.python.edits import RefactorError, syntax_problem
from refactor.python.scopes import (
    COMPREHENSIONS,
    EFFECTS,
    FUNCS,
    SCOPES,
    bound_names,
    own_nodes,
    parents_of,
    statement_of,
)
from refactor.python.substitute import node_span
from refactor.text import line_starts

ALLOWED_DECORATORS = frozenset({"staticmethod", "classmethod"})


@dataclass
class Function:
    """What the checks learnt about the inlined function."""

    node: ast.FunctionDef
    params: list[str]
    is_method: bool
    single_use: set[str] = field(default_factory=set)  # read once, unconditionally
    body_has_calls: bool = False
    needs_statements: bool = False  # more than ``return <expr>``
    free: set[str] = field(default_factory=set)  # names the body reads from outside
    contexts: dict[str, list[tuple[str, tuple[int, int]]]] = field(default_factory=dict)
    around: dict[str, set[str]] = field(default_factory=dict)  # call text → names there
    whole: dict[str, list[bool]] = field(default_factory=dict)  # call is a statement's value


def check_function(text: str, line: int, name: str) -> Function:
    """The function ``name`` defined at ``line`` (1-based), or `RefactorError` saying
    why it cannot be inlined."""
    tree = ast.parse(text)
    node = next(
        (
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and n.name == name
            and line in (n.lineno, *(d.lineno for d in n.decorator_list))
        ),
        None,
    )
    if node is None:
        raise RefactorError(f"cannot find the definition of `{name}`")
    name = node.name
    if isinstance(node, ast.AsyncFunctionDef):
        raise RefactorError(f"`{name}` is a coroutine (async def); inlining would drop the await")
    for decorator in node.decorator_list:
        if not (isinstance(decorator, ast.Name) and decorator.id in ALLOWED_DECORATORS):
            raise RefactorError(
                f"`{name}` is decorated (`@{ast.unparse(decorator)}`): inlining would drop "
                "what the decorator does"
            )
    own = own_nodes(node)
    for n in own:
        if isinstance(n, ast.Yield | ast.YieldFrom):
            raise RefactorError(f"`{name}` is a generator (`yield` at line {n.lineno})")
        if isinstance(n, ast.Global | ast.Nonlocal):
            raise RefactorError(f"`{name}` declares {', '.join(n.names)} {type(n).__name__}")
        if isinstance(n, ast.Name) and n.id in ("super", "__class__"):
            raise RefactorError(f"`{name}` uses `{n.id}` (line {n.lineno}), bound to its class")
    returns = [n for n in own if isinstance(n, ast.Return)]
    if returns and (len(returns) > 1 or returns[0] is not node.body[-1]):
        early = next(r for r in returns if r is not node.body[-1])
        raise RefactorError(
            f"`{name}` returns early (line {early.lineno}); inlining would run the rest too"
        )
    args = node.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise RefactorError(f"`{name}` has `*`, `**`, keyword-only or positional-only parameters")
    params = [a.arg for a in args.args]
    for n in own:
        bound = bound_names(n)
        if bound & set(params):
            raise RefactorError(
                f"`{name}` reassigns its parameter `{sorted(bound & set(params))[0]}` "
                f"(line {getattr(n, 'lineno', '?')}); inlining would change the caller's variable"
            )
    for inner in ast.walk(node):
        if isinstance(inner, SCOPES) and inner is not node:
            used = {n.id for n in ast.walk(inner) if isinstance(n, ast.Name)} & set(params)
            if used:
                raise RefactorError(
                    f"a nested function or class in `{name}` reads its parameter "
                    f"`{sorted(used)[0]}`; inlining would change when it is read"
                )
    function = Function(node, params, _is_method(tree, node))
    _learn_body(function, own)
    return function


def _is_method(tree: ast.Module, node: ast.AST) -> bool:
    return any(isinstance(c, ast.ClassDef) and node in c.body for c in ast.walk(tree))


def _learn_body(function: Function, own: list[ast.AST]) -> None:
    body = function.node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring does not come along
    function.needs_statements = not (len(body) == 1 and isinstance(body[0], ast.Return))
    function.body_has_calls = any(isinstance(n, EFFECTS) for n in own)
    parents = {c: n for n in ast.walk(function.node) for c in ast.iter_child_nodes(n)}
    reads: dict[str, list[ast.Name]] = {}
    bound: set[str] = set(function.params)
    for n in ast.walk(function.node):
        if n is not function.node:
            bound |= bound_names(n)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            reads.setdefault(n.id, []).append(n)
    function.free = set(reads) - bound
    for param in function.params:
        uses = reads.get(param, [])
        if len(uses) == 1 and not _repeated_or_conditional(uses[0], function.node, parents):
            function.single_use.add(param)


def _repeated_or_conditional(node: ast.AST, top: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    child, parent = node, parents.get(node)
    while parent is not None and child is not top:
        if isinstance(
            parent, ast.For | ast.AsyncFor | ast.While | ast.If | ast.IfExp
        ) and child is not getattr(parent, "iter", getattr(parent, "test", None)):
            return True
        if isinstance(parent, (*COMPREHENSIONS, ast.Try, ast.TryStar, ast.Match, ast.Assert)):
            return True
        if isinstance(parent, ast.BoolOp) and child is not parent.values[0]:
            return True
        child, parent = parent, parents.get(parent)
    return False


# -- call sites -------------------------------------------------------------------------


def check_calls(function: Function, files: list[tuple[str, str]]) -> None:
    """Refuse call sites the inlining would get wrong; remember each call's context
    (for parentheses). ``files``: (path, text) of every file that mentions the name."""
    name = function.node.name
    for path, text in files:
        if name not in text or syntax_problem(text) is not None:
            continue
        tree = ast.parse(text)
        parents = parents_of(tree)
        starts = line_starts(text)
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and _calls(call, name):
                _check_call(
                    function, path=path, text=text, starts=starts, call=call, parents=parents
                )


def _calls(call: ast.Call, name: str) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == name) or (
        isinstance(func, ast.Attribute) and func.attr == name
    )


def _check_call(
    function: Function,
    *,
    path: str,
    text: str,
    starts: list[int],
    call: ast.Call,
    parents: dict[ast.AST, ast.AST],
) -> None:
    where = f"{path.rsplit('/', 1)[-1]}:{call.lineno}"
    name = function.node.name
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise RefactorError(f"the call at {where} passes *args or **kwargs; inline it by hand")
    statement = statement_of(call, parents)
    start, end = node_span(text, starts, call)
    line_start = text.rfind("\n", 0, node_span(text, starts, statement)[0]) + 1
    if text[line_start : node_span(text, starts, statement)[0]].strip():
        raise RefactorError(f"the call at {where} shares its line with other code; split it first")
    whole = getattr(statement, "value", None) is call and isinstance(
        statement, ast.Return | ast.Assign | ast.AnnAssign | ast.Expr
    )
    if function.needs_statements and not whole:
        raise inside_expression(where, name)
    function.whole.setdefault(text[start:end], []).append(whole)
    shadowed = function.free & _bound_around(call, parents)
    if shadowed:
        raise RefactorError(
            f"`{name}` reads `{sorted(shadowed)[0]}`, which the code around the call at "
            f"{where} binds to something else"
        )
    function.contexts.setdefault(text[start:end], []).append((text, (start, end)))
    scope = parents.get(call)
    while scope is not None and not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        scope = parents.get(scope)
    names = {n.id for n in ast.walk(scope or parents_root(parents)) if isinstance(n, ast.Name)}
    function.around.setdefault(text[start:end], set()).update(names)


def parents_root(parents: dict[ast.AST, ast.AST]) -> ast.AST:
    return next(iter(set(parents.values()) - set(parents)))


def inside_expression(where: str, name: str) -> RefactorError:
    return RefactorError(
        f"the call at {where} is inside an expression, and inlining `{name}` needs "
        "statements there: they would run before the rest of the expression (assign the "
        "call to a variable first)"
    )


def _bound_around(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> set[str]:
    """Names bound by the functions, lambdas and comprehensions around ``node``."""
    names: set[str] = set()
    parent = parents.get(node)
    while parent is not None:
        if isinstance(parent, FUNCS):
            names |= {a.arg for a in ast.walk(parent.args) if isinstance(a, ast.arg)}
            if not isinstance(parent, ast.Lambda):
                names |= {n for inner in own_nodes(parent) for n in bound_names(inner)}
        if isinstance(parent, COMPREHENSIONS):
            names |= {
                n.id
                for g in parent.generators
                for n in ast.walk(g.target)
                if isinstance(n, ast.Name)
            }
        parent = parents.get(parent)
    return names
