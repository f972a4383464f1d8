"""A workspace built to hurt: a FIFO and a folder named ``.py``, a symlink loop, a link
to a file outside, a dangling link, binary and NUL-bearing ``.py`` files, a Latin-1
file, CRLF. ``claude-lsp check`` and the agent's Glob and Grep finish, say what they
skipped and why, and read nothing outside the workspace."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.tools import GlobTool, GrepTool
from tests.agent.tools_helpers import call, make_ctx, text_of

OUTSIDE = "OUTSIDE_SECRET_MARKER = 1\n"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    (tmp_path / "outside.py").write_text(OUTSIDE)
    ws = tmp_path / "ws"
    (ws / "pkg").mkdir(parents=True)
    (ws / "pkg" / "ok.py").write_text("import os\nMARKER = 1\n")
    (ws / "loop").symlink_to(".")
    (ws / "pkg" / "back").symlink_to("../pkg")
    (ws / "outside.py").symlink_to(tmp_path / "outside.py")
    (ws / "dangling.py").symlink_to("missing.py")
    os.mkfifo(ws / "fifo.py")
    (ws / "dir.py").mkdir()
    (ws / "blob.py").write_bytes(bytes(range(256)) * 8)
    (ws / "nul.py").write_bytes(b"MARKER = 1\x00\n")
    (ws / "latin.py").write_bytes(b'MARKER = "\xe9t\xe9"\n')
    (ws / "crlf.py").write_bytes(b"import sys\r\nMARKER = 1\r\n")
    return ws


def test_check_finishes_and_reports_what_it_skipped(ws: Path):
    result = subprocess.run(
        [sys.executable, "-m", "server", "check", str(ws)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # problems found, nothing crashed
    assert "pkg/ok.py:1:8: 'os' imported but unused" in result.stdout
    assert "crlf.py:1:8: 'sys' imported but unused" in result.stdout
    assert "skipped" in result.stderr and "blob.py: binary" in result.stderr
    assert "nul.py: binary" in result.stderr and "latin.py: not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
    assert "outside" not in result.stdout + result.stderr
    assert "fifo" not in result.stdout + result.stderr


async def test_glob_and_grep_finish_and_stay_inside(ws: Path):
    ctx = make_ctx(ws)
    found = text_of(await asyncio.wait_for(call(GlobTool(), ctx, pattern="**/*.py"), 60))
    assert "ok.py" in found and "crlf.py" in found
    assert "outside.py" not in found and "fifo.py" not in found
    grep = await asyncio.wait_for(
        call(GrepTool(), ctx, pattern="MARKER", output_mode="files_with_matches"), 60
    )
    hits = text_of(grep)
    assert "ok.py" in hits and "crlf.py" in hits
    assert "outside.py" not in hits and "OUTSIDE_SECRET" not in hits
