"""``claude.chat`` from Neovim 0.7, against the loopback Anthropic-compatible API: the
agent's edit lands in Neovim's buffer after the user allowed it in Neovim's own prompt,
the transcript file holds the turn, and the README's "ask Claude about the selection"
snippet (``claude_ask.lua``) opens the transcript, into which the next answer streams;
an edit the user denies leaves the file alone and the model is told.

One editor run (``neovim_chat.lua``) does both turns of one session. Needs ``nvim``
(Debian: ``apt-get install -y neovim``); skipped when it is missing, failed instead when
``CI`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agent.fake_api import FakeAnthropic
from tests.e2e import HERE, Workspace, editor_binary, run_editor
from tests.e2e.chat_scenario import (
    CHAT_RUN_TIMEOUT_S,
    DOCUMENTED,
    SECOND_ANSWER,
    assert_denial_reached_the_model,
    assert_first_turn,
    assert_second_turn,
    chat_env,
    chat_workspace,
    script_two_turns,
)
from tests.e2e.test_neovim_refactor import lines


def text(buffer_lines: list[str]) -> str:
    """Buffer lines (or ``readfile()``'s) as the text of a file ending in a newline."""
    return "\n".join(buffer_lines) + "\n"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, fake: FakeAnthropic
) -> tuple[Workspace, dict[str, Any]]:
    nvim = editor_binary("nvim", "neovim")
    ws = chat_workspace(tmp_path_factory.mktemp("nvim-chat").resolve())
    script_two_turns(fake, ws.file)
    script = HERE / "neovim_chat.lua"
    argv = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {script}"]
    logs = (ws.home / ".cache" / "nvim" / "lsp.log",)
    observed = run_editor(argv, ws, logs, extra_env=chat_env(fake), timeout=CHAT_RUN_TIMEOUT_S)
    return ws, observed


def permission_question(path: Path, stat: str) -> list[str]:
    return [
        f"Claude wants to use Edit: Edit {path} ({stat})",
        "\nRequest Actions:",
        "1. Allow once",
        "2. Always allow",
        "3. Deny",
    ]


def test_the_allowed_edit_lands_in_the_buffer(run: tuple[Workspace, dict[str, Any]]) -> None:
    ws, observed = run
    command = observed["command"]
    assert command["questions"] == [permission_question(ws.file, "+1 -0 lines")]
    assert command["buffer"] == lines(DOCUMENTED)
    assert [e["uris"] for e in command["edits"]] == [[ws.uri]]
    assert ws.file.read_text() == DOCUMENTED  # saved by Neovim (:write)


def test_the_transcript_file_holds_the_turn(run: tuple[Workspace, dict[str, Any]]) -> None:
    ws, observed = run
    command = observed["command"]
    path = command["transcript_path"]
    assert_first_turn(ws, path, text(command["transcript"]), command["messages"])


def test_the_snippet_streams_the_next_answer_into_the_transcript_buffer(
    run: tuple[Workspace, dict[str, Any]],
) -> None:
    ws, observed = run
    snippet = observed["snippet"]
    assert snippet["asked"] == ["Ask Claude: "]
    assert snippet["windows"] == 2  # the transcript in a split
    assert snippet["filetype"] == "markdown"
    assert snippet["attached"] is True  # by the user's FileType autocmd
    path = observed["command"]["transcript_path"]
    first = text(observed["command"]["transcript"])
    assert_second_turn(ws, path, first, text(snippet["transcript"]), snippet["messages"])
    # the answer streamed into the buffer with workspace/applyEdit, not to the file (which
    # may have the start of the turn: written before the server saw Neovim open it)
    assert snippet["edits"]
    assert all(e["uris"] == [Path(path).as_uri()] for e in snippet["edits"])
    on_disk = text(snippet["transcript_on_disk"])
    assert on_disk.startswith(first)
    assert SECOND_ANSWER not in on_disk


def test_a_denied_edit_changes_nothing_and_the_model_is_told(
    run: tuple[Workspace, dict[str, Any]], fake: FakeAnthropic
) -> None:
    ws, observed = run
    snippet = observed["snippet"]
    assert snippet["questions"] == [permission_question(ws.file, "+1 -1 lines")]
    assert snippet["buffer_unchanged"] is True
    assert snippet["modified"] is False
    assert ws.file.read_text() == DOCUMENTED
    assert_denial_reached_the_model(fake)
