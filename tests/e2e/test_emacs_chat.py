"""``claude.chat`` from Emacs 28 + eglot 1.9, against the loopback Anthropic-compatible
API: the agent's edit lands in the buffer after the user allowed it in eglot's prompt,
the transcript file holds the turn, and the README's "ask Claude about the region"
command (``claude_ask.el``) visits the transcript with ``auto-revert-mode``, so the next
answer, which the server writes to the file as it streams, shows in that buffer; an
edit the user denies leaves the file alone and the model is told.

One editor run (``emacs_chat.el``) does both turns of one session. Needs ``emacs`` with
eglot (Debian: ``apt-get install -y emacs-nox elpa-eglot``); skipped when ``emacs`` is
missing, failed instead when ``CI`` is set.
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
    assert_denial_reached_the_model,
    assert_first_turn,
    assert_second_turn,
    chat_env,
    chat_workspace,
    script_two_turns,
)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory, fake: FakeAnthropic
) -> tuple[Workspace, dict[str, Any]]:
    emacs = editor_binary("emacs", "emacs-nox elpa-eglot")
    ws = chat_workspace(tmp_path_factory.mktemp("emacs-chat").resolve())
    script_two_turns(fake, ws.file)
    argv = [emacs, "--batch", "-Q", "-l", str(HERE / "emacs_chat.el")]
    observed = run_editor(argv, ws, extra_env=chat_env(fake), timeout=CHAT_RUN_TIMEOUT_S)
    return ws, observed


def question(path: Path, stat: str) -> dict[str, Any]:
    return {
        "prompt": f"[eglot] Server reports (type=2): Claude wants to use Edit: Edit {path} "
        f"({stat})\nChoose an option: ",
        "options": ["Allow once", "Always allow", "Deny"],
    }


def test_the_allowed_edit_lands_in_the_buffer(run: tuple[Workspace, dict[str, Any]]) -> None:
    ws, observed = run
    command = observed["command"]
    assert command["result_keys"] == ["sessionId", "uri"]
    assert command["questions"] == [question(ws.file, "+1 -0 lines")]
    assert command["buffer"] == DOCUMENTED
    assert command["edits"] == [[ws.uri]]
    assert ws.file.read_text() == DOCUMENTED  # saved by Emacs


def test_the_transcript_file_holds_the_turn(run: tuple[Workspace, dict[str, Any]]) -> None:
    ws, observed = run
    command = observed["command"]
    assert_first_turn(ws, command["transcript_path"], command["transcript"], command["messages"])


def test_the_snippet_streams_the_next_answer_into_the_transcript_buffer(
    run: tuple[Workspace, dict[str, Any]],
) -> None:
    ws, observed = run
    snippet = observed["snippet"]
    assert snippet["asked"] == ["Ask Claude: "]
    assert snippet["shown"] is True  # in the selected window
    assert snippet["auto_revert"] is True
    path = observed["command"]["transcript_path"]
    first = observed["command"]["transcript"]
    assert_second_turn(ws, path, first, snippet["transcript"], snippet["messages"])
    # eglot does not manage the transcript: the server wrote the file as the answer came
    assert snippet["managed"] is False
    assert snippet["edits"] == []
    assert snippet["transcript_on_disk"] == snippet["transcript"]


def test_a_denied_edit_changes_nothing_and_the_model_is_told(
    run: tuple[Workspace, dict[str, Any]], fake: FakeAnthropic
) -> None:
    ws, observed = run
    snippet = observed["snippet"]
    assert snippet["questions"] == [question(ws.file, "+1 -1 lines")]
    assert snippet["buffer_unchanged"] is True
    assert snippet["modified"] is False
    assert ws.file.read_text() == DOCUMENTED
    assert_denial_reached_the_model(fake)
