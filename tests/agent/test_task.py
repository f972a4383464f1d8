"""Subagents through ``claude-lsp chat -p``: two Task calls of one message run
concurrently with read-only tools; a definition from ``.claude/agents`` with its own
tools, model and prompt; their costs in the session's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cost import Usage, price_for, request_cost
from tests.agent.cli_support import USD, chat, make_ws, store
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = make_ws(tmp_path, fake, monkeypatch)
    (workspace / "a.txt").write_text("alpha\n")
    return workspace


def test_two_subagents_run_concurrently_with_read_only_tools(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    task = {"description": "read a", "prompt": "What does a.txt say?"}
    fake.script(
        Reply([ToolUse("Task", task), ToolUse("Task", {**task, "description": "again"})]),
        Reply([ToolUse("Read", {"file_path": "a.txt"})], delay=0.05),
        Reply([ToolUse("Read", {"file_path": "a.txt"})], delay=0.05),
        Reply([Text("It says alpha.")]),
        Reply([Text("It says alpha.")]),
        Reply([Text("Both say alpha.")]),
    )

    code = chat(ws, "-p", "ask two helpers", "--output-format", "stream-json")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and lines[-1]["result"] == "Both say alpha."
    requests = fake.messages_requests
    # Both subagents asked before either asked again: they ran at the same time.
    assert [len(r["messages"]) for r in requests] == [1, 1, 1, 3, 3, 3]
    for sub in requests[1:5]:
        assert sub["messages"][0]["content"][0]["text"] == "What does a.txt say?"
        assert {t["name"] for t in sub["tools"]} == {"Read", "Glob", "Grep", "Diagnostics",
                                                    "Symbols"}  # fmt: skip
    results = requests[5]["messages"][-1]["content"]
    assert [r["content"] for r in results] == ["It says alpha.", "It says alpha."]
    sub_calls = [line for line in lines if line["type"] == "tool_call" and "subagent" in line]
    assert [c["name"] for c in sub_calls] == ["Read", "Read"]
    assert lines[-1]["total_cost_usd"] == pytest.approx(6 * USD)
    (saved,) = store(tmp_path).list()
    assert store(tmp_path).load(saved["id"]).cost_usd == pytest.approx(6 * USD)
    assert "Task" in next(line for line in lines if line["type"] == "system")["tools"]


def test_a_defined_subagent_with_its_tools_model_and_prompt(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    agents = ws / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "scribe.md").write_text(
        "---\nname: scribe\ndescription: Writes notes\ntools: Read, Write\nmodel: haiku\n---\n"
        "You write short notes into files.\n"
    )
    fake.script(
        Reply(
            [
                ToolUse(
                    "Task", {"description": "note", "prompt": "Note it", "subagent_type": "scribe"}
                )
            ]
        ),
        Reply([ToolUse("Write", {"file_path": "note.md", "content": "noted\n"})]),
        Reply([ToolUse("Bash", {"command": "touch hacked"})]),
        Reply([Text("Written.")]),
        Reply([Text("The scribe wrote note.md.")]),
    )

    code = chat(
        ws, "-p", "take a note", "--permission-mode", "acceptEdits", "--output-format", "json"
    )

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "The scribe wrote note.md."
    assert (ws / "note.md").read_text() == "noted\n" and not (ws / "hacked").exists()
    sub = fake.messages_requests[1]
    assert sub["model"].startswith("claude-haiku-")
    assert "You write short notes into files." in sub["system"][0]["text"]
    assert {t["name"] for t in sub["tools"]} == {"Read", "Write"}
    bash = fake.messages_requests[3]["messages"][-1]["content"][0]
    assert bash["is_error"] and "No such tool: Bash" in bash["content"]
    task_result = fake.messages_requests[4]["messages"][-1]["content"][0]
    assert task_result["content"] == "Written."
    price = price_for(sub["model"], None)
    assert price is not None
    haiku = 3 * request_cost(Usage(input_tokens=100, output_tokens=20), price)
    assert result["total_cost_usd"] == pytest.approx(2 * USD + haiku)
