"""Checkpoints and ``/rewind`` through ``claude-lsp chat -p``: an Edit, a file made by
Bash, a file deleted by Bash, a file the user changed since, and the conversation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.agent.cli_support import chat, make_ws, store
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse


@pytest.fixture
def ws(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Path:
    workspace = make_ws(tmp_path, fake, monkeypatch)
    (workspace / "app.py").write_text("VALUE = 1\n")
    (workspace / "old.txt").write_text("to be deleted\n")
    (workspace / ".gitignore").write_text("build/\n")
    (workspace / "build").mkdir()
    (workspace / "build" / "out.bin").write_bytes(b"\0" * 10)
    return workspace


BASH = "echo made > made.txt && rm old.txt && touch build/x"


def run_turn(ws: Path, fake: FakeAnthropic, *args: str) -> int:
    fake.script(
        Reply([ToolUse("Read", {"file_path": "app.py"})]),
        Reply([ToolUse("Edit", {"file_path": "app.py", "old_string": "1", "new_string": "2"})]),
        Reply([ToolUse("Bash", {"command": BASH})]),
        Reply([Text("Done.")]),
    )
    return chat(ws, *args, "-p", "change things", "--permission-mode", "bypassPermissions")


def test_rewind_undoes_an_edit_and_bash_changes_headless(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fake.script(Reply([Text("Hello.")]))
    assert chat(ws, "-p", "hello") == 0
    assert run_turn(ws, fake, "--continue") == 0
    assert (ws / "app.py").read_text() == "VALUE = 2\n"
    assert (ws / "made.txt").exists() and not (ws / "old.txt").exists()
    requests = len(fake.messages_requests)
    capsys.readouterr()

    code = chat(ws, "--continue", "-p", "/rewind", "--output-format", "json")

    result = json.loads(capsys.readouterr().out)
    assert code == 0, result
    assert (ws / "app.py").read_text() == "VALUE = 1\n"
    assert (ws / "old.txt").read_text() == "to be deleted\n"
    assert not (ws / "made.txt").exists()
    assert (ws / "build" / "x").exists()  # ignored folders are not tracked
    assert "Restored: app.py, old.txt" in result["result"]
    assert "Removed (created by the turn): made.txt" in result["result"]
    assert result["num_turns"] == 0 and result["cost_usd"] == 0
    assert len(fake.messages_requests) == requests  # the model was not called
    (saved,) = store(tmp_path).list()
    messages = store(tmp_path).load(saved["id"]).messages
    assert [m["content"][0].get("text") for m in messages] == ["hello", "Hello."]
    snapshots = tmp_path / "data" / "claude-lsp" / "checkpoints" / saved["id"]
    assert (snapshots / "turns.json").is_file() and not (ws / ".git").exists()
    blobs = [b for b in (snapshots.parent / "blobs").rglob("*") if b.is_file()]
    assert blobs and all(b.stat().st_mode & 0o077 == 0 for b in blobs)  # the owner's only
    assert snapshots.parent.stat().st_mode & 0o077 == 0

    fake.script(Reply([Text("Again.")]))
    assert chat(ws, "--continue", "-p", "next") == 0
    assert len(fake.messages_requests[-1]["messages"]) == 3  # hello, Hello., next


def test_user_changes_are_left_alone_unless_forced(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_turn(ws, fake) == 0
    (ws / "app.py").write_text("VALUE = 3  # the user's\n")
    capsys.readouterr()

    assert chat(ws, "--continue", "-p", "/rewind code") == 0
    out = capsys.readouterr().out
    assert "Left alone, changed since the turn wrote them: app.py" in out
    assert (ws / "app.py").read_text() == "VALUE = 3  # the user's\n"
    assert (ws / "old.txt").exists() and not (ws / "made.txt").exists()


def test_rewind_two_turns_code_only_then_force(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run_turn(ws, fake) == 0
    fake.script(
        Reply([ToolUse("Bash", {"command": "echo 3 > app.py"})]),
        Reply([Text("Three.")]),
    )
    assert chat(ws, "--continue", "-p", "three", "--permission-mode", "bypassPermissions") == 0
    (ws / "app.py").write_text("VALUE = 4\n")
    capsys.readouterr()

    assert chat(ws, "--continue", "-p", "/rewind 2 code --force") == 0
    assert "Rewound 2 turns (code)." in capsys.readouterr().out
    assert (ws / "app.py").read_text() == "VALUE = 1\n"
    assert (ws / "old.txt").exists() and not (ws / "made.txt").exists()
    (saved,) = store(tmp_path).list()
    assert len(store(tmp_path).load(saved["id"]).messages) == 12  # the conversation stays

    assert chat(ws, "--continue", "-p", "/rewind") == 1
    assert "Nothing to rewind" in capsys.readouterr().err
    assert chat(ws, "--continue", "-p", "/rewind sideways") == 1


def test_in_a_git_repository_clean_files_are_not_copied(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for command in (["init", "-q"], ["add", "app.py", "old.txt", ".gitignore"],
                    ["commit", "-qm", "start"]):  # fmt: skip
        subprocess.run([*git, *command], cwd=ws, check=True)
    (ws / "notes.txt").write_text("untracked\n")
    head = git_out(ws, "rev-parse", "HEAD")
    fake.script(
        Reply([ToolUse("Bash", {"command": "echo VALUE = 9 > app.py && rm notes.txt"})]),
        Reply([Text("Done.")]),
    )
    assert chat(ws, "-p", "go", "--permission-mode", "bypassPermissions") == 0
    assert (ws / "app.py").read_text() == "VALUE = 9\n"
    blobs = tmp_path / "data" / "claude-lsp" / "checkpoints" / "blobs"
    copied = {b.read_bytes() for b in blobs.rglob("*") if b.is_file()}
    assert b"untracked\n" in copied and b"VALUE = 1\n" not in copied  # git has that one

    assert chat(ws, "--continue", "-p", "/rewind") == 0
    assert (ws / "app.py").read_text() == "VALUE = 1\n"
    assert (ws / "notes.txt").read_text() == "untracked\n"
    assert git_out(ws, "status", "--porcelain") == "?? notes.txt\n"
    assert git_out(ws, "rev-parse", "HEAD") == head  # the user's history is untouched


def git_out(ws: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=ws, capture_output=True, text=True, check=True).stdout


def test_a_rewind_killed_half_way_is_finished_by_the_next(
    ws: Path, fake: FakeAnthropic, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_turn(ws, fake) == 0
    env = dict(os.environ, CLAUDE_LSP_TEST_STOP_AFTER_WRITES="1")
    argv = [sys.executable, "-m", "server", "chat", "--cwd", str(ws), "--continue", "-p"]
    process = subprocess.Popen([*argv, "/rewind"], env=env, stdout=subprocess.PIPE)
    deadline = time.monotonic() + 120  # a hang guard, not a speed goal
    state = ""
    while state != "T" and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
        stat = Path(f"/proc/{process.pid}/stat").read_text()
        state = stat.rsplit(")", 1)[1].split()[0]
    assert state == "T", "the rewind never reached its first file"
    process.send_signal(signal.SIGKILL)
    process.communicate()
    # Killed after its first file: app.py is back, made.txt and old.txt are not yet.
    assert (ws / "app.py").read_text() == "VALUE = 1\n"
    assert (ws / "made.txt").exists() and not (ws / "old.txt").exists()
    capsys.readouterr()

    assert chat(ws, "--continue", "-p", "/rewind") == 0

    out = capsys.readouterr().out
    assert "Restored: old.txt" in out and "Removed (created by the turn): made.txt" in out
    assert "Left alone" not in out
    assert (ws / "app.py").read_text() == "VALUE = 1\n"
    assert (ws / "old.txt").read_text() == "to be deleted\n"
    assert not (ws / "made.txt").exists()
    assert chat(ws, "--continue", "-p", "/rewind") == 1  # that turn is gone now
