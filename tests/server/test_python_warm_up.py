"""Cold start (issue 9, item 9): the work a first rename would otherwise wait for starts
earlier. rope is imported right after ``initialized`` in a Python project (and only
there), and the first Python document opens the rope project at once, without waiting
for the client to accept the import index's progress token."""

from __future__ import annotations

import os
import queue
import sys
import threading
from pathlib import Path

import pytest

from server.python import warm_up
from tests.raw_lsp import RawServer


@pytest.mark.parametrize(
    "marker", ["pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "main.py"]
)
def test_a_python_project_imports_rope_ahead(tmp_path: Path, marker: str) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / marker).write_text("")
    thread = warm_up([str(tmp_path / "other"), str(tmp_path / "project")])
    assert thread is not None
    thread.join(60)
    assert not thread.is_alive()
    assert "rope.refactor.rename" in sys.modules


def test_other_folders_import_nothing(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# notes\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("")  # not at the top: not looked for
    assert warm_up([str(tmp_path), str(tmp_path / "missing")]) is None
    assert warm_up([]) is None


def test_the_first_document_opens_the_project_before_any_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "project"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "core.py").write_text("def shared():\n    return 1\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    server = RawServer("--log-level", "info")
    lines: queue.Queue[str] = queue.Queue()

    def read_stderr() -> None:
        assert server.proc.stderr is not None
        for raw in server.proc.stderr:
            lines.put(raw.decode("utf-8", "replace"))

    threading.Thread(target=read_stderr, daemon=True).start()
    try:
        # A client that supports progress but never answers the token request.
        capabilities = {"window": {"workDoneProgress": True}}
        server.request(
            "initialize",
            {"processId": None, "rootUri": root.as_uri(), "capabilities": capabilities},
        )
        server.notify("initialized", {})
        path = root / "pkg" / "core.py"
        item = {"uri": path.as_uri(), "languageId": "python", "version": 1}
        server.notify("textDocument/didOpen", {"textDocument": {**item, "text": path.read_text()}})
        seen = []
        while True:
            line = lines.get(timeout=60)  # queue.Empty fails the test
            seen.append(line)
            if "Python workspace " + os.path.realpath(root) in line:
                break
        assert "interpreter" in seen[-1]
    finally:
        server.proc.kill()
        server.proc.wait()
