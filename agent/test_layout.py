"""How a project keeps its tests: the test files there are, the framework they use, and
the test file that already covers a module (for "Write tests")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from refactor.files import read_text, walk

MAX_LISTED = 80
MAX_EXAMPLE_CHARS = 6_000
_SKIP = frozenset({".venv", "venv", "node_modules", "__pycache__", ".tox", "site-packages"})
_TEST_NAME = re.compile(r"^(test_.*|.*_test)\.py$")


@dataclass
class TestLayout:
    files: list[str]  # relative POSIX paths
    framework: str  # "pytest" or "unittest"
    related: str | None  # the test file for the module, if one exists
    example: str  # its text (or another test file's, as a model of the style)
    example_path: str | None

    def describe(self) -> str:
        listed = "\n".join(self.files[:MAX_LISTED]) or "(no test files yet)"
        more = f"\n[… {len(self.files) - MAX_LISTED} more]" if len(self.files) > MAX_LISTED else ""
        parts = [f"Framework: {self.framework}", f"Test files:\n{listed}{more}"]
        if self.related:
            parts.append(f"The existing test file for this module: {self.related}")
        return "\n\n".join(parts)


def test_layout(root: Path, source: Path) -> TestLayout:
    """Blocking (walks the workspace): call it on a worker thread."""
    files = [p for p in walk(root, skip=_SKIP) if _TEST_NAME.match(p.name)]
    relative = [p.relative_to(root).as_posix() for p in files]
    stem = source.stem
    related_path = next(
        (p for p in files if p.name in (f"test_{stem}.py", f"{stem}_test.py")), None
    )
    example_path = related_path or (files[0] if files else None)
    example = ""
    if example_path is not None:
        example = (read_text(example_path, 1_000_000) or "")[:MAX_EXAMPLE_CHARS]
    uses_pytest = "pytest" in example or not example or _pytest_configured(root)
    framework = "pytest" if uses_pytest and "unittest.TestCase" not in example else "unittest"
    return TestLayout(
        files=relative,
        framework=framework,
        related=related_path.relative_to(root).as_posix() if related_path else None,
        example=example,
        example_path=example_path.relative_to(root).as_posix() if example_path else None,
    )


def _pytest_configured(root: Path) -> bool:
    for name in ("pyproject.toml", "setup.cfg", "pytest.ini", "tox.ini"):
        text = read_text(root / name, 1_000_000)
        if text and "pytest" in text:
            return True
    return False
