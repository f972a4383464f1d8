"""Test-session isolation: caches (rope's import index, the start-up compile cache) go
to a folder of this test session, not the user's ~/.cache."""

from __future__ import annotations

import os
import shutil
import tempfile

# Set at import so every server the tests start (pytest-lsp, raw, editors) inherits it.
_CACHE = tempfile.mkdtemp(prefix="claude-lsp-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE


def pytest_sessionfinish() -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)
