from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from agent.tools import BashTool
from agent.tools.bash import HEAD_CHARS
from agent.types import ToolContext
from tests.agent.tools_helpers import call, make_ctx, text_of


@pytest.fixture
def tctx(tmp_path: Path) -> ToolContext:
    return make_ctx(tmp_path)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has exited; only its parent has not reaped it


def wait_dead(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


async def test_runs_in_the_workspace_and_reports_exit_codes(
    tmp_path: Path, tctx: ToolContext
) -> None:
    result = await call(BashTool(), tctx, command="pwd; echo err >&2")
    assert not result.is_error
    assert text_of(result) == f"{tmp_path.resolve()}\nerr"
    result = await call(BashTool(), tctx, command="echo partial; exit 3")
    assert result.is_error
    assert text_of(result) == "partial\nExit code 3"
    assert text_of(await call(BashTool(), tctx, command="true")) == "(no output)"


async def test_stdin_is_closed(tctx: ToolContext) -> None:
    result = await call(BashTool(), tctx, command="cat; echo done")
    assert text_of(result) == "done"


async def test_output_is_streamed(tctx: ToolContext) -> None:
    chunks: list[str] = []
    tctx.on_output = chunks.append
    await call(BashTool(), tctx, command="for i in 1 2 3; do echo line $i; done")
    assert "".join(chunks) == "line 1\nline 2\nline 3\n"


async def test_long_output_keeps_head_and_tail(tctx: ToolContext) -> None:
    result = text_of(await call(BashTool(), tctx, command="seq 1 200000"))
    assert result.startswith("1\n2\n3\n")
    assert result.endswith("199999\n200000")
    assert "characters of output cut" in result
    assert len(result) < HEAD_CHARS * 2


async def test_timeout_kills_the_process_group(tmp_path: Path, tctx: ToolContext) -> None:
    pidfile = tmp_path / "child.pid"
    # Both sleeps outlast pytest's timeout: the call returns only if the timeout kills them.
    result = await call(
        BashTool(), tctx, command=f"sleep 600 & echo $! > {pidfile}; sleep 600", timeout=300
    )
    assert result.is_error
    assert "timed out after 0.3 s" in text_of(result)
    assert wait_dead(int(pidfile.read_text()))


async def test_background_leftovers_are_stopped(tmp_path: Path, tctx: ToolContext) -> None:
    pidfile = tmp_path / "bg.pid"
    result = await call(BashTool(), tctx, command=f"sleep 60 & echo $! > {pidfile}; echo ok")
    assert text_of(result) == "ok"
    assert wait_dead(int(pidfile.read_text()))


async def test_cancellation_kills_the_process_group(tmp_path: Path, tctx: ToolContext) -> None:
    pidfile = tmp_path / "child.pid"
    running = asyncio.Event()
    tctx.on_output = lambda text: running.set()
    task = asyncio.create_task(
        call(BashTool(), tctx, command=f"sleep 60 & echo $! > {pidfile}; echo started; sleep 60")
    )
    await asyncio.wait_for(running.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_dead(int(pidfile.read_text()))


async def test_bad_input(tctx: ToolContext) -> None:
    assert (await call(BashTool(), tctx, command="  ")).is_error
    assert (await call(BashTool(), tctx, command=["ls"])).is_error
    assert (await call(BashTool(), tctx, command="ls", timeout="soon")).is_error


def test_summary() -> None:
    summary = BashTool().summary({"command": "npm   test", "description": "Run tests"})
    assert summary == "Run `npm test` (Run tests)"
