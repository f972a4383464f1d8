"""Exit with a Python document open while the import index builds: nothing is sent after
the transport closes (no ``I/O operation on closed file``), and the index database is
closed (no ``-journal`` file left behind)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.raw_lsp import RawServer

CAPABILITIES = {"window": {"workDoneProgress": True}}


def _until(server: RawServer, done: Any) -> None:
    """Read messages (answering the server's requests) until ``done(message)``."""
    while True:
        message = server.read()
        if "method" in message and "id" in message:
            server.send({"id": message["id"], "result": None})
        if done(message):
            return


def _indexing_modules(message: dict[str, Any]) -> bool:
    """Parsing ahead and the workspace files are done; installed modules are next."""
    value = message.get("params", {}).get("value", {}) if message.get("method") else {}
    return message.get("method") == "$/progress" and str(value.get("message")).startswith("modules")


@pytest.mark.parametrize("wait_for_index", [False, True])
def test_exit_while_indexing_is_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait_for_index: bool
) -> None:
    root, cache = tmp_path / "project", tmp_path / "cache"
    (root / "pkg").mkdir(parents=True)
    for number in range(40):
        (root / "pkg" / f"m{number}.py").write_text(f"import os\n\n\ndef f{number}():\n    pass\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    server = RawServer("--log-level", "info")
    server.request(
        "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": CAPABILITIES}
    )
    server.notify("initialized", {})
    path = root / "pkg" / "m1.py"
    server.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": path.as_uri(),
                "languageId": "python",
                "version": 1,
                "text": path.read_text(),
            }
        },
    )
    if wait_for_index:
        _until(server, _indexing_modules)
    code, stderr = server.close()
    errors = [line for line in stderr.splitlines() if " ERROR " in line or "Traceback" in line]
    assert code == 0
    assert errors == []
    assert "closed file" not in stderr
    journals = [
        os.path.join(folder, name)
        for folder, _, names in os.walk(cache)
        for name in names
        if name.endswith("-journal") and os.path.getsize(os.path.join(folder, name))
    ]
    assert journals == []
    if wait_for_index:
        assert list(cache.rglob("*.db")), "the index was written under the cache dir"
    assert sys.executable  # the server ran with this interpreter
