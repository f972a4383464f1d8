"""``kill -9`` in the middle of things, then a restart: real processes throughout.

A multi-file rename (the ``claude-lsp rename`` command, and the agent's Rename tool in
the server writing closed files) is killed after its first file: the next start rolls
the half-applied change back and says so. An agent turn through ``claude/chat`` is
killed between tool calls and mid-stream: the session resumes with its old id, the
transcript is valid (the loopback API checks every request), the edit made before the
kill is there once, and rename (rope) and symbols answer again (caches rebuilt).

The kill lands at a known point without sleeping: ``CLAUDE_LSP_TEST_STOP_AFTER_WRITES``
stops the process after N files (``refactor.journal``), and chat kills wait for the
event that shows the turn reached the point.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.lsp_client import SERVER_COMMAND
from tests.server.chat_support import Editor, _client_factory, server_env

ROOT = Path(__file__).resolve().parents[2]
USERS = 5  # modules that import the renamed function
STOP = "CLAUDE_LSP_TEST_STOP_AFTER_WRITES"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def _until(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    """Wait for ``condition`` (a hang guard, not a speed goal)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.02)


def _project(root: Path) -> dict[Path, str]:
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    files = {root / "pkg" / "core.py": "def old_name():\n    return 1\n"}
    for i in range(USERS):
        files[root / "pkg" / f"user{i}.py"] = (
            f"from pkg.core import old_name\n\n\ndef f{i}():\n    return old_name()\n"
        )
    for path, text in files.items():
        path.write_text(text)
    return files


def _renamed(files: dict[Path, str]) -> list[str]:
    return sorted(p.name for p in files if "new_name" in p.read_text())


def _journals(data: Path) -> list[Path]:
    return sorted((data / "claude-lsp" / "journal").glob("*.json"))


def _cli(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "server", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_stopped(proc_pid: int) -> None:
    _until(lambda: _state(proc_pid) in ("T", "t", "gone"), "the process stopped after a write")
    assert _state(proc_pid) != "gone", "the process finished instead of stopping"
    os.kill(proc_pid, signal.SIGKILL)


def test_rename_command_killed_half_way_is_rolled_back_on_the_next_run(tmp_path: Path) -> None:
    root, home = tmp_path / "ws", tmp_path / "home"
    root.mkdir()
    files = _project(root)
    env = server_env(None, home, key=False)
    killed = _cli(["rename", "pkg/core.py:1:5", "new_name"], root, {**env, STOP: "2"})
    _kill_stopped(killed.pid)
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL

    assert len(_renamed(files)) == 2  # half-applied on disk, and journaled
    assert len(_journals(home / "data")) == 1

    check = _cli(["fix", "--diff", "pkg"], root, env)  # any later command in the project
    _, err = check.communicate(timeout=300)
    assert "claude-lsp rename was interrupted: rolled back 2 file(s)" in err
    assert {p: p.read_text() for p in files} == files
    assert _journals(home / "data") == []

    done = _cli(["rename", "pkg/core.py:1:5", "new_name"], root, env)  # and it works again
    _, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    assert len(_renamed(files)) == USERS + 1
    assert _journals(home / "data") == []


def test_a_journal_of_a_live_process_or_another_workspace_is_left_alone(tmp_path: Path) -> None:
    from refactor import journal

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x.py").write_text("old\n")
    (b / "y.py").write_text("old\n")
    folder = tmp_path / "journal"
    with journal.pending(journal.Change({str(a / "x.py"): "new\n"}, label="t"), folder):
        (a / "x.py").write_text("new\n")
        assert journal.recover([str(a)], folder) == []  # locked: being applied
        assert (a / "x.py").read_text() == "new\n"
    assert list(folder.glob("*.json")) == []
    # A failure inside the block puts back what was written, and says nothing later.
    with (
        pytest.raises(OSError),
        journal.pending(
            journal.Change({str(b / "y.py"): "new\n", str(b / "z"): "z"}, label="t"), folder
        ),
    ):
        (b / "y.py").write_text("new\n")
        raise OSError("disk full")
    assert (b / "y.py").read_text() == "old\n"
    assert journal.recover([str(a), str(b)], folder) == []


# -- the server -------------------------------------------------------------------------


@asynccontextmanager
async def _server(
    root: Path, env: dict[str, str], options: Any = None
) -> AsyncIterator[tuple[Editor, Any]]:
    """A server and the test editor; yields (editor, client). Shut down only when alive."""
    box: list[Editor] = []
    config = ClientServerConfig(
        server_command=SERVER_COMMAND, client_factory=_client_factory(box), server_env=env
    )
    client = await config.start()
    editor = box[0]
    capabilities = client_capabilities("visual-studio-code")
    capabilities.experimental = {"claudeLsp": {"chatEvents": True, "permission": True}}
    editor.init_result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )
    try:
        yield editor, client
    finally:
        if client._server.returncode is None:
            await client.shutdown_session()
        await client.stop()


def _pid(client: Any) -> int:
    return int(client._server.pid)


async def _kill(client: Any) -> None:
    os.kill(_pid(client), signal.SIGKILL)
    await client._server.wait()


async def _message(client: Any, text: str) -> str:
    async def scan() -> str:
        while True:
            for message in client.messages:
                if text in message.message:
                    return str(message.message)
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(scan(), 120)


@pytest.fixture
def fake() -> Any:
    server = FakeAnthropic().start()
    yield server
    server.stop()


DISK = {"agent": {"closedFiles": "disk"}}


async def test_agent_rename_killed_half_way_is_rolled_back_and_the_session_resumes(
    tmp_path: Path, fake: FakeAnthropic
) -> None:
    root, home = tmp_path / "ws", tmp_path / "home"
    root.mkdir()
    files = _project(root)
    core = root / "pkg" / "core.py"
    env = server_env(fake, home)
    rename = {"file_path": str(core), "line": 1, "column": 5, "new_name": "new_name"}
    fake.script(Reply([Text("Renaming."), ToolUse("Rename", rename)]))
    async with _server(root, {**env, STOP: "1"}, DISK) as (editor, client):
        _, answer = editor.chat(prompt="rename it", permissionMode="bypassPermissions")
        call = await editor.wait_event("toolCall", 0, name="Rename")
        await asyncio.to_thread(_kill_stopped, _pid(client))
        await client._server.wait()
        answer.cancel()
    assert len(_renamed(files)) == 1  # one file written when the kill landed

    fake.script(Reply([Text("Back.")]))
    async with _server(root, env, DISK) as (editor, client):
        line = await _message(client, "Rename was interrupted")
        assert "rolled back 1 file(s)" in line
        assert {p: p.read_text() for p in files} == files
        _, answer = editor.chat(prompt="where were we?", sessionId=call["sessionId"])
        result = await answer
        assert (result["stopReason"], result["result"]) == ("end_turn", "Back.")
        assert fake.invalid == []
        sent = fake.messages_requests[-1]["messages"]
        [interrupted] = [b for b in sent[2]["content"] if b["type"] == "tool_result"]
        assert interrupted["is_error"]
        # rope's caches are rebuilt: an LSP rename sees every file
        uri = editor.open(core, files[core])
        edit = await client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri),
                position=types.Position(0, 5),
                new_name="other",
            )
        )
        assert edit is not None
        changed = {c.text_document.uri for c in edit.document_changes or []}
        assert len(changed) == USERS + 1


@pytest.mark.parametrize("where", ["between-tools", "mid-stream"])
async def test_chat_killed_mid_turn_resumes_with_its_session(
    where: str, tmp_path: Path, fake: FakeAnthropic
) -> None:
    root, home = tmp_path / "ws", tmp_path / "home"
    root.mkdir()
    target = root / "notes.py"
    target.write_text("A = 1\n")
    env = server_env(fake, home)
    edit = {"file_path": str(target), "old_string": "A = 1", "new_string": "A = 2"}
    if where == "between-tools":  # the Edit ran; the kill lands while Bash runs
        read = ToolUse("Read", {"file_path": str(target)})
        fake.script(
            Reply([Text("Reading."), read]),
            Reply([ToolUse("Edit", edit), ToolUse("Bash", {"command": "sleep 600"})]),
        )
    else:  # the answer is streaming: the kill lands between two text deltas
        fake.script(Reply([Text("Work", chunks=1), Text("ing")], hang_after=5))
    async with _server(root, env, DISK) as (editor, client):
        _, answer = editor.chat(prompt="work", permissionMode="bypassPermissions")
        if where == "between-tools":
            edited = await editor.wait_event("toolResult", 0, name="Edit")
            assert not edited["data"]["isError"], edited
            first = await editor.wait_event("toolCall", 0, name="Bash")
        else:
            first = await editor.wait_event("text", 0)
        await _kill(client)
        answer.cancel()

    fake.script(Reply([Text("Resumed.")]))
    async with _server(root, env, DISK) as (editor, client):
        _, answer = editor.chat(prompt="please continue", sessionId=first["sessionId"])
        result = await answer
        assert (result["stopReason"], result["result"]) == ("end_turn", "Resumed.")
        assert result["sessionId"] == first["sessionId"]
        assert fake.invalid == []
        sent = fake.messages_requests[-1]["messages"]
        assert sent[0]["content"][0]["text"] == "work"
        assert sent[-1]["content"][-1]["text"] == "please continue"
        if where == "between-tools":
            results = [b for b in sent[4]["content"] if b["type"] == "tool_result"]
            # The Edit ran: its own result; the Bash was killed: "interrupted".
            assert [r.get("is_error", False) for r in results] == [False, True]
            assert results[0]["content"] == edited["data"]["content"]
            assert "Interrupted" in results[1]["content"]
            assert target.read_text() == "A = 2\n"  # applied once, kept, not redone
        else:
            assert target.read_text() == "A = 1\n"
        uri = editor.open(target, target.read_text())
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri))
        )
        assert [s.name for s in symbols] == ["A"]
