"""The bodies inline function puts at each call, built our way inside rope's run.

`safe_generator` replaces rope's ``_DefinitionGenerator``: each call gets a fresh map
of parameters to arguments (rope reused one, so defaults of one call leaked into the
next); an argument goes in place of its parameter only when that cannot change what
runs, every other one is assigned first, in the order the call evaluates it; names
clash-checked against the caller's whole function; insertions and the returned
expression parenthesised by precedence.
"""

from __future__ import annotations

import ast
from typing import Any

from refactor.python.edits import RefactorError
from refactor.python.inline_function import Function, inside_expression
from refactor.python.scopes import EFFECTS, IDENTITY, STATE, literal, trivial
from refactor.python.substitute import expression, node_span, parse, substitute, substitute_all
from refactor.text import line_starts


def safe_generator(base: Any, function: Function) -> Any:
    """A rope ``_DefinitionGenerator`` like ``base`` that builds bodies our way."""
    from rope.refactor import inline

    class SafeGenerator(inline._DefinitionGenerator):  # type: ignore[misc]
        def _calculate_definition(
            self, primary: Any, pyname: Any, call: str, host_vars: list[str], returns: bool
        ) -> tuple[str, str | None]:
            return _definition(
                self,
                function,
                primary=primary,
                pyname=pyname,
                call=call,
                host_vars=host_vars,
                returns=returns,
            )

    return SafeGenerator(base.project, base.pyfunction, body=base.body)


def _definition(
    generator: Any,
    function: Function,
    *,
    primary: Any,
    pyname: Any,
    call: str,
    host_vars: list[str],
    returns: bool,
) -> tuple[str, str | None]:
    from rope.base import builtins, libutils
    from rope.refactor import functionutils, occurrences, rename

    call_info = functionutils.CallInfo.read(primary, pyname, generator.definition_info, call)
    mapping = functionutils.ArgumentMapping(generator.definition_info, call_info)
    if mapping.args_arg or mapping.keyword_args:
        raise RefactorError(f"`{call}` passes arguments `{function.node.name}` does not take")
    values = dict(generator.definition_params)  # a fresh copy per call (rope reused one)
    values.update(mapping.param_dict)
    missing = [p for p, v in values.items() if v is None]
    if missing:
        raise RefactorError(f"`{call}` does not pass `{missing[0]}`")
    defaulted = set(values) - set(mapping.param_dict)
    if generator.pyfunction.get_kind() == "classmethod":  # rope passes the class itself
        defaulted.discard(generator.definition_info.args_with_defaults[0][0])
    for param in defaulted:
        if not literal(expression(values[param])):
            raise RefactorError(
                f"`{call}` uses the default of `{param}` (`{values[param]}`), made once when "
                f"`{function.node.name}` is defined; inlining would make it at every call"
            )
    order = sorted(values, key=lambda p: _position(call, values[p], p))
    given = [p for p in order if p != values[p]]
    header = "".join(f"{p} = {_one_line(values[p])}\n" for p in given)
    inlined = [p for p in given if _substitutable(function, values, p)]
    source = header + generator.body
    module = libutils.get_string_module(generator.project, source)
    scope_names = module.get_scope().get_names()
    names = [n for n, v in scope_names.items() if not isinstance(v, builtins.BuiltinName)]
    renamed = {n: n for n in names}
    # rope's rule, widened: prefix every guest name when one is a name the caller's
    # function or an argument uses (or the body would rebind it there).
    around = set(host_vars) | _names_in(values.values()) | function.around.get(call, set())
    if set(names) & around:
        prefix = next(type(generator).unique_prefix)
        for item in names:
            guest = libutils.get_string_module(generator.project, source, generator.resource)
            finder = occurrences.create_finder(generator.project, item, guest[item])
            source = rename.rename_in_module(finder, prefix + item, pymodule=guest)
            renamed[item] = prefix + item
    if (function.needs_statements or len(inlined) < len(given)) and not all(
        function.whole.get(call, [False])
    ):
        raise inside_expression(f"`{call}`", function.node.name)
    source = _inline_parameters(source, len(given), {renamed[p]: values[p] for p in inlined})
    source, returned = generator._replace_returns_with(source, returns)
    if returned is not None and _needs_parentheses(function, call, returned):
        returned = f"({returned})"
    return source, returned


def _one_line(value: str) -> str:
    return f"({value})" if "\n" in value else value


def _names_in(values: Any) -> set[str]:
    return {
        n.id
        for value in values
        if value
        for n in ast.walk(expression(value))
        if isinstance(n, ast.Name)
    }


def _position(call: str, value: str, param: str) -> int:
    """Where an argument is in the call text (arguments evaluate in this order)."""
    index = call.find(f"{param}={value}")
    if index < 0:
        index = call.find(value)
    return index if index >= 0 else len(call)


def _substitutable(function: Function, values: dict[str, str], param: str) -> bool:
    """An argument goes in place of its parameter only when that cannot change what
    runs: a name or constant, or an effect-free expression read once, unconditionally
    (one that reads state only when nothing before it can change that state)."""
    node = expression(values[param])
    if trivial(node):
        return True
    if any(isinstance(n, (*EFFECTS, *IDENTITY)) for n in ast.walk(node)):
        return False
    if param not in function.single_use:
        return False
    stateful = any(isinstance(n, STATE) for n in ast.walk(node))
    kept = [p for p in values if p != param and not trivial(expression(values[p]))]
    return not stateful or not (function.body_has_calls or kept)


def _inline_parameters(source: str, header: int, values: dict[str, str]) -> str:
    """Drop the header lines of ``values``' parameters and put each value where the
    body (after the ``header`` statements) reads its parameter."""
    tree = parse(source)
    if tree is None:
        raise RefactorError("rope built a body that does not parse")
    starts = line_starts(source)
    replacements = [
        (node_span(source, starts, n), values[n.id])
        for statement in tree.body[header:]
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and n.id in values and isinstance(n.ctx, ast.Load)
    ]
    new = substitute_all(source, replacements)
    # The header comes before every use, so its offsets did not move: cut its lines.
    for statement in reversed(tree.body[:header]):
        target = statement.targets[0] if isinstance(statement, ast.Assign) else None
        if isinstance(target, ast.Name) and target.id in values:
            first, last = statement.lineno - 1, (statement.end_lineno or statement.lineno)
            cut_to = starts[last] if last < len(starts) else len(new)
            new = new[: starts[first]] + new[cut_to:]
    return new


def _needs_parentheses(function: Function, call: str, returned: str) -> bool:
    """Whether ``returned``, put where a call with this text is, needs parentheses at
    any of those places (when no such call was seen: unless it is a name or constant)."""
    contexts = function.contexts.get(call)
    if not contexts:
        return not trivial(expression(returned))
    for text, span in contexts:
        try:
            placed = substitute(text, [span], returned)
        except RefactorError:
            return True
        if placed != text[: span[0]] + returned + text[span[1] :]:
            return True
    return False
