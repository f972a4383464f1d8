"""Organize imports and fix all must not change what the code does or exports."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from refactor.python import imports
from refactor.python.checks import check, remove_unused_imports
from refactor.python.edits import apply_edits
from refactor.python.workspace import PythonWorkspace


def _organize(workspace: PythonWorkspace, path: Path, text: str) -> str:
    path.write_text(text)
    edit = workspace.run(lambda s: imports.organize_imports(s, str(path)), timeout=60)
    result = apply_edits(text, edit.changes.get(str(path), []))
    again = workspace.run(lambda s: imports.fix_text(s, str(path), result), timeout=60)
    assert again == result  # fix all then organize again: idempotent
    return result


@pytest.mark.parametrize(
    "text",
    [
        "import sys\nsys.path.insert(0, 'vendor')\nimport vendored\n\nprint(vendored)\n",
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n\nplt.x\n",
        "try:\n    import json\nexcept ImportError:\n    json = None\n"
        "import os\n\nprint(os, json)\n",
    ],
)
def test_organize_never_hoists_an_import_above_code(
    workspace: PythonWorkspace, tmp_path: Path, text: str
) -> None:
    assert _organize(workspace, tmp_path / "mod.py", text) == text


def test_organize_sorts_the_leading_block_only(workspace: PythonWorkspace, tmp_path: Path) -> None:
    text = (
        '"""Doc."""\n'
        "from __future__ import annotations\n"
        "\n"
        "import sys\n"
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "\n"
        "if TYPE_CHECKING:\n"
        "    import abc\n"
        "\n"
        "import json\n"
        "\n"
        "print(os, sys, json, abc)\n"
    )
    expected = text.replace("import sys\nimport os\n", "import os\nimport sys\n")
    assert _organize(workspace, tmp_path / "mod.py", text) == expected


def _fixed(text: str, path: str = "/ws/mod.py") -> str:
    return apply_edits(text, remove_unused_imports(text, path=path))


def test_fix_all_keeps_imports_used_in_type_comments() -> None:
    text = (
        "import typing\n"
        "from os import path as p\n"
        "import collections.abc\n"
        "import json\n"
        "x = []  # type: typing.List[p.Any]\n"
        "def f(a):\n"
        "    # type: (collections.abc.Sized) -> None  # a note\n"
        "    pass\n"
        "y = 1  # type: ignore[json]\n"
    )
    assert [p.name for p in check("mod.py", text) if p.code == "UnusedImport"] == ["json"]
    assert _fixed(text) == text.replace("import json\n", "")


def test_fix_all_keeps_reexports() -> None:
    text = "from os import *\nimport json as json\nfrom x import y as y\nimport sys\n"
    assert _fixed(text) == "from os import *\nimport json as json\nfrom x import y as y\n"
    # the quick fix on one diagnostic still removes what the user picked
    assert "from x" not in apply_edits(text, remove_unused_imports(text, {"x.y"}))


def _bindings(text: str) -> set[tuple[str | None, str, str | None]]:
    """(module, name, alias) for every name the imports of ``text`` bind."""
    found: set[tuple[str | None, str, str | None]] = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found |= {(module, a.name, a.asname) for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {(None, a.name, a.asname) for a in node.names}
    return found


def test_fix_all_keeps_a_package_init_api(workspace: PythonWorkspace, tmp_path: Path) -> None:
    """Every module-level import of an ``__init__.py`` is the package's API: toolz's
    ``from functools import partial, reduce`` is ``toolz.partial``, which its own
    ``toolz.curried`` reads (removing it broke the import of the whole package)."""
    init = tmp_path / "pkg" / "__init__.py"
    init.parent.mkdir()
    text = (
        "import os\n"
        "from functools import partial, reduce\n"
        "from . import sub\n"
        "from .models import Model as Model, Other\n"
        "from pkg.helpers import helper\n"
        "import pkg.extra\n"
        "try:\n"
        "    from json import loads\n"
        "except ImportError:\n"
        "    loads = None\n"
        "if os.name:\n"
        "    import sys\n"
        "\n"
        "\n"
        "def version():\n"
        "    import platform\n"
        "\n"
        "    return 1\n"
    )
    init.write_text(text)
    edit = workspace.run(lambda s: imports.fix_all(s, str(init)), timeout=60)
    result = apply_edits(text, edit.changes.get(str(init), []))
    assert "import platform" not in result  # inside a function: not the package's API
    # organized too (isort splits ``Model as Model, Other``): compare the bindings kept
    assert _bindings(result) == _bindings(text)
    for kept in ("from functools import partial, reduce", "    import sys", "import os"):
        assert kept in result
    plain = "from .models import Model\nimport os\n"
    assert _fixed(plain, str(tmp_path / "pkg" / "mod.py")) == ""


def test_the_import_index_leaves_out_files_too_large_to_parse(
    workspace: PythonWorkspace, tmp_path: Path
) -> None:
    """A generated 1 MB+ module is not parsed whole into the autoimport index (a 50 MB
    one took 8 GB); a normal module next to it is indexed."""
    from refactor.python.imports import INDEX_MAX_BYTES, _autoimport, _index_chunk

    (tmp_path / "small_mod.py").write_text("def small_helper():\n    pass\n")
    filler = "# generated\n" * (INDEX_MAX_BYTES // 12 + 1)
    (tmp_path / "giant_mod.py").write_text("def giant_helper():\n    pass\n" + filler)

    def index_and_ask(session: Any) -> tuple[list[str], list[str]]:
        files = sorted(session.project.get_python_files(), key=lambda r: str(r.path))
        _index_chunk("files", files, 1, 1, None)(session)
        autoimport = _autoimport(session)
        return autoimport.get_modules("small_helper"), autoimport.get_modules("giant_helper")

    small, giant = workspace.run(index_and_ask)
    assert small == ["small_mod"]
    assert giant == []
    # An editor buffer that grows past the limit: rope's change observer would parse it
    # whole (on the worker thread, holding the GIL against the event loop); it is
    # dropped from the index instead.
    grown = "def small_helper():\n    pass\n" + filler
    workspace.set_buffer(str(tmp_path / "small_mod.py"), grown)
    assert workspace.run(lambda s: _autoimport(s).get_modules("small_helper")) == []
    workspace.set_buffer(str(tmp_path / "small_mod.py"), None)
    workspace.files_changed([str(tmp_path / "small_mod.py")])
    assert workspace.run(lambda s: _autoimport(s).get_modules("small_helper")) == ["small_mod"]
