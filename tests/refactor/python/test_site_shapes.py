"""The listing's structural comparisons agree with ``ast.dump`` (which they replace for
speed): the same offers ("similar occurrences", "use function") as before."""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from collections import defaultdict

from refactor.python.site import nodes_of_type, same_shape


def _dump_shape(node: ast.AST) -> str:
    return re.sub(r"(id|arg)='[^']*'", "name", ast.dump(node))


def _corpus() -> dict[type[ast.AST], list[ast.AST]]:
    by_type: dict[type[ast.AST], list[ast.AST]] = defaultdict(list)
    for module in (json, textwrap, inspect):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            by_type[type(node)].append(node)
    return by_type


def test_same_shape_agrees_with_ast_dump_on_real_code() -> None:
    pairs = agreements = 0
    for kind, nodes in _corpus().items():
        if not issubclass(kind, ast.expr | ast.stmt):
            continue
        sample = [(node, ast.dump(node), _dump_shape(node)) for node in nodes[:50]]
        for a, dump_a, shape_a in sample:
            for b, dump_b, shape_b in sample:
                pairs += 1
                assert same_shape(a, b) == (dump_a == dump_b), dump_a
                assert same_shape(a, b, any_names=True) == (shape_a == shape_b), dump_a
                agreements += shape_a == shape_b and a is not b
    assert pairs > 10_000 and agreements > 100  # the corpus has real repeats to agree on


def test_values_compare_as_dump_does() -> None:
    [one, true] = [ast.parse(source, mode="eval").body for source in ("1", "True")]
    assert not same_shape(one, true)  # 1 == True, but not the same code
    assert not same_shape(ast.Constant(0.0), ast.Constant(-0.0))
    assert same_shape(ast.parse("f(a, x=1)").body[0], ast.parse("g(b, y=1)").body[0], True)
    assert not same_shape(ast.parse("f(a, x=1)").body[0], ast.parse("f(a, x=2)").body[0], True)


def test_nodes_of_type_finds_what_ast_walk_finds() -> None:
    tree = ast.parse(inspect.getsource(json))
    for kind in (ast.Call, ast.Name, ast.BinOp, ast.Return):
        expected = sorted(id(n) for n in ast.walk(tree) if type(n) is kind)
        assert sorted(id(n) for n in nodes_of_type(tree, kind)) == expected
