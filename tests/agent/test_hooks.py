"""Claude Code's hooks, end to end through ``claude-lsp chat -p``: real hook scripts
configured in the project's settings, the real tools, the loopback API."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from agent.trust import trust
from tests.agent.cli_support import USD, chat, make_ws, store
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse

PREAMBLE = """\
import json, os, sys
event = json.load(sys.stdin)
with open(os.path.join(os.environ["CLAUDE_PROJECT_DIR"], "hooks.log"), "a") as log:
    log.write(json.dumps(event) + "\\n")
"""


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_ws(tmp_path, fake, monkeypatch)


def hook(ws: Path, name: str, body: str, timeout: float | None = None) -> dict[str, Any]:
    """A hook entry running a Python script that logs its event to ws/hooks.log."""
    script = ws / ".hooks" / f"{name}.py"
    script.parent.mkdir(exist_ok=True)
    script.write_text(PREAMBLE + body)
    entry: dict[str, Any] = {"type": "command", "command": f"{sys.executable} {script}"}
    if timeout is not None:
        entry["timeout"] = timeout
    return entry


def configure(ws: Path, hooks: dict[str, list[dict[str, Any]]], **extra: Any) -> None:
    (ws / ".claude").mkdir(exist_ok=True)
    (ws / ".claude" / "settings.json").write_text(json.dumps({"hooks": hooks, **extra}))
    trust(ws)  # a repository's hooks run only in a trusted folder


def logged(ws: Path) -> list[dict[str, Any]]:
    path = ws / "hooks.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def results(fake: FakeAnthropic, request: int) -> list[dict[str, Any]]:
    content = fake.messages_requests[request]["messages"][-1]["content"]
    return [b for b in content if b.get("type") == "tool_result"]


def text_of(block: dict[str, Any]) -> str:
    content = block["content"]
    return content if isinstance(content, str) else " ".join(c["text"] for c in content)


def test_pre_tool_use_exit_2_blocks_the_call_and_tells_the_model(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    (ws / "keep.txt").write_text("precious\n")
    body = "print('no deleting here', file=sys.stderr); sys.exit(2)\n"
    configure(ws, {"PreToolUse": [{"matcher": "Bash", "hooks": [hook(ws, "guard", body)]}]})
    fake.script(Reply([ToolUse("Bash", {"command": "rm keep.txt"})]), Reply([Text("Fine.")]))

    code = chat(ws, "-p", "delete keep.txt", "--permission-mode", "bypassPermissions")

    assert code == 0, capsys.readouterr().err
    assert (ws / "keep.txt").read_text() == "precious\n"
    [result] = results(fake, 1)
    assert result["is_error"] and "no deleting here" in text_of(result)
    [event] = logged(ws)
    assert event["hook_event_name"] == "PreToolUse"
    assert event["tool_name"] == "Bash" and event["tool_input"] == {"command": "rm keep.txt"}
    assert event["cwd"] == str(ws.resolve()) and event["permission_mode"] == "bypassPermissions"
    assert Path(event["transcript_path"]).is_file()
    assert event["session_id"] == Path(event["transcript_path"]).stem


def test_pre_tool_use_matcher_and_permission_decisions(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    allow = (
        "print(json.dumps({'hookSpecificOutput': {'hookEventName': 'PreToolUse',"
        " 'permissionDecision': 'allow', 'permissionDecisionReason': 'docs are fine'}}))\n"
    )
    deny = (
        "print(json.dumps({'hookSpecificOutput': {'hookEventName': 'PreToolUse',"
        " 'permissionDecision': 'deny', 'permissionDecisionReason': 'not in src/'}}))\n"
    )
    configure(
        ws,
        {
            "PreToolUse": [
                {"matcher": "Write", "hooks": [hook(ws, "allow", allow)]},
                {"matcher": "Edit|MultiEdit", "hooks": [hook(ws, "deny", deny)]},
            ]
        },
    )
    (ws / "src.py").write_text("x = 1\n")
    fake.script(
        Reply([ToolUse("Write", {"file_path": "notes.md", "content": "hi\n"})]),
        Reply([ToolUse("Read", {"file_path": "src.py"})]),
        Reply([ToolUse("Edit", {"file_path": "src.py", "old_string": "1", "new_string": "2"})]),
        Reply([Text("Done.")]),
    )

    # Headless default mode would deny the Write: the hook allows it.
    code = chat(ws, "-p", "write notes", "--output-format", "stream-json")

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert (ws / "notes.md").read_text() == "hi\n"
    assert (ws / "src.py").read_text() == "x = 1\n"
    [edit_result] = results(fake, 3)
    assert edit_result["is_error"] and "not in src/" in text_of(edit_result)
    permissions = [line for line in lines if line["type"] == "permission"]
    assert [(p["tool"], p["decision"], p["by"]) for p in permissions] == [
        ("Write", "allow", "hook"),
        ("Edit", "deny", "hook"),
    ]
    assert [e["tool_name"] for e in logged(ws)] == ["Write", "Edit"]  # Read matched none
    assert lines[-1]["total_cost_usd"] == pytest.approx(4 * USD)


def test_hook_allow_does_not_override_deny_rules(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    allow = "print(json.dumps({'decision': 'approve', 'reason': 'ok'}))\n"
    configure(
        ws,
        {"PreToolUse": [{"matcher": "*", "hooks": [hook(ws, "allow", allow)]}]},
        permissions={"deny": ["Write(secret/**)"]},
    )
    fake.script(
        Reply([ToolUse("Write", {"file_path": "secret/a.txt", "content": "x"})]),
        Reply([Text("Refused.")]),
    )
    assert chat(ws, "-p", "write it") == 0
    assert not (ws / "secret").exists()
    [result] = results(fake, 1)
    assert "Write(secret/**)" in text_of(result)


def test_post_tool_use_feedback_reaches_the_model(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        "path = event['tool_input']['file_path']\n"
        "print(json.dumps({'decision': 'block', 'reason': f'lint failed for {path}',"
        " 'hookSpecificOutput': {'hookEventName': 'PostToolUse',"
        " 'additionalContext': 'style: tabs'}}))\n"
    )
    configure(ws, {"PostToolUse": [{"matcher": "Write", "hooks": [hook(ws, "lint", body)]}]})
    fake.script(
        Reply([ToolUse("Write", {"file_path": "a.py", "content": "x=1\n"})]),
        Reply([Text("Will fix.")]),
    )

    code = chat(ws, "-p", "write a.py", "--permission-mode", "acceptEdits")

    assert code == 0
    assert (ws / "a.py").read_text() == "x=1\n"  # it ran: PostToolUse cannot undo it
    [result] = results(fake, 1)
    text = text_of(result)
    assert not result.get("is_error")
    assert "lint failed for a.py" in text and "style: tabs" in text
    [event] = logged(ws)
    assert event["hook_event_name"] == "PostToolUse" and "a.py" in str(event["tool_response"])


def test_user_prompt_submit_adds_context_or_blocks(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = (
        "if 'password' in event['prompt']:\n"
        "    print('prompts must not hold passwords', file=sys.stderr); sys.exit(2)\n"
        "print('The current sprint is 42.')\n"
    )
    configure(ws, {"UserPromptSubmit": [{"hooks": [hook(ws, "prompt", body)]}]})
    fake.script(Reply([Text("Sprint 42.")]))

    assert chat(ws, "-p", "which sprint?") == 0
    sent = fake.messages_requests[0]["messages"][0]["content"]
    assert [b["text"] for b in sent] == ["which sprint?", "The current sprint is 42."]

    capsys.readouterr()
    code = chat(ws, "-p", "my password is hunter2", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 1 and result["is_error"]
    assert "prompts must not hold passwords" in result["result"]
    assert len(fake.messages_requests) == 1  # the blocked prompt never reached the model
    newest = store(tmp_path).list()[0]["id"]
    transcript = (store(tmp_path).root / f"{newest}.jsonl").read_text()
    assert "hunter2" not in transcript
    assert [e["prompt"] for e in logged(ws)] == ["which sprint?", "my password is hunter2"]


def test_stop_hook_sends_the_model_back_once(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        "if not event['stop_hook_active']:\n"
        "    print(json.dumps({'decision': 'block', 'reason': 'Run the tests first.'}))\n"
    )
    configure(ws, {"Stop": [{"hooks": [hook(ws, "stop", body)]}]})
    fake.script(Reply([Text("Done.")]), Reply([Text("Tests pass. Done.")]))

    code = chat(ws, "-p", "fix it", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "Tests pass. Done."
    assert result["num_turns"] == 2 and result["cost_usd"] == pytest.approx(2 * USD)
    last = fake.messages_requests[1]["messages"][-1]
    assert last["role"] == "user" and last["content"][0]["text"] == "Run the tests first."
    assert [e["stop_hook_active"] for e in logged(ws)] == [False, True]


def test_session_start_context_on_startup_and_resume(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "print(f\"Started by {event['source']}.\")\n"
    configure(ws, {"SessionStart": [{"hooks": [hook(ws, "start", body)]}]})
    fake.script(Reply([Text("One.")]), Reply([Text("Two.")]), Reply([Text("Three.")]))

    assert chat(ws, "-p", "one") == 0
    assert chat(ws, "--continue", "-p", "two") == 0
    assert chat(ws, "--continue", "-p", "three") == 0

    first = fake.messages_requests[0]["messages"][0]["content"]
    assert first[-1]["text"] == "Started by startup."
    second = fake.messages_requests[1]["messages"][-1]["content"]
    assert second[-1]["text"] == "Started by resume."
    assert [e["source"] for e in logged(ws)] == ["startup", "resume", "resume"]


def test_notification_when_permission_is_needed(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(ws, {"Notification": [{"hooks": [hook(ws, "notify", "")]}]})
    # (Bash inside the sandbox runs unasked; a Write in default mode always asks)
    write = {"file_path": str(ws / "x"), "content": "x\n"}
    fake.script(Reply([ToolUse("Write", write)]), Reply([Text("Denied.")]))
    assert chat(ws, "-p", "write x") == 0  # headless: the question is denied
    [event] = logged(ws)
    assert event["message"] == "Claude needs your permission to use Write"
    assert not (ws / "x").exists()


def test_failing_and_hanging_hooks_do_not_stop_the_turn(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    hang = "import subprocess\np = subprocess.Popen(['sleep', '600'])\n" + (
        "open(os.path.join(os.environ['CLAUDE_PROJECT_DIR'], 'child.pid'), 'w')"
        ".write(str(p.pid))\np.wait()\n"
    )
    fail = "print('linter missing', file=sys.stderr); sys.exit(1)\n"
    configure(
        ws,
        {
            "PreToolUse": [
                {"matcher": "Read", "hooks": [hook(ws, "hang", hang, timeout=1)]},
                {"matcher": "Read", "hooks": [hook(ws, "fail", fail)]},
            ]
        },
    )
    (ws / "a.txt").write_text("A\n")
    fake.script(Reply([ToolUse("Read", {"file_path": "a.txt"})]), Reply([Text("It says A.")]))

    code = chat(ws, "-p", "read a.txt")  # the hook sleeps 600 s, past pytest's timeout

    out, err = capsys.readouterr()
    assert code == 0 and out == "It says A.\n"
    assert "timed out" in err and "linter missing" in err
    [result] = results(fake, 1)
    assert "A" in text_of(result) and not result.get("is_error")
    pid = int((ws / "child.pid").read_text())
    deadline = time.monotonic() + 10  # SIGKILL was sent; a loaded machine delivers it late
    while not dead(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert dead(pid)  # the hook's whole process group was killed


def test_continue_false_ends_the_turn(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "print(json.dumps({'continue': False, 'stopReason': 'Build is red; stopping.'}))\n"
    configure(ws, {"PostToolUse": [{"matcher": "Bash", "hooks": [hook(ws, "gate", body)]}]})
    fake.script(Reply([ToolUse("Bash", {"command": "echo hi"})]), Reply([Text("unused")]))

    code = chat(ws, "-p", "go", "--permission-mode", "bypassPermissions", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["stop_reason"] == "hook_stopped"
    assert len(fake.messages_requests) == 1 and fake.steps  # the model was not asked again


def dead(pid: int) -> bool:
    """Gone, or a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.mark.parametrize(
    "body",
    [
        "if not event['stop_hook_active']:\n"
        "    print('Check the other file too.', file=sys.stderr); sys.exit(2)\n",
        "if not event['stop_hook_active']:\n"
        "    print(json.dumps({'decision': 'block', 'reason': 'Check the other file too.'}))\n",
    ],
    ids=["exit-2", "decision-block"],
)
def test_subagent_stop_sends_the_subagent_back_with_the_reason(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    configure(
        ws,
        {
            "SubagentStop": [{"hooks": [hook(ws, "substop", body)]}],
            "Stop": [{"hooks": [hook(ws, "stop", "")]}],
        },
    )
    task = {"description": "look", "prompt": "Look at a.txt."}
    fake.script(
        Reply([ToolUse("Task", task)]),
        Reply([Text("a.txt is fine.")]),  # the subagent's first answer: sent back
        Reply([Text("a.txt and b.txt are fine.")]),
        Reply([Text("All fine.")]),
    )

    code = chat(ws, "-p", "check", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["result"] == "All fine."
    sub_again = fake.messages_requests[2]["messages"]
    assert sub_again[0]["content"][0]["text"] == "Look at a.txt."
    assert sub_again[-1]["role"] == "user"
    assert sub_again[-1]["content"][0]["text"] == "Check the other file too."
    [task_result] = results(fake, 3)
    assert text_of(task_result) == "a.txt and b.txt are fine."
    events = logged(ws)
    assert [(e["hook_event_name"], e["stop_hook_active"]) for e in events] == [
        ("SubagentStop", False), ("SubagentStop", True), ("Stop", False)
    ]  # fmt: skip
    session = Path(events[0]["transcript_path"])
    assert session.is_file() and all(e["session_id"] == session.stem for e in events)
    assert {e["transcript_path"] for e in events} == {str(session)}


FIELDS = {
    "SessionStart": {"source"},
    "UserPromptSubmit": {"prompt"},
    "PreToolUse": {"tool_name", "tool_input", "tool_use_id"},
    "PostToolUse": {"tool_name", "tool_input", "tool_response", "tool_use_id"},
    "Notification": {"message"},
    "SubagentStop": {"stop_hook_active"},
    "Stop": {"stop_hook_active"},
    "PreCompact": {"trigger", "custom_instructions"},
}
COMMON = {"session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name"}


def test_every_event_fires_with_its_documented_fields(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(ws, {event: [{"hooks": [hook(ws, "log", "")]}] for event in FIELDS})
    (ws / "a.txt").write_text("alpha\n")
    write = {"file_path": "b.txt", "content": "b\n"}
    fake.script(
        Reply([ToolUse("Read", {"file_path": "a.txt"}), ToolUse("Write", write)]),
        Reply([ToolUse("Task", {"description": "look", "prompt": "Read a.txt."})]),
        Reply([ToolUse("Read", {"file_path": "a.txt"})]),  # the subagent
        Reply([Text("It says alpha.")]),
        Reply([Text("Done.")]),
    )
    assert chat(ws, "-p", "go") == 0
    fake.script(Reply([Text("We read a.txt.")]))
    assert chat(ws, "--continue", "-p", "/compact keep paths") == 0

    events = logged(ws)
    seen = [(e["hook_event_name"], e.get("tool_name")) for e in events]
    assert seen == [
        ("SessionStart", None), ("UserPromptSubmit", None),
        ("PreToolUse", "Read"), ("PreToolUse", "Write"), ("Notification", None),
        ("PostToolUse", "Read"),
        ("PreToolUse", "Task"),
        ("PreToolUse", "Read"), ("PostToolUse", "Read"), ("SubagentStop", None),  # subagent
        ("PostToolUse", "Task"),
        ("Stop", None),
        ("PreCompact", None),
    ]  # fmt: skip
    session = Path(events[0]["transcript_path"])
    for event in events:
        assert COMMON | FIELDS[event["hook_event_name"]] <= set(event), event
        assert event["session_id"] == session.stem and event["cwd"] == str(ws.resolve())
    assert session.is_file()
    by_name = {e["hook_event_name"]: e for e in events}
    assert by_name["SessionStart"]["source"] == "startup"
    assert by_name["UserPromptSubmit"]["prompt"] == "go"
    assert by_name["Notification"]["message"] == "Claude needs your permission to use Write"
    assert by_name["PreCompact"]["trigger"] == "manual"
    assert by_name["PreCompact"]["custom_instructions"] == "keep paths"
    post_read = next(e for e in events if e["hook_event_name"] == "PostToolUse")
    assert "alpha" in json.dumps(post_read["tool_response"])
    call_ids = [fake.messages_requests[1]["messages"][1]["content"][0]["id"]]
    assert events[2]["tool_use_id"] == call_ids[0] == post_read["tool_use_id"]


def test_notification_when_the_prompt_waits_for_input(
    ws: Path,
    fake: FakeAnthropic,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(ws, {"Notification": [{"hooks": [hook(ws, "notify", "")]}]})
    monkeypatch.setattr("agent.cli.IDLE_NOTIFY_SECONDS", 0.5)  # Claude Code's is 60 s
    read_end, write_end = os.pipe()
    monkeypatch.setattr(sys, "stdin", os.fdopen(read_end))
    fake.script(Reply([Text("Hi.")]))

    def user() -> None:  # answers at once, then only once the idle notification came
        with os.fdopen(write_end, "w") as typed:
            typed.write("hello\n")
            typed.flush()
            deadline = time.monotonic() + 60
            while not logged(ws) and time.monotonic() < deadline:
                time.sleep(0.05)
            typed.write("/exit\n")

    typist = threading.Thread(target=user)
    typist.start()
    code = chat(ws)
    typist.join()

    assert code == 0 and capsys.readouterr().out == "Hi.\n"
    [event] = logged(ws)  # none while the first line came at once
    assert event["hook_event_name"] == "Notification"
    assert event["message"] == "Claude is waiting for your input"
    assert Path(event["transcript_path"]).stem == event["session_id"]


def test_exit_2_of_hooks_that_cannot_block_is_shown_to_the_user(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    refuse = "print(f\"no {event['hook_event_name']} today\", file=sys.stderr); sys.exit(2)\n"
    configure(ws, {
        "SessionStart": [{"hooks": [hook(ws, "start", refuse)]}],
        "PreCompact": [{"hooks": [hook(ws, "compact", refuse)]}],
    })  # fmt: skip
    fake.script(Reply([Text("Hello.")]))
    assert chat(ws, "-p", "hi") == 0
    first = capsys.readouterr()
    fake.script(Reply([Text("We said hello.")]))
    assert chat(ws, "--continue", "-p", "/compact") == 0
    second = capsys.readouterr()

    assert first.out == "Hello.\n"  # the prompt went on, without the hook's text
    assert [b["text"] for b in fake.messages_requests[0]["messages"][0]["content"]] == ["hi"]
    assert "exited 2: no SessionStart today" in first.err
    assert second.out.startswith("Compacted the conversation")  # not stopped either
    assert "exited 2: no PreCompact today" in second.err
