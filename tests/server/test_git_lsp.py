"""Git through the server, in a workspace that is a git repository made by the test:
claude.commitMessage for the staged diff, and the git context a chat session starts with."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")


def git(cwd: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Test", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    git(root, "init", "-q", "-b", "trunk")
    (root / "app.py").write_text("def main():\n    print('hello')\n")
    git(root, "add", ".")
    git(root, "commit", "-qm", "Say hello")
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(
    fake: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory, root: Path
) -> AsyncIterator[Editor]:
    env = server_env(fake, tmp_path_factory.mktemp("home"))
    async with editor_session(root, env) as editor:
        yield editor


async def commit_message(editor: Editor) -> dict[str, object]:
    result: dict[str, object] = await editor.request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command="claude.commitMessage", arguments=[]),
    )
    return result


async def test_commit_message_for_the_staged_diff(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    with pytest.raises(JsonRpcException, match="nothing is staged"):
        await commit_message(editor)
    (root / "app.py").write_text("def main():\n    print('hello, world')\n")
    git(root, "add", "app.py")
    answer = {"subject": "Greet the world", "body": "Wider audience."}
    fake.script(Reply([ToolUse("commit_message", answer)]))
    result = await commit_message(editor)
    assert result["message"] == "Greet the world\n\nWider audience."
    assert isinstance(result["costUsd"], float) and result["costUsd"] > 0
    prompt = fake.messages_requests[-1]["messages"][0]["content"][0]["text"]
    assert "+    print('hello, world')" in prompt and "Say hello" in prompt


async def test_a_chat_session_starts_with_the_git_context(
    editor: Editor, fake: FakeAnthropic
) -> None:
    fake.script(Reply([Text("ok")]))
    _, answer = editor.chat(prompt="hi")
    assert (await answer)["stopReason"] == "end_turn"
    system = fake.messages_requests[-1]["system"][0]["text"]
    assert "Current branch: trunk" in system and "Say hello" in system
