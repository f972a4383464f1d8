"""Shared set-up for the MCP tests through ``claude-lsp chat -p``: a workspace whose
``.mcp.json`` names real test servers (tests/agent/mcp/server.py), and readers of what
the model was sent."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.trust import trust
from tests.agent.cli_support import make_ws
from tests.agent.fake_api import FakeAnthropic

SERVER = Path(__file__).with_name("mcp") / "server.py"


def mcp_ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace for ``chat``, whose test servers log their starts to ``tmp_path``."""
    workspace = make_ws(tmp_path, fake, monkeypatch)
    monkeypatch.setenv("MCP_LOG_DIR", str(tmp_path))
    monkeypatch.setenv("MCP_TIMEOUT", "120000")  # a loaded test machine starts them slowly
    return workspace


def servers(ws: Path, approved: list[str] | None = None, **modes: str) -> None:
    """``.mcp.json`` with one test server per name (mode calc or silent)."""
    entries = {
        name: {
            "command": sys.executable,
            "args": [str(SERVER), mode],
            "env": {"MCP_TEST_LOG": "${MCP_LOG_DIR}/" + name + ".log"},
        }
        for name, mode in modes.items()
    }
    (ws / ".mcp.json").write_text(json.dumps({"mcpServers": entries}))
    settings = {"enabledMcpjsonServers": list(modes) if approved is None else approved}
    (ws / ".claude").mkdir(exist_ok=True)
    (ws / ".claude" / "settings.json").write_text(json.dumps(settings))
    trust(ws)  # a repository's approval of its own servers counts only when trusted


def starts(tmp_path: Path, name: str) -> int:
    log = tmp_path / f"{name}.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def result_of(fake: FakeAnthropic, request: int) -> dict[str, Any]:
    [block] = [
        b for b in fake.messages_requests[request]["messages"][-1]["content"]
        if b.get("type") == "tool_result"
    ]  # fmt: skip
    return block


def text(block: dict[str, Any]) -> str:
    content = block["content"]
    return content if isinstance(content, str) else " ".join(c.get("text", "") for c in content)


def tool_names(fake: FakeAnthropic, request: int = 0) -> list[str]:
    return [t["name"] for t in fake.messages_requests[request].get("tools", [])]
