"""Extract inside comprehensions, generator expressions and lambdas: into the innermost
scope that binds every name the selection uses, or refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from refactor.python.actions import list_refactors
from refactor.python.edits import RefactorError, apply_edits
from refactor.python.refactors import Refactoring, compute
from refactor.python.workspace import PythonWorkspace
from refactor.text import Position, Range


def _extract(root: Path, text: str, selected: str, title: str, occurrence: int = 0):
    (root / "m.py").write_text(text)
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(selected, start + 1)
    end = start + len(selected)

    def position(offset: int) -> Position:
        return Position(text.count("\n", 0, offset), offset - text.rfind("\n", 0, offset) - 1)

    where = Range(position(start), position(end))
    offers = list_refactors(str(root / "m.py"), text, where)
    chosen = [o for o in offers if o.title == title]
    if not chosen:  # the listing offers nothing in comprehension clauses: ask anyway
        refactor = "extract_method" if "method" in title else "extract_variable"
        chosen = [Refactoring(refactor, title, "refactor.extract", str(root / "m.py"), where)]
    workspace = PythonWorkspace(str(root))
    try:
        return workspace.run(lambda s: compute(s, chosen[0]))
    finally:
        workspace.close()


REFUSED = [
    pytest.param(
        "def f(xs):\n    return sorted(xs, key=lambda x: x * 2)\n",
        "x * 2",
        "Extract variable",
        r"uses `x`, a parameter of the lambda around it",
        id="variable-uses-a-lambda-parameter",
    ),
    pytest.param(
        "def f(xs, k):\n    return [x * 2 + k for x in xs]\n",
        "x * 2",
        "Extract method",
        r"uses `x`, bound by the comprehension around it",
        id="method-uses-a-comprehension-variable",
    ),
    pytest.param(
        "def f(xs):\n    return sum(x + 1 for x in xs)\n",
        "x + 1",
        "Extract method",
        r"uses `x`, bound by the comprehension",
        id="method-uses-a-generator-variable",
    ),
    pytest.param(
        "def f(xs):\n    return [[] for x in xs]\n",
        "[]",
        "Extract variable",
        r"runs for each element .* extracting it out of the comprehension would run it once",
        id="new-object-per-element",
    ),
    pytest.param(
        "import random\n\n\ndef f(xs):\n    return [random.random() for x in xs]\n",
        "random.random()",
        "Extract variable",
        r"would run it once",
        id="call-per-element",
    ),
    pytest.param(
        "def f(rows, k):\n    return [[len(row) + k for v in row] for row in rows]\n",
        "len(row) + k",
        "Extract variable",
        r"runs for each element",
        id="call-out-of-an-inner-comprehension",
    ),
    pytest.param(
        "def f(fs, k):\n    k = k + 1\n    return [lambda: k * 2 for _ in fs]\n",
        "k * 2",
        "Extract variable",
        r"runs later, and `k` is bound more than once",
        id="late-bound-name-rebound",
    ),
    pytest.param(
        "def f(xs):\n    return [1 / x if x else 0 for x in xs]\n",
        "1 / x",
        "Extract variable",
        r"runs only on some paths",
        id="conditional-in-the-element",
    ),
    pytest.param(
        "def f(xs):\n    return [x for x in xs if x % 2]\n",
        "x % 2",
        "Extract variable",
        r"in a comprehension's clause",
        id="selection-in-a-condition",
    ),
    pytest.param(
        "def f(names):\n    return {n.upper(): n.lower() for n in names}\n",
        "n.lower()",
        "Extract variable",
        r"has effects and the comprehension calls other code first",
        id="effects-change-order",
    ),
    pytest.param(
        "def f(xs):\n    extracted = 1\n    return [x * 2 + extracted for x in xs]\n",
        "x * 2",
        "Extract variable",
        r"`extracted` is already used there",
        id="name-taken",
    ),
    pytest.param(
        "def f(xs):\n    return [x * 2 + x * 2 for x in xs]\n",
        "x * 2",
        "Extract variable (all similar occurrences)",
        r"one occurrence at a time",
        id="similar-occurrences",
    ),
]


@pytest.mark.parametrize(("text", "selected", "title", "reason"), REFUSED)
def test_refused(tmp_path: Path, text: str, selected: str, title: str, reason: str) -> None:
    with pytest.raises(RefactorError, match=reason):
        _extract(tmp_path, text, selected, title)
    assert (tmp_path / "m.py").read_text() == text


def test_the_first_iterable_runs_outside(tmp_path: Path) -> None:
    text = "def f(k):\n    return [x for x in range(k * 2)]\n"
    edit = _extract(tmp_path, text, "k * 2", "Extract variable")
    assert apply_edits(text, edit.changes[str(tmp_path / "m.py")]) == (
        "def f(k):\n    extracted = k * 2\n    return [x for x in range(extracted)]\n"
    )


def test_method_with_outer_names_only(tmp_path: Path) -> None:
    text = "def f(xs, k):\n    return [x + k * 3 for x in xs]\n"
    edit = _extract(tmp_path, text, "k * 3", "Extract method")
    assert apply_edits(text, edit.changes[str(tmp_path / "m.py")]) == (
        "def f(xs, k):\n    return [x + extracted(k) for x in xs]\n\n"
        "def extracted(k):\n    return k * 3\n"
    )


def test_an_assignment_expression_stays_out_of_a_clause(tmp_path: Path) -> None:
    text = "def f(xs, m):\n    return sum((d := x - m) * d for x in xs)\n"
    with pytest.raises(RefactorError, match="assigns with `:=`"):
        _extract(tmp_path, text, "(d := x - m) * d", "Extract variable")
    assert (tmp_path / "m.py").read_text() == text


NESTED = """import functools


def cached(cache, info=False):
    from json import dumps as _wrapper

    if cache is None:
        raise TypeError("no cache")

    def decorator(func):
        extra = 1 if info else 0
        return functools.partial(_wrapper, func, extra)

    return decorator


def reads_only_outer(xs):
    total = len(xs)
    double = [x * 2 for x in xs]

    def shift(v):
        return v + total

    return double, shift
"""


def test_method_whose_nested_function_reads_a_local_is_refused(tmp_path: Path) -> None:
    """cachetools' ``cached``: the nested ``decorator`` reads ``_wrapper``, a local
    import of the enclosing function; rope's extracted function did not receive it."""
    selected = NESTED[
        NESTED.index("    if cache is None") : NESTED.index("\n\n    return decorator")
    ]
    with pytest.raises(RefactorError, match=r"reads `_wrapper` inside a nested function"):
        _extract(tmp_path, NESTED, selected.strip(), "Extract method")
    assert (tmp_path / "m.py").read_text() == NESTED  # nothing written


def test_method_whose_nested_function_reads_parameters_is_extracted(tmp_path: Path) -> None:
    """Names the nested function reads that rope does pass (the enclosing function's
    locals read by the selection too) and module names: extracted, runs the same."""
    import importlib.util

    selected = "double = [x * 2 for x in xs]\n\n    def shift(v):\n        return v + total"
    edit = _extract(tmp_path, NESTED, selected, "Extract method")
    after = apply_edits(NESTED, edit.changes[str(tmp_path / "m.py")])
    (tmp_path / "after.py").write_text(after)
    spec = importlib.util.spec_from_file_location("after", tmp_path / "after.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    double, shift = module.reads_only_outer([1, 2])
    assert double == [2, 4] and shift(1) == 3
