"""Inline function refuses, with the reason, what would change behaviour; what it
inlines behaves as before (each case runs the code before and after)."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_engine_support import apply_to_disk, behaviour, inline_at

from refactor.python.edits import RefactorError

REFUSED = [
    pytest.param(
        "def f(x):\n    x = x + 1\n    return x\n\n\ndef g(a):\n    y = f(a)\n    return y, a\n",
        r"reassigns its parameter `x` \(line 2\)",
        id="parameter-reassigned",
    ),
    pytest.param(
        "def f(xs):\n    for x in xs:\n        xs = x\n    return 1\n",
        r"reassigns its parameter `xs`",
        id="parameter-rebound-by-a-loop",
    ),
    pytest.param(
        "def f(n):\n    for i in range(n):\n        yield i\n\n\ndef g():\n    return list(f(3))\n",
        r"is a generator \(`yield` at line 3\)",
        id="generator",
    ),
    pytest.param(
        "def f(x):\n    if x:\n        return 1\n    return 2\n\n\n"
        "def g(a):\n    y = f(a)\n    return y\n",
        r"returns early \(line 3\)",
        id="early-return",
    ),
    pytest.param(
        "def f(x):\n    for i in x:\n        return i\n    print(x)\n",
        r"returns early",
        id="return-in-a-loop",
    ),
    pytest.param(
        "async def f(a):\n    return a\n\n\nasync def g(n):\n    return await f(n)\n",
        r"coroutine",
        id="coroutine",
    ),
    pytest.param(
        "import functools\n\n\n@functools.cache\ndef f(a):\n    return a\n\n\nprint(f(1))\n",
        r"decorated \(`@functools.cache`\)",
        id="decorated",
    ),
    pytest.param(
        "def f(a):\n    global seen\n    seen = a\n\n\nf(1)\n",
        r"declares seen Global",
        id="global",
    ),
    pytest.param(
        "def f(a):\n    return lambda: a\n\n\ndef g(n):\n    return f(n)\n",
        r"nested function or class in `f` reads its parameter `a`",
        id="parameter-captured-by-a-closure",
    ),
    pytest.param(
        "def f(a):\n    print(a)\n    return a\n\n\ndef g(p):\n    return 1 + f(p)\n",
        r"inside an expression, and inlining `f` needs statements",
        id="statements-for-a-call-inside-an-expression",
    ),
    pytest.param(
        "def f(a):\n    return a + 1\n\n\ndef g(r):\n    while f(r.pop()):\n        pass\n",
        r"inside an expression",
        id="argument-with-effects-in-a-loop-condition",
    ),
    pytest.param(
        "def f(a):\n    return a * n\n\n\nn = 3\n\n\ndef g(n):\n    return f(n)\n",
        r"`f` reads `n`, which the code around the call at m.py:9 binds",
        id="caller-shadows-a-global",
    ),
    pytest.param(
        "def f(a):\n    return a + k\n\n\nk = 1\nprint([f(i) for k in [2] for i in [k]])\n",
        r"`f` reads `k`",
        id="comprehension-shadows-a-global",
    ),
    pytest.param(
        "def f(a, b=[]):\n    b.append(a)\n    return b\n\n\ndef g():\n    return f(1)\n",
        r"uses the default of `b` \(`\[\]`\), made once",
        id="mutable-default",
    ),
    pytest.param(
        "def f(a, b):\n    return a - b\n\n\nargs = (1, 2)\nprint(f(*args))\n",
        r"passes \*args or \*\*kwargs",
        id="star-args",
    ),
    pytest.param(
        "class A:\n    def f(self):\n        return 1\n\n    def g(self):\n"
        "        return self.f()\n\n\ndef use(thing):\n    return thing.f()\n",
        r"m.py:10 calls `f` on an object of unknown type",
        id="method-called-on-an-unknown-object",
    ),
    pytest.param(
        "def f(*a):\n    return a\n\n\nprint(f(1))\n",
        r"list and keyword arguments",
        id="variadic",
    ),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_refused(tmp_path: Path, text: str, reason: str) -> None:
    line = next(i for i, row in enumerate(text.split("\n")) if "def f" in row)
    column = text.split("\n")[line].index("def f") + 4
    with pytest.raises(RefactorError, match=reason):
        inline_at(tmp_path, text, (line, column))
    assert (tmp_path / "m.py").read_text() == text


INLINED = [
    pytest.param(
        "def f(a, b):\n    return a and b\n\n\ndef g(p, q):\n    return not f(p, q)\n",
        "def g(p, q):\n    return not (p and q)\n",
        ["[m.g(p, q) for p in (0, 1) for q in (0, 2)]"],
        id="not-before-a-boolean",
    ),
    pytest.param(
        "def f(x):\n    return x * 2\n\n\ndef g(p, q):\n    a = f(p + q)\n    return a, f(p) - 1\n",
        "def g(p, q):\n    a = (p + q) * 2\n    return a, p * 2 - 1\n",
        ["m.g(1, 2)"],
        id="argument-precedence",
    ),
    pytest.param(
        "def f(x):\n    return x + x\n\n\ndef g(p):\n    return f(p.pop())\n",
        "def g(p):\n    x = p.pop()\n    return x + x\n",
        ["m.g([1, 2, 3])"],
        id="argument-with-effects-read-twice",
    ),
    pytest.param(
        "def f(a, b):\n    return b - a\n\n\ndef g(p):\n    return f(b=p.pop(), a=p.pop())\n",
        "def g(p):\n    b = p.pop()\n    a = p.pop()\n    return b - a\n",
        ["m.g([1, 5, 20])"],
        id="keyword-arguments-keep-their-order",
    ),
    pytest.param(
        "def f(x, k=1):\n    return x * k\n\n\ndef g(p):\n    a = f(p, k=5)\n    return a + f(p)\n",
        "def g(p):\n    a = p * 5\n    return a + p * 1\n",
        ["m.g(3)"],
        id="defaults-per-call",
    ),
    pytest.param(
        "def f(a):\n    t = a + 1\n    return t\n\n\ndef g(t):\n    return f(t * 2)\n",
        "def g(t):\n    __0__t = t * 2 + 1\n    return __0__t\n",
        ["m.g(4)"],
        id="local-clashes-with-the-caller",
    ),
    pytest.param(
        "def f(x):\n    print(x)\n\n\ndef g(p):\n    y = f(p)\n    return y\n",
        "def g(p):\n    print(p)\n    y = None\n    return y\n",
        ["m.g(7)"],
        id="no-return",
    ),
    pytest.param(
        "class A:\n    k = 3\n\n    @classmethod\n    def f(cls, x):\n        return cls.k - x\n\n"
        "    @staticmethod\n    def g(y):\n        return A.f(y) * 2\n",
        "class A:\n    k = 3\n\n    @staticmethod\n    def g(y):\n        return (A.k - y) * 2\n",
        ["m.A.g(1)"],
        id="classmethod",
    ),
    pytest.param(
        "class A:\n    k = 1\n\n    def f(self, x):\n        return self.k - x\n\n"
        "    def g(self):\n        return self.f(2) * 3\n",
        "class A:\n    k = 1\n\n    def g(self):\n        return (self.k - 2) * 3\n",
        ["m.A().g()"],
        id="method",
    ),
]


@pytest.mark.parametrize(("text", "expected", "runs"), INLINED)
def test_inlined(tmp_path: Path, text: str, expected: str, runs: list[str]) -> None:
    line = next(i for i, row in enumerate(text.split("\n")) if "def f" in row)
    column = text.split("\n")[line].index("def f") + 4
    before = tmp_path / "before"
    before.mkdir()
    (before / "m.py").write_text(text)
    apply_to_disk(inline_at(tmp_path / "after", text, (line, column)))
    assert (tmp_path / "after" / "m.py").read_text() == expected
    assert behaviour(tmp_path / "after", runs) == behaviour(before, runs)


def test_a_definition_is_never_deleted_while_a_call_to_it_remains(tmp_path: Path) -> None:
    """rope deleted idna's ``_punycode`` and left both its calls (a NameError in 54
    tests): whatever rope's changes, a file that read the name must not read it after,
    unless the file binds that name itself."""
    from rope.base.change import ChangeContents, ChangeSet

    from refactor.python.inline import refuse_references_left
    from refactor.python.workspace import PythonWorkspace

    old = "def p(s):\n    return s.upper()\n\n\ndef f(x):\n    return 'a' + p(x)\n"
    other = "from m import p\n\nprint(p('x'))\n"
    own = "def p(s):\n    return s\n\n\nprint(p('x'))\n"
    for name, text in {"m.py": old, "other.py": other, "own.py": own}.items():
        (tmp_path / name).write_text(text)
    before = {str(tmp_path / n): (tmp_path / n).read_text() for n in ("m.py", "other.py")}
    before[str(tmp_path / "own.py")] = own
    workspace = PythonWorkspace(str(tmp_path))
    home = str(tmp_path / "m.py")

    def changes_for(session, contents: dict[str, str]) -> ChangeSet:  # type: ignore[no-untyped-def]
        changes = ChangeSet("inline")
        for name, text in contents.items():
            changes.add_change(ChangeContents(session.resource(str(tmp_path / name)), text))
        return changes

    try:
        half = {"m.py": "def f(x):\n    return 'a' + p(x)\n", "other.py": "print('x'.upper())\n"}
        with pytest.raises(RefactorError, match=r"every use of `p` \(1 left in m.py\)"):
            workspace.run(lambda s: refuse_references_left("p", home, before, changes_for(s, half)))
        import_left = {"m.py": "def f(x):\n    return 'a' + x.upper()\n"}
        with pytest.raises(RefactorError, match=r"1 left in other.py"):
            workspace.run(
                lambda s: refuse_references_left("p", home, before, changes_for(s, import_left))
            )
        done = {**import_left, "other.py": "print('x'.upper())\n"}
        workspace.run(lambda s: refuse_references_left("p", home, before, changes_for(s, done)))
    finally:
        workspace.close()
