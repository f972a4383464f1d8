"""Refactors offered at a cursor (no selection): inline, move, rewrite."""

from __future__ import annotations

import ast
import os
import re

from refactor.python.edits import position_at
from refactor.python.refactors import INLINE, MOVE, REWRITE, Refactoring
from refactor.python.site import FUNCS, SCOPES, Site, nodes_of_type, same_shape
from refactor.text import Range

_MUTABLE = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp, ast.Call)


def at_cursor(site: Site) -> list[Refactoring]:
    node = _name_at(site)
    if node is None:
        return []
    offers: list[Refactoring] = []
    parent = site.parents.get(node)
    if isinstance(node, FUNCS):
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


def _name_at(site: Site) -> ast.AST | None:
    """The innermost name-bearing node whose *name* touches the cursor."""
    cursor = site.start
    best: ast.AST | None = None
    for node in site.holding:
        span = _name_span(site, node)
        if span is not None and span[0] <= cursor <= span[1]:
            best = node
    return best


def _name_span(site: Site, node: ast.AST) -> tuple[int, int] | None:
    if isinstance(node, ast.Name | ast.arg):
        start, _ = site.span(node)
        name = node.id if isinstance(node, ast.Name) else node.arg
        return start, start + len(name)
    if isinstance(node, ast.Attribute):
        _, end = site.span(node)
        return end - len(node.attr), end
    if isinstance(node, (*FUNCS, ast.ClassDef)):
        line_start, _ = site.span(node)
        if node.decorator_list:
            line_start = site.offset(node.lineno - 1, 0)
        match = re.compile(rf"\b{re.escape(node.name)}\b").search(site.text, line_start)
        if match is None:
            return None
        return match.start(), match.end()
    return None


def _function_offers(
    site: Site, node: ast.FunctionDef | ast.AsyncFunctionDef, parent: ast.AST | None
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


def _body_repeats(site: Site, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function's last statement appears elsewhere in the file (any names)."""
    body = function.body
    last = body[-1]
    target = last.value if isinstance(last, ast.Return) and last.value else last
    return any(
        same_shape(node, target, any_names=True)  # the pattern rope's use function matches
        for node in nodes_of_type(site.tree, type(target))
        if not (function.lineno <= getattr(node, "lineno", 0) <= (function.end_lineno or 0))
    )


def _parameter_offers(site: Site, node: ast.arg) -> list[Refactoring]:
    function = site.parents.get(site.parents.get(node, node))
    if not isinstance(function, FUNCS):
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


def _name_offers(site: Site, node: ast.Name) -> list[Refactoring]:
    scope = site.scope_of(node)
    name = node.id
    stores = _stores(scope, name)
    offers: list[Refactoring] = []
    class_attribute = isinstance(scope, ast.ClassDef)  # read as self.name elsewhere too
    if len(stores) == 1 and not class_attribute and _inlinable(scope, name, stores[0]):
        offers.append(site.offer("inline", f"Inline variable `{name}`", INLINE))
    if isinstance(scope, ast.Module) and stores and isinstance(stores[0], ast.Assign):
        offers.append(_move_offer(site, name))
    if isinstance(scope, FUNCS):
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
        if not isinstance(node, SCOPES):
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
        if isinstance(inner, SCOPES)
        for n in ast.walk(inner)
        if isinstance(n, ast.Name)
    ]


def _move_offer(site: Site, name: str) -> Refactoring:
    base = os.path.dirname(site.path)
    module = _snake(name)
    if os.path.exists(os.path.join(base, f"{module}.py")) or module == _module_name(site.path):
        module = f"{module}_module"
    destination = os.path.join(base, f"{module}.py")
    return site.offer(
        "move", f"Move `{name}` to new module `{module}.py`", MOVE, destination=destination
    )


def _module_name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
