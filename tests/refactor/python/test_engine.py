"""Engine behaviour beyond the fixtures: refusals, buffers, newlines, cancellation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from refactor.python.actions import list_refactors
from refactor.python.checks import check, remove_unused_imports
from refactor.python.edits import Cancelled, RefactorError, apply_edits, diff_edits
from refactor.python.refactors import Refactoring, compute
from refactor.python.rename import prepare_rename, rename
from refactor.python.workspace import PythonWorkspace
from refactor.text import Position, Range

SHOP = (
    "def total(items, tax):\n"
    "    pieces = []\n"
    "    pieces.append(tax)\n"
    "    subtotal = sum(items)\n"
    "    return subtotal * (1 + tax), pieces\n"
)


def _at(line: int, col: int, end_line: int | None = None, end_col: int | None = None) -> Range:
    end = Position(line if end_line is None else end_line, col if end_col is None else end_col)
    return Range(Position(line, col), end)


def _titles(text: str, selection: Range) -> list[str]:
    return [o.title for o in list_refactors("/ws/shop.py", text, selection)]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_no_inline_for_a_mutated_list() -> None:
    # pylsp-rope offered this and produced `[].append(tax)`
    assert not any(t.startswith("Inline") for t in _titles(SHOP, _at(1, 5)))
    assert "Inline variable `subtotal`" in _titles(SHOP, _at(3, 5))


def test_extract_needs_an_expression_or_statements() -> None:
    assert _titles(SHOP, _at(4, 20, 4, 23)) == []  # "* (" is not an expression
    assert "Extract variable" in _titles(SHOP, _at(4, 23, 4, 30))  # partial line: 1 + tax
    assert "Extract method" in _titles(SHOP, _at(1, 0, 2, 22))  # whole statements


def test_a_file_that_does_not_parse(workspace: PythonWorkspace, tmp_path: Path) -> None:
    broken = "def f(:\n    x = 1\n"
    assert list_refactors(str(tmp_path / "b.py"), broken, _at(1, 4)) == []
    _write(tmp_path, {"b.py": broken})
    refactoring = Refactoring(
        "inline", "Inline", "refactor.inline", str(tmp_path / "b.py"), _at(1, 4)
    )
    with pytest.raises(RefactorError, match="does not parse"):
        workspace.run(lambda s: compute(s, refactoring))
    with pytest.raises(RefactorError, match="does not parse"):
        workspace.run(lambda s: rename(s, str(tmp_path / "b.py"), Position(1, 4), "y"))


def test_rename_refusals(workspace: PythonWorkspace, tmp_path: Path) -> None:
    _write(tmp_path, {"m.py": "def f(a):\n    b = 1\n    return len(a) + b\n"})
    path = str(tmp_path / "m.py")
    with pytest.raises(RefactorError, match="builtin"):
        prepare_rename((tmp_path / "m.py").read_text(), Position(2, 12))
    with pytest.raises(RefactorError, match="keyword"):
        prepare_rename((tmp_path / "m.py").read_text(), Position(2, 5))
    with pytest.raises(RefactorError, match="already exists"):
        workspace.run(lambda s: rename(s, path, Position(1, 4), "a"))
    with pytest.raises(RefactorError, match="not a valid"):
        workspace.run(lambda s: rename(s, path, Position(1, 4), "class"))
    assert (tmp_path / "m.py").read_text().startswith("def f(a):")


def test_rename_sees_unsaved_buffers(workspace: PythonWorkspace, tmp_path: Path) -> None:
    _write(tmp_path, {"lib.py": "def old():\n    return 1\n", "app.py": "import lib\n"})
    buffer = "import lib\n\nprint(lib.old())\n"  # the editor's unsaved text
    workspace.set_buffer(str(tmp_path / "app.py"), buffer)
    edit = workspace.run(lambda s: rename(s, str(tmp_path / "lib.py"), Position(0, 5), "new"))
    assert apply_edits(buffer, edit.changes[str(tmp_path / "app.py")]) == (
        "import lib\n\nprint(lib.new())\n"
    )
    assert (tmp_path / "app.py").read_text() == "import lib\n"  # nothing written
    workspace.set_buffer(str(tmp_path / "app.py"), None)  # closed: the disk is truth again
    edit = workspace.run(lambda s: rename(s, str(tmp_path / "lib.py"), Position(0, 5), "new"))
    assert list(edit.changes) == [str(tmp_path / "lib.py")]


def test_rename_skips_files_that_do_not_parse(workspace: PythonWorkspace, tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "lib.py": "def old():\n    return 1\n",
            "a.py": "from lib import old\nold()\n",
            "z.py": "old(\n",
        },
    )
    edit = workspace.run(lambda s: rename(s, str(tmp_path / "lib.py"), Position(0, 5), "new"))
    assert sorted(edit.changes) == [str(tmp_path / "a.py"), str(tmp_path / "lib.py")]


def test_rename_skips_files_that_vanished(workspace: PythonWorkspace, tmp_path: Path) -> None:
    _write(
        tmp_path, {"lib.py": "def old():\n    return 1\n", "a.py": "from lib import old\nold()\n"}
    )
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    edit = workspace.run(lambda s: rename(s, str(tmp_path / "lib.py"), Position(0, 5), "new"))
    assert sorted(edit.changes) == [str(tmp_path / "a.py"), str(tmp_path / "lib.py")]


def test_crlf_files_keep_crlf() -> None:
    edits = diff_edits("a = 1\nb = 2\n", "a = 1\nc = 2\nd = 3\n", "\r\n")
    assert all("\n" not in e.new_text or "\r\n" in e.new_text for e in edits)


def test_inline_refuses_two_calls_in_one_statement(
    workspace: PythonWorkspace, tmp_path: Path
) -> None:
    _write(tmp_path, {"u.py": "def d(x):\n    return x * 2\n\n\nprint(d(1) + d(2))\n"})
    refactoring = Refactoring(
        "inline", "Inline", "refactor.inline", str(tmp_path / "u.py"), _at(0, 4)
    )
    with pytest.raises(RefactorError, match="twice in one statement"):
        workspace.run(lambda s: compute(s, refactoring))


def test_refactor_that_changes_nothing_is_refused(
    workspace: PythonWorkspace, tmp_path: Path
) -> None:
    _write(tmp_path, {"u.py": "def square(x):\n    return x * x\n"})
    refactoring = Refactoring(
        "use_function", "Use", "refactor.rewrite", str(tmp_path / "u.py"), _at(0, 5)
    )
    with pytest.raises(RefactorError, match="changes nothing"):
        workspace.run(lambda s: compute(s, refactoring))
    assert "Use function" not in " ".join(_titles("def square(x):\n    return x * x\n", _at(0, 5)))


def test_cancel_and_progress(workspace: PythonWorkspace, tmp_path: Path) -> None:
    files = {f"m{i}.py": f"from lib import old\nold({i})\n" for i in range(30)}
    _write(tmp_path, {"lib.py": "def old(x):\n    return x\n", **files})
    seen: list[tuple[str, str | None, int | None]] = []
    gate = threading.Event()
    blocker = workspace.submit(lambda s: gate.wait(10))
    cancelled = workspace.submit(lambda s: rename(s, str(tmp_path / "lib.py"), Position(0, 5), "a"))
    cancelled.cancel()
    job = workspace.submit(
        lambda s: rename(s, str(tmp_path / "lib.py"), Position(0, 5), "new"),
        lambda *args: seen.append(args),
    )
    gate.set()
    blocker.result(10)
    with pytest.raises((Cancelled, Exception)):
        cancelled.result(10)
    assert len(job.result(30).changes) == 31
    assert seen and seen[-1][2] == 100


def test_pyflakes_and_unused_import_fix() -> None:
    text = "import os, sys\nfrom json import dumps as d\nprint(sys.argv, missing)\n"
    codes = [(p.code, p.name) for p in check("t.py", text)]
    assert codes == [
        ("UnusedImport", "os"),
        ("UnusedImport", "json.dumps as d"),
        ("UndefinedName", "missing"),
    ]
    fixed = apply_edits(text, remove_unused_imports(text))
    assert fixed == "import sys\nprint(sys.argv, missing)\n"
    assert remove_unused_imports(fixed) == []


def test_jobs_after_close_are_refused_not_lost(tmp_path: Path) -> None:
    workspace = PythonWorkspace(str(tmp_path))
    queued = [workspace.submit(lambda s: 1) for _ in range(20)]
    workspace.close()
    for job in queued:  # each either ran or was cancelled: none is left waiting
        assert job.future.done()
    with pytest.raises(RefactorError, match="closed"):
        workspace.submit(lambda s: 1)
