"""JSONL sessions: append/load, repair, latest, fork, secrets, and resume after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from agent.errors import SessionNotFound
from agent.session import INTERRUPTED, SessionStore, repair
from tests.agent.conftest import API_KEY, Port
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.agent.test_loop import REQUEST_USD, make_agent

ROOT = Path(__file__).resolve().parents[2]


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def test_append_load_roundtrip_and_usage(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = store.create(tmp_path / "ws", "claude-sonnet-5-5")
    session.append(user("hello"))
    session.append({"role": "assistant", "content": [{"type": "text", "text": "hi"}]})
    session.record_usage("claude-sonnet-5-5", {"input_tokens": 1}, 0.25)
    session.close()

    lines = session.path.read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == ["meta", "message", "message", "usage"]
    loaded = store.load(session.id)
    assert loaded.messages == session.messages
    assert loaded.cwd == str(tmp_path / "ws") and loaded.model == "claude-sonnet-5-5"
    assert loaded.cost_usd == 0.25
    assert store.load(session.id[:8]).id == session.id  # a unique prefix is enough
    with pytest.raises(SessionNotFound):
        store.load("nope")


def test_repair_answers_dangling_tool_calls() -> None:
    messages = [
        user("go"),
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "running"},
                {"type": "tool_use", "id": "t1", "name": "Bash", "input": {}},
                {"type": "tool_use", "id": "t2", "name": "Read", "input": {}},
            ],
        },
    ]
    repair(messages)
    assert messages[-1] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": t, "content": INTERRUPTED, "is_error": True}
            for t in ("t1", "t2")
        ],
    }
    assert repair(messages) == messages and len(messages) == 3  # idempotent


def test_a_torn_last_line_is_skipped_and_the_repair_persisted(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = store.create(tmp_path, "m")
    session.append(user("go"))
    session.append(
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t", "name": "X", "input": {}}],
        }
    )
    session.close()
    with session.path.open("a") as f:
        f.write('{"type": "message", "message": {"role": "us')  # killed mid-write

    loaded = store.load(session.id)
    assert loaded.messages[-1]["content"][0]["tool_use_id"] == "t"
    loaded.close()
    assert store.load(session.id).messages == loaded.messages  # repair written once


def test_the_results_of_tools_that_ran_survive_a_kill_between_tools(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = store.create(tmp_path, "m")
    session.append(user("go"))
    calls = [{"type": "tool_use", "id": t, "name": "Edit", "input": {}} for t in ("t1", "t2")]
    session.append({"role": "assistant", "content": calls})
    edited = {"type": "tool_result", "tool_use_id": "t1", "content": "Edited a.py"}
    session.record_result(edited)  # t1 ran; the process dies while t2 runs
    session.close()

    loaded = store.load(session.id)

    interrupted = {"type": "tool_result", "tool_use_id": "t2", "content": INTERRUPTED}
    assert loaded.messages[-1] == {
        "role": "user",
        "content": [edited, {**interrupted, "is_error": True}],
    }
    assert "may have run" in INTERRUPTED  # the model is told to look before retrying
    loaded.close()
    assert store.load(session.id).messages == loaded.messages


def test_latest_list_and_fork(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s")
    assert store.latest() is None and store.list() == []
    a = store.create(tmp_path / "a", "m")
    a.append(user("in a"))
    b = store.create(tmp_path / "b", "m")
    b.append(user("in b"))
    a.append({"role": "assistant", "content": [{"type": "text", "text": "a again"}]})
    a.close()
    b.close()
    os.utime(a.path, (2e9, 2e9))  # a written last

    assert store.latest().id == a.id  # type: ignore[union-attr]
    assert store.latest(tmp_path / "b").id == b.id  # type: ignore[union-attr]
    assert [s["id"] for s in store.list()] == [a.id, b.id]

    fork = store.fork(a.id)
    fork.append(user("only in the fork"))
    fork.close()
    assert fork.id != a.id
    assert store.load(fork.id).messages[:2] == store.load(a.id).messages
    assert len(store.load(a.id).messages) == 2


async def test_transcripts_never_hold_the_api_key(
    fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "s")
    session = store.create(tmp_path, "claude-sonnet-5-5")
    fake.script(Reply([Text("done")]))
    agent = make_agent(client, port, session=session)
    result = await agent.run("hello")
    session.close()

    text = session.path.read_text()
    assert API_KEY not in text and "SECRET" not in text
    headers = fake.requests[0].headers  # the key was sent, not stored
    assert API_KEY in headers.get("x-api-key", "") + headers.get("authorization", "")
    assert store.load(session.id).cost_usd == pytest.approx(result.cost_usd)


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from anthropic import AsyncAnthropic
    from agent.session import SessionStore
    from tests.agent.conftest import BlockTool, Port, ReadTool
    from tests.agent.test_loop import make_agent

    async def main(url, root, workdir, where):
        store = SessionStore(Path(root))
        session = store.create(Path(workdir), "claude-sonnet-5-5")
        print(session.id, flush=True)
        port, block = Port(Path(workdir)), BlockTool()
        client = AsyncAnthropic(api_key="k", base_url=url, max_retries=0)
        agent = make_agent(client, port, [ReadTool(), block], session=session)
        task = asyncio.create_task(agent.run("work"))
        # mid-tool: the tool has started (the first text comes earlier: a kill then
        # would land mid-stream); mid-stream: the first text has arrived.
        await (block.started if where == "mid-tool" else port.first_text).wait()
        print("BUSY", flush=True)
        await task

    asyncio.run(main(*sys.argv[1:]))
    """
)


@pytest.mark.parametrize("where", ["mid-tool", "mid-stream"])
async def test_resume_after_kill_9(
    where: str, fake: FakeAnthropic, client: Any, port: Port, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "sessions")
    (tmp_path / "a.txt").write_text("A")
    read, block = ToolUse("Read", {"file_path": "a.txt"}), ToolUse("Block", {})
    if where == "mid-tool":
        fake.script(Reply([Text("Working."), read, block]))
    else:
        fake.script(Reply([Text("Work", chunks=1), Text("ing")], hang_after=5))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, fake.url, str(store.root), str(tmp_path), where],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert child.stdout is not None
    session_id = child.stdout.readline().strip()
    assert child.stdout.readline().strip() == "BUSY"
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    child.stdout.close()

    session = store.load(session_id)
    if where == "mid-tool":
        assert [m["role"] for m in session.messages] == ["user", "assistant", "user"]
        # The Read finished before the kill: its result; the Block did not: interrupted.
        read_result, block_result = session.messages[-1]["content"]
        assert not read_result.get("is_error") and "A" in str(read_result["content"])
        assert block_result["is_error"] and block_result["content"] == INTERRUPTED
    else:
        assert [m["role"] for m in session.messages] == ["user"]
    fake.script(Reply([Text("Resumed and finished.")]))
    agent = make_agent(client, port, session=session)

    result = await agent.run("please continue")

    assert result.text == "Resumed and finished."
    assert fake.invalid == []
    sent = fake.messages_requests[-1]["messages"]
    assert sent[0]["content"][0]["text"] == "work"
    assert sent[-1]["content"][0]["text"] == "please continue"
    assert result.cost_usd == pytest.approx(REQUEST_USD)
    session.close()
    resumed = store.load(session_id)
    assert resumed.messages == agent.messages
    expected = 2 * REQUEST_USD if where == "mid-tool" else REQUEST_USD
    assert resumed.cost_usd == pytest.approx(expected)


async def test_tools_cannot_put_the_api_key_into_the_transcript(
    fake: FakeAnthropic,
    client: Any,
    port: Port,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agent.tools import BashTool
    from agent.tools import ReadTool as RealRead

    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    (tmp_path / "notes.txt").write_text(f"key = {API_KEY}\n")
    store = SessionStore(tmp_path / "s")
    session = store.create(tmp_path, "claude-sonnet-5-5")
    env = ToolUse("Bash", {"command": "cat notes.txt >&2; echo k=$ANTHROPIC_API_KEY"})
    read = ToolUse("Read", {"file_path": "notes.txt"})
    fake.script(Reply([env, read]), Reply([Text("done")]))
    agent = make_agent(client, port, tools=[BashTool(), RealRead()], session=session)
    await agent.run("show me the key")
    session.close()

    results = [b for b in agent.messages[2]["content"] if b["type"] == "tool_result"]
    assert results[0]["content"].strip().endswith("k=")  # not in the Bash environment
    assert results[1]["content"].endswith("key = [redacted]")  # redacted from output
    assert API_KEY not in session.path.read_text()
    assert any(e.kind == "tool_output" for e in port.events)
    assert all(API_KEY not in str(e.data) for e in port.events)
    assert API_KEY not in json.dumps(fake.requests[-1].body)


def test_transcripts_are_private_to_their_owner(tmp_path):
    import stat

    from agent.session import SessionStore

    store = SessionStore(tmp_path / "sessions")
    session = store.create(tmp_path, "claude-sonnet-5-5")
    session.close()
    assert stat.S_IMODE(session.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "sessions").stat().st_mode) == 0o700
