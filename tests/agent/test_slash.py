"""Slash commands through ``claude-lsp chat``: custom commands with arguments, ``@file``
and ``!`cmd` `` under the permission rules, ``allowed-tools`` and ``model`` for one turn,
and the built-ins that answer without the model (or, ``/compact``, with one request)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from agent.cli import main
from agent.trust import trust
from tests.agent.cli_support import USD, chat, make_ws, store
from tests.agent.fake_api import FakeAnthropic, Reply, Text


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_ws(tmp_path, fake, monkeypatch)


def command(ws: Path, name: str, text: str) -> None:
    path = ws / ".claude" / "commands" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def sent(fake: FakeAnthropic, request: int = -1) -> str:
    content = fake.messages_requests[request]["messages"][-1]["content"]
    return "\n".join(b["text"] for b in content if b.get("type") == "text")


def test_custom_command_with_arguments_file_and_shell(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "src").mkdir()
    (ws / "src" / "app.py").write_text("def main():\n    return 1\n")
    (ws / ".env").write_text("TOKEN=secret\n")
    command(
        ws,
        "review",
        "---\ndescription: Review a file\nargument-hint: FILE FOCUS\n---\n"
        "Review @$1 with a focus on $2.\nBranch: !`echo main-branch`\n"
        "Touched: !`touch marker`\nAlso @.env please. All: $ARGUMENTS\n",
    )
    # Bash in the sandbox runs unasked; a deny rule still keeps a `!` line from running
    settings = ws / ".claude" / "settings.json"
    settings.write_text(json.dumps({"permissions": {"deny": ["Bash(touch:*)"]}}))
    fake.script(Reply([Text("Looks fine.")]))

    code = chat(ws, "-p", "/review src/app.py speed", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "Looks fine."
    text = sent(fake)
    assert text.startswith("Review @src/app.py with a focus on speed.\nBranch: main-branch\n")
    assert "All: src/app.py speed" in text
    assert '<file path="src/app.py">\ndef main():\n    return 1\n</file>' in text
    # Not allowed without asking: not run. A secret: not attached.
    assert "(`touch marker` not run:" in text and not (ws / "marker").exists()
    assert "TOKEN=secret" not in text and '<file path=".env">not attached' in text
    assert result["total_cost_usd"] == pytest.approx(USD)


def test_allowed_tools_and_model_hold_for_the_command_turn_only(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    command(
        ws,
        "git/mark",
        "---\nallowed-tools: Bash(touch marker), Write\nmodel: claude-haiku-5-5\n---\n"
        "Marked: !`touch marker`\nWrite notes.md.\n",
    )
    from tests.agent.fake_api import ToolUse

    fake.script(
        Reply([ToolUse("Write", {"file_path": "notes.md", "content": "n\n"})]),
        Reply([Text("Written.")]),
        Reply([ToolUse("Write", {"file_path": "other.md", "content": "o\n"})]),
        Reply([Text("Could not.")]),
    )

    assert chat(ws, "-p", "/git:mark") == 0
    assert (ws / "marker").exists() and (ws / "notes.md").read_text() == "n\n"
    assert [r["model"] for r in fake.messages_requests] == ["claude-haiku-5-5"] * 2
    # The next prompt: the session's model again, and Write asks (denied headless).
    assert chat(ws, "--continue", "-p", "write other.md") == 0
    assert not (ws / "other.md").exists()
    assert fake.messages_requests[-1]["model"] == "claude-sonnet-5-5"
    (saved,) = store(tmp_path).list()
    assert saved["model"] == "claude-sonnet-5-5"


def test_builtins_answer_without_the_model(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    command(ws, "greet", "---\ndescription: Greet someone\nargument-hint: NAME\n---\nHi $1\n")
    fake.script(Reply([Text("Hello.")]))
    assert chat(ws, "-p", "hello") == 0
    capsys.readouterr()

    assert chat(ws, "--continue", "-p", "/cost", "--output-format", "json") == 0
    cost = json.loads(capsys.readouterr().out)
    assert cost["num_turns"] == 0 and cost["cost_usd"] == 0
    assert f"${USD:.4f} in all" in cost["result"]

    assert chat(ws, "--continue", "-p", "/model claude-opus-5-5") == 0
    assert "Model set to claude-opus-5-5." in capsys.readouterr().out
    assert chat(ws, "--continue", "-p", "/help") == 0
    help_text = capsys.readouterr().out
    assert "/compact [focus] — " in help_text and "/greet NAME — Greet someone" in help_text
    assert len(fake.messages_requests) == 1

    fake.script(Reply([Text("Bonjour.")]))
    assert chat(ws, "--continue", "-p", "again") == 0
    assert fake.messages_requests[-1]["model"] == "claude-opus-5-5"
    assert chat(ws, "-p", "/usr is full", "--continue") == 1  # no such command: a prompt
    assert fake.messages_requests[-1]["messages"][-1]["content"][0]["text"] == "/usr is full"


def test_compact_with_focus(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = ws / "precompact.json"
    settings = {
        "hooks": {
            "PreCompact": [
                {
                    "matcher": "manual",
                    "hooks": [{"type": "command", "command": f"cat > {log}"}],
                }
            ]
        }
    }
    (ws / ".claude").mkdir()
    (ws / ".claude" / "settings.json").write_text(json.dumps(settings))
    trust(ws)
    fake.script(Reply([Text("First answer.")]), Reply([Text("Second answer.")]))
    assert chat(ws, "-p", "first question") == 0
    assert chat(ws, "--continue", "-p", "second question") == 0
    fake.script(Reply([Text("We discussed two questions about the parser.")]))
    capsys.readouterr()

    code = chat(ws, "--continue", "-p", "/compact the parser", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"].startswith("Compacted the conversation")
    assert result["num_turns"] == 1 and result["cost_usd"] == pytest.approx(USD)
    summary_request = fake.messages_requests[-1]
    assert "Focus on: the parser" in json.dumps(summary_request["messages"][-1])
    hook_input = json.loads(log.read_text())
    assert hook_input["trigger"] == "manual" and hook_input["custom_instructions"] == "the parser"
    fake.script(Reply([Text("Third.")]))
    assert chat(ws, "--continue", "-p", "third question") == 0
    messages = fake.messages_requests[-1]["messages"]
    assert len(messages) == 2  # the summary, then the new prompt
    assert "We discussed two questions" in messages[0]["content"][0]["text"]
    (saved,) = store(tmp_path).list()
    session = store(tmp_path).load(saved["id"])
    assert session.cost_usd == pytest.approx(4 * USD)


def test_clear_in_the_interactive_prompt(
    ws: Path,
    fake: FakeAnthropic,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    fake.script(Reply([Text("One.")]), Reply([Text("Two.")]))
    monkeypatch.setattr(sys, "stdin", io.StringIO("first\n/clear\nsecond\n"))
    assert main(["chat", "--cwd", str(ws)]) == 0
    assert "Started a new conversation" in capsys.readouterr().err
    assert len(fake.messages_requests[1]["messages"]) == 1  # nothing of the first session
    assert len(store(tmp_path).list()) == 2
