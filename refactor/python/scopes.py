"""What the inline checks ask of ``ast``: which nodes open scopes, loop, have effects
or an identity, and which names a node binds."""

from __future__ import annotations

import ast

FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
SCOPES = (*FUNCS, ast.ClassDef)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LOOPS = (ast.For, ast.AsyncFor, ast.While, *COMPREHENSIONS)
EFFECTS = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)
IDENTITY = (ast.List, ast.Dict, ast.Set, ast.Lambda, *COMPREHENSIONS, *EFFECTS)
STATE = (ast.Attribute, ast.Subscript, *EFFECTS)


def parents_of(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def bound_names(node: ast.AST) -> set[str]:
    """The names ``node`` itself binds (a store, a def, an import, ``except ... as``)."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return {node.id}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.alias):
        return {(node.asname or node.name).split(".")[0]}
    if isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
        return {node.name}
    if isinstance(node, ast.Global | ast.Nonlocal):
        return set(node.names)
    return set()


def own_nodes(function: ast.AST) -> list[ast.AST]:
    """The nodes of a function's body that run in its own scope."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(getattr(function, "body", []))
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return found


def statement_of(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.stmt:
    while not isinstance(node, ast.stmt):
        node = parents[node]
    return node


def trivial(node: ast.expr) -> bool:
    """A name or a constant: the same value wherever it is written."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Name | ast.Constant)


def literal(node: ast.expr) -> bool:
    """A constant, or a tuple of them: a default that is the same value everywhere."""
    if isinstance(node, ast.Tuple):
        return all(literal(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant)
