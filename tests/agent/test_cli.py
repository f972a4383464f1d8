"""``claude-lsp chat`` end to end: the real tools, permissions and sessions, the SDK
pointed at the loopback API through ANTHROPIC_BASE_URL."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.cli import main, split_rules
from agent.session import INTERRUPTED, SessionStore
from agent.trust import trust
from tests.agent.conftest import API_KEY
from tests.agent.fake_api import FakeAnthropic, HttpError, Reply, Text, ToolUse

ROOT = Path(__file__).resolve().parents[2]
USD = (100 * 2 + 20 * 10) / 1e6  # one default Reply on claude-sonnet-5-5


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    for name, value in env(tmp_path, fake).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("CLAUDE_CODE_USE_BEDROCK", raising=False)
    monkeypatch.delenv("CLAUDE_CODE_USE_VERTEX", raising=False)
    monkeypatch.delenv("ANTHROPIC_MODEL", raising=False)
    yield workspace


def env(tmp_path: Path, fake: FakeAnthropic) -> dict[str, str]:
    return {
        "ANTHROPIC_API_KEY": API_KEY,
        "ANTHROPIC_BASE_URL": fake.url,
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }


def chat(ws: Path, *args: str) -> int:
    return main(["chat", "--cwd", str(ws), *args])


def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "data" / "claude-lsp" / "sessions")


def test_headless_text_read_edit_bash(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = ws / "a.txt"
    target.write_text("hello\n")
    fake.script(
        Reply([Text("Reading it."), ToolUse("Read", {"file_path": str(target)})]),
        Reply([ToolUse("Edit", {"file_path": "a.txt", "old_string": "hello", "new_string": "HI"})]),
        Reply([ToolUse("Bash", {"command": "cat a.txt"})]),
        Reply([Text("Changed hello to HI.")]),
    )

    code = chat(ws, "-p", "shout a.txt", "--permission-mode", "acceptEdits")

    out, err = capsys.readouterr()
    assert code == 0, err
    assert target.read_text() == "HI\n"
    assert out == "Reading it.Changed hello to HI.\n"
    assert "● Read" in err and "● Edit" in err and "● Bash" in err
    assert f"${4 * USD:.4f} (session ${4 * USD:.4f})" in err
    assert fake.invalid == []
    bash_result = fake.messages_requests[3]["messages"][-1]["content"][0]
    assert "HI" in str(bash_result["content"]) and not bash_result.get("is_error")
    (saved,) = store(tmp_path).list()
    assert saved["cwd"] == str(ws.resolve())
    assert "CLAUDE.md" not in fake.messages_requests[0]["system"][0]["text"]


def test_memory_files_reach_the_system_prompt(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "CLAUDE.md").write_text("Always answer in French.\n")
    fake.script(Reply([Text("Bonjour.")]))
    assert chat(ws, "-p", "hi") == 0
    assert "Always answer in French." in fake.messages_requests[0]["system"][0]["text"]


def test_json_output(ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]) -> None:
    fake.script(Reply([Text("All good.")], cache_read_input_tokens=1_000))

    code = chat(ws, "-p", "status?", "--output-format", "json", "--model", "claude-opus-5-5")

    out, _ = capsys.readouterr()
    result = json.loads(out)
    assert code == 0
    assert result["type"] == "result" and result["subtype"] == "success"
    assert result["result"] == "All good." and result["is_error"] is False
    assert result["num_turns"] == 1 and result["stop_reason"] == "end_turn"
    # Opus 5.5: $4 in, $20 out, $0.20 cache read per MTok.
    assert result["total_cost_usd"] == pytest.approx((100 * 4 + 20 * 20 + 1_000 * 0.2) / 1e6)
    assert result["usage"]["cache_read_input_tokens"] == 1_000
    assert fake.messages_requests[0]["model"] == "claude-opus-5-5"


def test_stream_json_output(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "f.txt").write_text("x")
    fake.script(Reply([ToolUse("Read", {"file_path": "f.txt"})]), Reply([Text("It says x.")]))

    code = chat(ws, "-p", "read f", "--output-format", "stream-json")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "system" and lines[0]["model"] == "claude-sonnet-5-5"
    assert "Read" in lines[0]["tools"] and "Bash" in lines[0]["tools"]
    assert kinds[-1] == "result" and lines[-1]["result"] == "It says x."
    assert {"tool_call", "tool_result", "usage", "text", "turn_end"} <= set(kinds)
    assert len({line["session_id"] for line in lines}) == 1
    usage = [line for line in lines if line["type"] == "usage"]
    assert usage[-1]["session_cost_usd"] == pytest.approx(2 * USD)


def test_max_turns_exits_2(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "f").write_text("x")
    fake.script(*[Reply([ToolUse("Read", {"file_path": "f"})]) for _ in range(3)])

    code = chat(ws, "-p", "loop", "--max-turns", "2", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 2
    assert result["subtype"] == "error_max_turns" and result["is_error"] is True
    assert result["total_cost_usd"] == pytest.approx(2 * USD)
    assert len(fake.messages_requests) == 2


def test_budget_exits_2(ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]) -> None:
    (ws / "f").write_text("x")
    fake.script(*[Reply([ToolUse("Read", {"file_path": "f"})]) for _ in range(3)])

    code = chat(ws, "-p", "loop", "--max-budget-usd", "0.0005")

    _, err = capsys.readouterr()
    assert code == 2
    assert "budget" in err and "error_max_budget_usd" in err
    assert len(fake.messages_requests) == 2


def test_no_api_key_is_a_clear_error(
    ws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")

    code = chat(ws, "-p", "hi")

    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "ANTHROPIC_API_KEY" in err
    assert store(tmp_path).list() == []
    # Scripts that read JSON from stdout get the result object, with the same reason.
    code = chat(ws, "-p", "hi", "--output-format", "json")
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert code == 1
    assert (result["type"], result["subtype"], result["is_error"]) == (
        "result",
        "error_during_execution",
        True,
    )
    assert "ANTHROPIC_API_KEY" in result["result"]


def test_model_errors_exit_1(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script(HttpError(401, "authentication_error", "invalid x-api-key"))
    assert chat(ws, "-p", "hi") == 1
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err


def test_refusal_exits_1_and_max_tokens_exits_2(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script(Reply([Text("No.")], stop_reason="refusal"))
    assert chat(ws, "-p", "bad") == 1
    fake.script(Reply([Text("Long")], stop_reason="max_tokens"))
    assert chat(ws, "-p", "long") == 2


def test_permission_denied_headless(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without the sandbox, so that Bash goes through the parser's questions (inside the
    # sandbox `rm -rf x` in the workspace runs unasked: tests/agent/test_sandbox_*.py).
    (ws / ".claude").mkdir()
    (ws / ".claude" / "settings.json").write_text('{"sandbox": {"enabled": false}}')
    trust(ws)  # a repository's own settings may turn the sandbox off only when trusted
    fake.script(
        Reply([ToolUse("Write", {"file_path": "x.txt", "content": "x"})]),
        Reply([ToolUse("Bash", {"command": "ls && rm -rf x"})]),
        Reply([Text("I was not allowed.")]),
    )

    code = chat(ws, "-p", "write x", "--allowedTools", "Bash(ls:*)")

    assert code == 0
    assert not (ws / "x.txt").exists()
    sent = fake.messages_requests
    write_result = sent[1]["messages"][-1]["content"][0]
    bash_result = sent[2]["messages"][-1]["content"][0]
    assert write_result["is_error"] is True and "denied" in write_result["content"].lower()
    assert bash_result["is_error"] is True and "denied" in bash_result["content"].lower()


def test_continue_and_resume(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake.script(Reply([Text("first")]), Reply([Text("second")]), Reply([Text("third")]))
    assert chat(ws, "-p", "one", "--output-format", "json") == 0
    first = json.loads(capsys.readouterr().out)

    assert chat(ws, "-p", "two", "--continue", "--output-format", "json") == 0
    second = json.loads(capsys.readouterr().out)
    assert second["session_id"] == first["session_id"]
    assert second["session_cost_usd"] == pytest.approx(2 * USD)
    texts = [m["content"][0]["text"] for m in fake.messages_requests[1]["messages"]]
    assert texts == ["one", "first", "two"]

    assert chat(ws, "-p", "three", "--resume", first["session_id"], "--fork-session") == 0
    assert len(fake.messages_requests[2]["messages"]) == 5
    assert len(store(tmp_path).list()) == 2

    assert chat(ws, "-p", "x", "--resume", "no-such-session") == 1
    assert "no session" in capsys.readouterr().err


def test_split_rules() -> None:
    assert split_rules(["Bash(git diff:*),Edit", "Read  Write(src/**, x)"]) == [
        "Bash(git diff:*)",
        "Edit",
        "Read",
        "Write(src/**, x)",
    ]


def kill_leftovers(cwd: Path) -> None:
    """Kill the processes (by pid) whose working directory is ``cwd``."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if Path(os.readlink(proc / "cwd")) == cwd.resolve():
                os.kill(int(proc.name), signal.SIGKILL)
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue


def test_kill_9_mid_bash_then_resume(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bash = ToolUse("Bash", {"command": "sleep 30"})
    fake.script(Reply([Text("Running the slow job."), bash]))
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "chat",
            "--cwd",
            str(ws),
            "-p",
            "run the job",
            "--output-format",
            "stream-json",
            "--allowedTools",
            "Bash(sleep:*)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env(tmp_path, fake), "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    session_id = ""
    for line in child.stdout:
        event: dict[str, Any] = json.loads(line)
        session_id = event["session_id"]
        if event["type"] == "tool_call" and event["name"] == "Bash":
            break
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    child.stdout.close()
    kill_leftovers(ws)  # the Bash command outlives the agent, in its own session

    fake.script(Reply([Text("The job was interrupted; I will not rerun it.")]))
    code = chat(ws, "-p", "what happened?", "--resume", session_id, "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and fake.invalid == []
    assert result["session_id"] == session_id
    sent = fake.messages_requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "user"]
    assert sent[2]["content"] == [
        {"type": "tool_result", "tool_use_id": bash.id, "content": INTERRUPTED, "is_error": True}
    ]
    assert result["session_cost_usd"] == pytest.approx(2 * USD)


def test_interactive_prompt_streams_and_keeps_the_conversation(
    ws: Path,
    fake: FakeAnthropic,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("hello\n\nand again\n/exit\n"))
    fake.script(Reply([Text("Hi there.")]), Reply([Text("Hi again.")]))

    code = chat(ws)

    out, err = capsys.readouterr()
    assert code == 0
    assert out == "Hi there.\nHi again.\n"
    assert "claude-lsp chat · session" in err and err.count("> ") == 4
    assert f"${USD:.4f} (session ${2 * USD:.4f})" in err
    texts = [m["content"][0]["text"] for m in fake.messages_requests[1]["messages"]]
    assert texts == ["hello", "Hi there.", "and again"]


def test_settings_override_prices(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / ".claude").mkdir()
    (ws / ".claude" / "settings.json").write_text(
        json.dumps({"prices": {"claude-sonnet-5-5": {"input": 1000, "output": 0}}})
    )
    fake.script(Reply([Text("ok")]))
    assert chat(ws, "-p", "hi", "--output-format", "json") == 0
    assert json.loads(capsys.readouterr().out)["total_cost_usd"] == pytest.approx(0.1)


def test_continue_without_a_session_starts_one(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake.script(Reply([Text("fresh")]))
    assert chat(ws, "-p", "hi", "--continue") == 0
    (saved,) = store(tmp_path).list()
    assert saved["model"] == "claude-sonnet-5-5"


def test_ctrl_c_in_print_mode_reports_and_leaves_a_sendable_transcript(
    ws: Path, fake: FakeAnthropic, tmp_path: Path
) -> None:
    bash = ToolUse("Bash", {"command": "sleep 30"})
    fake.script(Reply([Text("Running the slow job."), bash]))
    child = subprocess.Popen(
        [
            *(sys.executable, "-m", "agent.cli", "chat", "--cwd", str(ws), "-p", "run the job"),
            *("--output-format", "stream-json", "--allowedTools", "Bash(sleep:*)"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env(tmp_path, fake), "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    for line in child.stdout:
        if json.loads(line)["type"] == "tool_call":
            break
    child.send_signal(signal.SIGINT)
    rest = [json.loads(line) for line in child.stdout]
    assert child.wait(timeout=20) == 130
    result = rest[-1]
    assert result["type"] == "result" and result["subtype"] == "error_interrupted"
    assert result["is_error"] is True
    session = store(tmp_path).load(result["session_id"])
    assert session.messages[-1]["content"][0]["tool_use_id"] == bash.id
    assert session.messages[-1]["content"][0]["is_error"] is True


def test_help_documents_the_json_shape_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["chat", "--help"])
    out = capsys.readouterr().out
    for key in ("session_id", "subtype", "is_error", "num_turns", "cost_usd", "usage"):
        assert key in out
    assert "exit codes: 0 done, 1 error" in out and "ANTHROPIC_API_KEY" in out
