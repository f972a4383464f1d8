"""Organize imports: isort configured from the project's settings, no edit when sorted."""

from __future__ import annotations

from pathlib import Path

import pytest

from refactor.python import imports
from refactor.python.edits import apply_edits
from refactor.python.layout import discover
from refactor.python.organize import organized
from refactor.python.workspace import PythonWorkspace

REPO = Path(__file__).resolve().parents[3]


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _organize(root: Path, text: str) -> str:
    return organized(text, discover(str(root)))


def test_a_tests_typing_folder_does_not_make_typing_local(tmp_path: Path) -> None:
    _write(tmp_path, {"pkg/__init__.py": "", "tests/typing/check.py": "", "tests/conftest.py": ""})
    text = "import pkg\nfrom typing import Any\nimport os\n\nprint(pkg, Any, os)\n"
    assert _organize(tmp_path, text) == (
        "import os\nfrom typing import Any\n\nimport pkg\n\nprint(pkg, Any, os)\n"
    )


def test_first_party_comes_from_the_source_folders(tmp_path: Path) -> None:
    _write(tmp_path, {"src/mypkg/__init__.py": "", "tests/__init__.py": ""})
    text = "import mypkg\nimport requests\nimport sys\n\nprint(mypkg, requests, sys)\n"
    assert _organize(tmp_path, text) == (
        "import sys\n\nimport requests\n\nimport mypkg\n\nprint(mypkg, requests, sys)\n"
    )


LONG = (
    "from collections import "
    + ", ".join(["OrderedDict", "defaultdict", "deque", "namedtuple", "Counter", "ChainMap"] * 2)
    + "\nimport abc\n"
)


@pytest.mark.parametrize(
    ("config", "limit"),
    [
        ({"pyproject.toml": "[tool.ruff]\nline-length = 100\n"}, 100),
        ({"ruff.toml": "line-length = 60\n[lint.isort]\ncombine-as-imports = true\n"}, 60),
        ({"pyproject.toml": "[tool.isort]\nline_length = 70\n"}, 70),
        ({".isort.cfg": "[settings]\nline_length = 50\n"}, 50),
        ({"setup.cfg": "[isort]\nline_length = 65\n"}, 65),
        ({"pyproject.toml": "[tool.black]\nline-length = 90\n"}, 90),
        ({}, 79),
    ],
)
def test_lines_stay_within_the_projects_line_length(
    tmp_path: Path, config: dict[str, str], limit: int
) -> None:
    _write(tmp_path, config)
    result = _organize(tmp_path, LONG)
    assert result.startswith("import abc\n")
    assert max(len(line) for line in result.splitlines()) <= limit
    assert result.count("deque") == 1  # duplicates dropped


def test_ruff_projects_get_black_style_wrapping(tmp_path: Path) -> None:
    _write(tmp_path, {"pyproject.toml": "[tool.ruff]\nline-length = 60\n"})
    result = _organize(tmp_path, LONG)
    assert "from collections import (\n    ChainMap,\n" in result
    assert result.rstrip().endswith("namedtuple,\n)")


@pytest.mark.parametrize(
    "text",
    [
        "# Copyright 2024 Someone\n# Licensed under the MIT licence.\n\n\n\nX = 1\n",
        '"""Only a docstring."""\n\n\n\nprint("hello")\n',
        "",
        # sorted already, but wrapped and spaced the way isort would not write them
        "import os\nimport sys\n\n\nprint(os, sys)\n",
        "from collections import (OrderedDict,\n    defaultdict)\nimport os\n"
        "\nprint(os, OrderedDict, defaultdict)\n".replace("import os\n", ""),
        # isort: skip_file
        "# isort: skip_file\nimport sys\nimport os\n",
    ],
)
def test_nothing_to_sort_means_no_edit(tmp_path: Path, text: str) -> None:
    assert _organize(tmp_path, text) == text


def test_comments_stay_with_their_imports(tmp_path: Path) -> None:
    text = (
        "import sys\n"
        "# json is needed for the wire format\n"
        "import json\n"
        "import os  # for os.sep\n"
        "\nprint(sys, json, os)\n"
    )
    result = _organize(tmp_path, text)
    assert "# json is needed for the wire format\nimport json\n" in result
    assert "import os  # for os.sep\n" in result
    assert result.index("import json") < result.index("import os") < result.index("import sys")


def test_organize_and_fix_all_return_no_edit_on_sorted_files(
    workspace: PythonWorkspace, tmp_path: Path
) -> None:
    path = tmp_path / "mod.py"
    text = "# Licence header\n\n\nimport os\nimport sys\n\n\nprint(os, sys)\n"
    path.write_text(text)
    assert workspace.run(lambda s: imports.organize_imports(s, str(path))).is_empty()
    assert workspace.run(lambda s: imports.fix_all(s, str(path))).is_empty()
    untidy = text.replace("import os\nimport sys", "import sys\nimport os")
    path.write_text(untidy)
    edit = workspace.run(lambda s: imports.organize_imports(s, str(path)))
    assert apply_edits(untidy, edit.changes[str(path)]) == (
        "# Licence header\n\n\nimport os\nimport sys\n\nprint(os, sys)\n"
    )


def test_this_repository_is_sorted_already() -> None:
    """ruff checks our imports (I001): organize must agree and change nothing."""
    layout = discover(str(REPO))
    for folder in ("refactor", "server", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            assert organized(text, layout) == text, path


@pytest.mark.parametrize(
    "text",
    [
        # star imports: which module's ``partial`` wins depends on the order
        "from .itertools import *\n\nfrom .functools import *\n\n"
        "from functools import partial, reduce\n",
        # a shadowed name: the later import wins
        "from json import loads\nfrom ujson import loads\n\nprint(loads)\n",
        "from b import thing as x\nfrom a import x\n\nprint(x)\n",
    ],
)
def test_order_that_decides_a_binding_is_kept(tmp_path: Path, text: str) -> None:
    assert _organize(tmp_path, text) == text


def test_imports_that_bind_different_names_are_still_sorted(tmp_path: Path) -> None:
    text = "import os.path\nimport json\nimport os\n\nprint(os, json)\n"
    assert (
        _organize(tmp_path, text) == "import json\nimport os\nimport os.path\n\nprint(os, json)\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "import os\nfrom __future__ import annotations\n",  # what an inlined import did
        "def f():\n    pass\n\n\nreturn 1\n",
        "break\n",
    ],
)
def test_results_must_compile_not_only_parse(text: str) -> None:
    from refactor.python.edits import syntax_problem

    assert syntax_problem(text, "/ws/mod.py") is not None
    assert syntax_problem("from __future__ import annotations\nimport os\n") is None
