"""Tests that kill mutants which once survived the suite (issue 13): each one fails if
the named line of the product is removed or made a no-op."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.paths import secret_reason
from agent.tools.matching import EditFailed, apply_edit

TABS = "def f():\n\tif a:\n\t\tx = 1\n"
NESTED = "def f():\n    if a:\n        x = 1\n    y = 2\n"


def test_edit_whose_nesting_contradicts_the_file_is_refused() -> None:
    # The model's old_string nests `y = 2` under `x = 1`; in the file it is a sibling
    # of `if a:`. Normalising whitespace must not paper over that.
    old = "  if a:\n    x = 1\n      y = 2\n"
    new = "  if a:\n    x = 2\n      y = 2\n"
    with pytest.raises(EditFailed):
        apply_edit(NESTED, old, new)


def test_deeper_new_lines_take_the_files_tabs() -> None:
    old = "    if a:\n        x = 1\n"
    new = "    if a:\n        x = 1\n        if x:\n            z = 3\n"
    applied = apply_edit(TABS, old, new)
    assert applied.text == "def f():\n\tif a:\n\t\tx = 1\n\t\tif x:\n\t\t\tz = 3\n"
    assert applied.how == "whitespace"


@pytest.mark.parametrize("name", [".ENV", ".Env.Local", "ID_RSA", "Server.PEM", "Prod.KEY"])
def test_secret_names_in_any_case(tmp_path: Path, name: str) -> None:
    assert secret_reason(tmp_path / name) is not None


@pytest.mark.parametrize("name", [".ENV.EXAMPLE", "ID_RSA.PUB"])
def test_public_halves_in_any_case_are_not_secret(tmp_path: Path, name: str) -> None:
    assert secret_reason(tmp_path / name) is None


def test_warm_up_imports_the_sdk_in_a_fresh_process() -> None:
    """Not in this process: an earlier test may have imported the SDK already."""
    code = (
        "import sys\n"
        "from agent.client import warm_up\n"
        "assert 'anthropic' not in sys.modules, 'imported too early'\n"
        "warm_up().join()\n"
        "assert 'anthropic' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
