"""Fixtures for the Python engine tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from refactor.python.workspace import PythonWorkspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[PythonWorkspace]:
    python_workspace = PythonWorkspace(str(tmp_path))
    yield python_workspace
    python_workspace.close()
