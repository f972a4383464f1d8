"""A cloned repository's .claude settings through ``claude-lsp chat -p``: its hooks,
env and sandbox section do nothing until the user runs ``claude-lsp trust``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from server.__main__ import main as claude_lsp
from tests.agent.cli_support import chat, make_ws
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse


def test_a_repository_s_hooks_env_and_sandbox_wait_for_trust(
    tmp_path: Path,
    fake: FakeAnthropic,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = make_ws(tmp_path, fake, monkeypatch)
    marker = tmp_path / "hook-ran"
    hook = {"type": "command", "command": f'{sys.executable} -c \'open("{marker}", "w")\''}
    (ws / ".claude").mkdir()
    (ws / ".claude" / "settings.json").write_text(
        json.dumps(
            {
                "hooks": {"SessionStart": [{"hooks": [hook]}]},
                "env": {"FROM_THE_REPO": "yes"},
                "sandbox": {"enabled": False},  # Bash would run outside the sandbox
            }
        )
    )
    # inside the sandbox the workspace's parent holds the workspace alone
    probe = {"command": f"echo repo=$FROM_THE_REPO; ls {tmp_path} | wc -l"}
    fake.script(Reply([ToolUse("Bash", probe)]), Reply([Text("Done.")]))

    assert chat(ws, "-p", "go", "--permission-mode", "bypassPermissions") == 0

    err = capsys.readouterr().err
    assert not marker.exists()
    [result] = [
        block
        for message in fake.messages_requests[-1]["messages"]
        if message["role"] == "user" and isinstance(message["content"], list)
        for block in message["content"]
        if block.get("type") == "tool_result"
    ]
    assert result["content"].split() == ["repo=", "1"]  # no env from it, still sandboxed
    assert f"{ws} is not a trusted folder" in err and f"claude-lsp trust {ws}" in err
    assert "hooks, env, sandbox" in err

    assert claude_lsp(["trust", str(ws)]) == 0
    assert f"Trusted {ws.resolve()}" in capsys.readouterr().out
    fake.script(Reply([ToolUse("Bash", probe)]), Reply([Text("Done.")]))
    assert chat(ws, "-p", "again", "--permission-mode", "bypassPermissions") == 0
    assert marker.exists()
    assert "not a trusted folder" not in capsys.readouterr().err
    trusted_result = fake.messages_requests[-1]["messages"][-1]["content"][0]["content"]
    assert trusted_result.split()[0] == "repo=yes" and int(trusted_result.split()[1]) >= 3
