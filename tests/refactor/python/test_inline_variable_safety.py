"""Inline variable refuses, with the reason, whatever would change behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_engine_support import behaviour, inline_at

from refactor.python.edits import RefactorError, apply_edits

REFUSED = [
    pytest.param(
        "import sys\n\n\ndef f(buf):\n    old = sys.stdout\n    sys.stdout = buf\n"
        "    print('x')\n    sys.stdout = old\n",
        (4, 5),
        r"`sys.stdout` is assigned at line 6",
        id="attribute-reassigned-between",
    ),
    pytest.param(
        "def f(x):\n    it = iter(x)\n    for a in it:\n        print(a, next(it))\n",
        (1, 5),
        r"read inside a loop \(line 4\).*new object each time",
        id="iterator-used-in-a-loop",
    ),
    pytest.param(
        "def f(x):\n    it = iter(x)\n    while True:\n        print(next(it))\n",
        (1, 5),
        r"inside a loop",
        id="iterator-used-in-a-while",
    ),
    pytest.param(
        "def f(xs):\n    seen = []\n    return [seen for x in xs]\n",
        (1, 5),
        r"inside a loop",
        id="list-used-in-a-comprehension",
    ),
    pytest.param(
        "def f(x):\n    n = len(x)\n    x.append(1)\n    return n\n",
        (1, 5),
        r"line 3 runs code before its use",
        id="call-then-mutation",
    ),
    pytest.param(
        "def f(x):\n    n = x[0]\n    x[0] = 5\n    return n\n",
        (1, 5),
        r"`x\[0\]` is assigned at line 3",
        id="item-reassigned-between",
    ),
    pytest.param(
        "def f(x):\n    n = x + [1]\n    x.append(1)\n    return n\n",
        (1, 5),
        r"the call at line 3 may change",
        id="name-mutated-by-a-method",
    ),
    pytest.param(
        "def f(a, b):\n    t = a + b\n    a = 3\n    return t\n",
        (1, 5),
        r"`a` is rebound at line 3",
        id="name-rebound-between",
    ),
    pytest.param(
        "def f(a, b):\n    t = a + b\n    for a in b:\n        pass\n    return t\n",
        (1, 5),
        r"`a` is rebound at line 3",
        id="name-rebound-by-a-loop",
    ),
    pytest.param(
        "def f(a):\n    t = a * 2\n    for i in range(3):\n        print(t)\n        a = i\n",
        (1, 5),
        r"`a` is rebound at line 5",
        id="name-rebound-later-in-the-loop",
    ),
    pytest.param(
        "def f(c):\n    v = input()\n    if c:\n        return v\n",
        (1, 5),
        r"only on some paths",
        id="effect-used-conditionally",
    ),
    pytest.param(
        "def f(c):\n    v = input()\n    return c and v\n",
        (1, 5),
        r"only on some paths",
        id="effect-used-after-and",
    ),
    pytest.param(
        "def f(c):\n    v = input()\n    print(1)\n    return v\n",
        (1, 5),
        r"change their order",
        id="effect-moved-after-another",
    ),
    pytest.param(
        "def f(c):\n    v = c.pop()\n    return v, v\n",
        (1, 5),
        r"read 2 times",
        id="effect-used-twice",
    ),
    pytest.param(
        "def f(c):\n    v = c.x\n    g()\n    return v\n",
        (1, 5),
        r"the call at line 3 may change what `c.x` computes",
        id="state-read-across-a-call",
    ),
    pytest.param(
        "def f(c):\n    if c:\n        v = 1\n    return v\n",
        (2, 9),
        r"outside the block after its assignment",
        id="assigned-in-a-branch",
    ),
    pytest.param(
        "def f(c):\n    v = c * 2\n    return lambda: v\n",
        (1, 5),
        r"used in a lambda",
        id="read-in-a-lambda",
    ),
    pytest.param(
        "def f(c):\n    v = c * 2\n    return [v for c in range(3)]\n",
        (1, 5),
        r"`c` is rebound at line 3",
        id="name-rebound-by-the-comprehension",
    ),
    pytest.param(
        "def f(c):\n    v = c * 2\n    del c\n    return v\n",
        (1, 5),
        r"`c` is rebound at line 3",
        id="name-deleted-between",
    ),
    pytest.param(
        "X = 1\n__all__ = ['X']\nprint(X)\n",
        (0, 0),
        r"exported in `__all__`",
        id="exported",
    ),
    pytest.param(
        "def f(c):\n    v = (n := len(c))\n    return [x for x in v], n\n",
        (1, 5),
        r"would not compile \(assignment expression cannot be used in a comprehension",
        id="assignment-expression-into-a-comprehension-iterable",
    ),
    pytest.param(
        "class Cal:\n    names = ['mon', 'tue']\n    heads = names\n\n"
        "    def first(self):\n        return self.names[0]\n",
        (1, 5),
        r"`names` is an attribute of class `Cal`",
        id="class-attribute",
    ),
    pytest.param(
        "def f(c):\n    v = c; print(v)\n",
        (1, 5),
        r"shares its line",
        id="shared-line",
    ),
]


def _inline(root: Path, text: str, at: tuple[int, int], extra: dict[str, str] | None = None):
    return inline_at(root, text, at, extra)


@pytest.mark.parametrize(("text", "at", "reason"), REFUSED)
def test_refused(tmp_path: Path, text: str, at: tuple[int, int], reason: str) -> None:
    with pytest.raises(RefactorError, match=reason):
        _inline(tmp_path, text, at)
    assert (tmp_path / "m.py").read_text() == text


def test_a_module_variable_another_module_imports(tmp_path: Path) -> None:
    text = "LIMIT = 10\nprint(LIMIT)\n"
    with pytest.raises(RefactorError, match="may import `LIMIT`"):
        _inline(tmp_path, text, (0, 1), {"user.py": "from m import LIMIT\n"})
    assert (tmp_path / "m.py").read_text() == text


INLINED = [
    pytest.param(
        "def f(a, b):\n    t = a - b\n    return 3 - t, t ** 2, -t, not t\n",
        (1, 5),
        "def f(a, b):\n    return 3 - (a - b), (a - b) ** 2, -(a - b), not a - b\n",
        ["m.f(5, 2)", "m.f(2, 2)"],
        id="precedence",
    ),
    pytest.param(
        "def f(xs):\n    n = len(xs)\n    return n * 2\n",
        (1, 5),
        "def f(xs):\n    return len(xs) * 2\n",
        ["m.f([1, 2])"],
        id="a-call-used-once-right-after",
    ),
    pytest.param(
        "def f(xs, k):\n    first = xs[0]\n    shown = k * 2\n    return first + 1, shown\n",
        (1, 5),
        "def f(xs, k):\n    shown = k * 2\n    return xs[0] + 1, shown\n",
        ["m.f([4], 3)"],
        id="pure-code-in-between",
    ),
    pytest.param(
        "def f(items):\n    empty = []\n    for x in items:\n        print(x)\n    return empty\n",
        (1, 5),
        "def f(items):\n    for x in items:\n        print(x)\n    return []\n",
        ["m.f([1, 2])"],
        id="new-list-used-once-after-a-loop",
    ),
]


@pytest.mark.parametrize(("text", "at", "expected", "runs"), INLINED)
def test_inlined(
    tmp_path: Path, text: str, at: tuple[int, int], expected: str, runs: list[str]
) -> None:
    (tmp_path / "ws").mkdir()
    edit = _inline(tmp_path / "ws", text, at)
    after = apply_edits(text, edit.changes[str(tmp_path / "ws" / "m.py")])
    assert after == expected
    (tmp_path / "after").mkdir()
    (tmp_path / "after" / "m.py").write_text(after)
    assert behaviour(tmp_path / "after", runs) == behaviour(tmp_path / "ws", runs)
