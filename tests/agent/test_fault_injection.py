"""Faults from the model side, through ``claude-lsp chat -p``: each either retried or
reported clearly; the transcript stays sendable and resumable; an edit made before a
retried request is applied once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.agent.fake_api import FakeAnthropic, HttpError, Reply, Step, Text, ToolUse, validate
from tests.agent.test_cli import chat, env, store

SOURCE = "def main():\n    pass\n# end\n"
EDITED = "def main():\n    pass\nline()\n# end\n"
# Each fault hits the request that follows a successful Edit; the SDK or the agent loop
# retries it. (event index 3: after message_start, ping and the first block's start)
RETRIED: dict[str, Step] = {
    "connection dropped mid-stream": Reply([Text("lost")], drop_after=3),
    "overloaded error mid-stream": Reply([Text("lost")], error_after=3),
    "malformed SSE mid-stream": Reply([Text("lost")], garbage_after=3),
    "500": HttpError(500, "api_error", "internal"),
    "529 overloaded": HttpError(529, "overloaded_error", "Overloaded"),
    "429 with retry-after": HttpError(429, retry_after="0"),
    "429 without retry-after": HttpError(429),
}


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    for name, value in env(tmp_path, fake).items():
        monkeypatch.setenv(name, value)
    for name in ("ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_USE_BEDROCK", "ANTHROPIC_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return workspace


def _read(ws: Path) -> Reply:
    return Reply([ToolUse("Read", {"file_path": str(ws / "app.py")})])


def _edit(ws: Path) -> ToolUse:
    return ToolUse(
        "Edit",
        {"file_path": str(ws / "app.py"), "old_string": "# end", "new_string": "line()\n# end"},
    )


def _sendable(fake: FakeAnthropic) -> None:
    assert fake.invalid == []
    for body in fake.messages_requests:
        assert validate(body) is None


def _resume(ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]) -> None:
    """The session continues: its transcript is sent again and accepted."""
    capsys.readouterr()
    fake.script(Reply([Text("Still here.")]))
    assert chat(ws, "-p", "and now?", "--continue", "--output-format", "json") == 0
    assert json.loads(capsys.readouterr().out)["result"] == "Still here."
    _sendable(fake)


@pytest.mark.parametrize("fault", list(RETRIED), ids=list(RETRIED))
def test_a_retried_request_applies_the_earlier_edit_once(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], fault: str
) -> None:
    (ws / "app.py").write_text(SOURCE)
    edit = _edit(ws)
    fake.script(_read(ws), Reply([edit]), RETRIED[fault], Reply([Text("Done.")]))

    code = chat(ws, "-p", "add a line", "--permission-mode", "acceptEdits")

    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out.endswith("Done.\n")
    assert (ws / "app.py").read_text() == EDITED
    edit_results = [
        block
        for message in fake.messages_requests[-1]["messages"]
        if isinstance(message["content"], list)
        for block in message["content"]
        if block.get("tool_use_id") == edit.id
    ]
    assert len(edit_results) == 1 and not edit_results[0].get("is_error")
    _sendable(fake)
    _resume(ws, fake, capsys)


def test_persistent_malformed_streams_end_with_a_clear_error_and_a_resumable_session(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "app.py").write_text(SOURCE)
    broken = [Reply([Text("x")], garbage_after=3) for _ in range(8)]
    fake.script(_read(ws), Reply([_edit(ws)]), *broken)

    code = chat(ws, "-p", "add a line", "--permission-mode", "acceptEdits")

    err = capsys.readouterr().err
    assert code == 1
    assert "error" in err.lower() and "Traceback" not in err
    assert (ws / "app.py").read_text() == EDITED
    _sendable(fake)
    with fake.lock:
        fake.steps.clear()
    _resume(ws, fake, capsys)


@pytest.mark.parametrize(
    "call",
    [
        ToolUse("Edit", {}, raw_json='{"file_path": "app.py", "old_str'),
        ToolUse("NoSuchTool", {"x": 1}),
        ToolUse("Read", {"file_path": ["not", "a", "path"]}),
        ToolUse("Edit", {"file_path": "app.py", "old_string": 5, "new_string": None}),
    ],
    ids=["invalid tool-input JSON", "unknown tool", "tool input of the wrong type", "bad edit"],
)
def test_a_broken_tool_call_is_an_error_result_and_the_turn_goes_on(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], call: ToolUse
) -> None:
    (ws / "app.py").write_text(SOURCE)
    fake.script(Reply([call]), Reply([Text("Sorry.")]))

    code = chat(ws, "-p", "go", "--permission-mode", "acceptEdits")

    assert code == 0, capsys.readouterr().err
    assert (ws / "app.py").read_text() == SOURCE
    [result] = [
        block
        for block in fake.messages_requests[1]["messages"][-1]["content"]
        if block.get("type") == "tool_result"
    ]
    assert result["tool_use_id"] == call.id and result["is_error"] is True
    _sendable(fake)
    _resume(ws, fake, capsys)


def test_sessions_on_disk_stay_valid_after_faults(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (ws / "app.py").write_text(SOURCE)
    fake.script(
        _read(ws), Reply([_edit(ws)]), Reply([Text("x")], drop_after=2), Reply([Text("Done.")])
    )
    assert chat(ws, "-p", "add a line", "--permission-mode", "acceptEdits") == 0
    [info] = store(tmp_path).list()
    messages = store(tmp_path).load(info["id"]).messages
    assert validate({"messages": messages}) is None
    assert [m["role"] for m in messages] == ["user", "assistant"] * 3
