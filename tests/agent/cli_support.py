"""Shared set-up for the ``claude-lsp chat`` tests of the extension features (hooks,
commands, MCP): a workspace, the environment pointing at the loopback API, and the
in-process CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import main
from agent.session import SessionStore
from tests.agent.conftest import API_KEY
from tests.agent.fake_api import FakeAnthropic

USD = (100 * 2 + 20 * 10) / 1e6  # one default Reply on claude-sonnet-5-5


def make_ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in ("ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX",
                 "ANTHROPIC_MODEL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return workspace


def chat(ws: Path, *args: str) -> int:
    return main(["chat", "--cwd", str(ws), *args])


def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "data" / "claude-lsp" / "sessions")
