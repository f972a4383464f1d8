"""Organize imports and fix all must not change what the code does or exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from refactor.python import imports
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
