"""Removing unused imports: availability probes stay, trailing comments go."""

from __future__ import annotations

import pytest

from refactor.python.checks import remove_unused_imports
from refactor.python.edits import apply_edits


def _fixed(text: str, names: set[str] | None = None) -> str:
    return apply_edits(text, remove_unused_imports(text, names))


@pytest.mark.parametrize(
    "handler",
    [
        "except ImportError:",
        "except ModuleNotFoundError:",
        "except (OSError, ImportError):",
        "except builtins.ImportError:",
        "except Exception:",
        "except:",
    ],
)
def test_a_probe_is_never_removed(handler: str) -> None:
    text = f"try:\n    import readline\n{handler}\n    readline = None\n"
    assert remove_unused_imports(text) == []
    assert remove_unused_imports(text, {"readline"}) == []  # the quick fix neither


def test_fallback_imports_in_the_handler_and_else_stay() -> None:
    text = (
        "try:\n    import json\nexcept ImportError:\n    import simplejson as json\n"
        "else:\n    import os\n"
    )
    assert remove_unused_imports(text) == []


def test_a_probe_nested_in_a_block_stays() -> None:
    text = "try:\n    if True:\n        import termios\nexcept ImportError:\n    pass\n"
    assert remove_unused_imports(text) == []


def test_other_handlers_do_not_protect() -> None:
    text = "try:\n    import zlib\nexcept KeyError:\n    pass\n"
    assert _fixed(text) == "try:\n    pass\nexcept KeyError:\n    pass\n"
    text = "try:\n    import zlib\n    import gzip\nfinally:\n    print(1)\n"
    assert _fixed(text) == "try:\n    pass\nfinally:\n    print(1)\n"


def test_a_function_inside_the_try_is_its_own_scope() -> None:
    text = (
        "try:\n    def f():\n        import os\n        return 1\nexcept ImportError:\n    pass\n"
    )
    assert _fixed(text) == "try:\n    def f():\n        return 1\nexcept ImportError:\n    pass\n"


def test_the_trailing_comment_goes_with_the_statement() -> None:
    assert _fixed("import os  # the OS\nimport sys\nsys.exit()\n") == "import sys\nsys.exit()\n"
    text = "if True:\n    import os  # only here\n"
    assert _fixed(text) == "if True:\n    pass\n"
    assert "#" not in _fixed("def f():\n    import os  # noqa\n", {"os"})


def test_an_else_branch_is_its_own_block() -> None:
    text = "if a:\n    import os\nelse:\n    import sys\n    print(1)\n"
    assert _fixed(text) == "if a:\n    pass\nelse:\n    print(1)\n"


def test_a_block_emptied_by_several_removals_keeps_one_pass() -> None:
    text = "def f():\n    import os\n    import sys  # x\n    from json import dumps\n"
    assert _fixed(text) == "def f():\n    pass\n"


def test_statements_sharing_a_line_keep_their_comment() -> None:
    text = "x = 1; import os  # about x\nprint(x)\n"
    assert _fixed(text) == "x = 1; pass  # about x\nprint(x)\n"
