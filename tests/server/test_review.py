"""claude.review end to end: findings published as diagnostics with source `claude`,
moving with edits above them and gone when their lines change, cached by content, a
fix offered as a code action, and in git only the changed lines reviewed."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types

from tests.agent.fake_api import FakeAnthropic, Reply, ToolUse
from tests.lsp_client import _published_after
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = (
    "def average(values):\n"
    "    total = 0\n"
    "    for v in values:\n"
    "        total += v\n"
    "    return total / len(values)\n"
)
MESSAGE = "Division by zero when `values` is empty."


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
    return tmp_path_factory.mktemp("ws")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(
    fake: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory, root: Path
) -> AsyncIterator[Editor]:
    env = server_env(fake, tmp_path_factory.mktemp("home"))
    async with editor_session(root, env) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic) -> None:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()


def finding(line: int, message: str = MESSAGE, **extra: Any) -> dict[str, Any]:
    return {"line": line, "endLine": line, "severity": "warning", "message": message, **extra}


async def review(editor: Editor, uri: str) -> dict[str, Any]:
    result: dict[str, Any] = await editor.request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command="claude.review", arguments=[uri]),
    )
    return result


def claude_diagnostics(editor: Editor, uri: str) -> list[types.Diagnostic]:
    return [d for d in editor.client.diagnostics.get(uri, []) if d.source == "claude"]


async def findings_at(editor: Editor, uri: str, lines: list[int], timeout: float = 20.0) -> None:
    """Wait until the latest publish for ``uri`` has claude findings at these lines."""

    def latest(params: types.PublishDiagnosticsParams) -> bool:
        mine = [p for p in editor.client.published if p.uri == uri]
        found = [d.range.start.line for d in mine[-1].diagnostics if d.source == "claude"]
        return params is mine[-1] and found == lines

    await _published_after(editor.client, 0, latest, timeout)


def prompt_of(fake: FakeAnthropic) -> str:
    [request] = fake.messages_requests
    return "".join(b["text"] for b in request["messages"][0]["content"])


async def test_findings_follow_the_code_and_are_cached(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "stats.py", SOURCE)
    fake.script(Reply([ToolUse("report_findings", {"findings": [finding(5)]})]))
    result = await review(editor, uri)
    assert result["scope"] == "whole file" and result["costUsd"] > 0
    assert result["findings"] == [finding(5)]
    assert fake.messages_requests[0]["tool_choice"]["name"] == "report_findings"
    assert "     5\t    return total / len(values)" in prompt_of(fake)
    await findings_at(editor, uri, [4])
    [diagnostic] = claude_diagnostics(editor, uri)
    assert diagnostic.range.start == types.Position(4, 4)
    assert diagnostic.severity == types.DiagnosticSeverity.Warning

    editor._set(uri, '"""Statistics."""\n\n' + SOURCE)  # two lines above: it moves
    await findings_at(editor, uri, [6])

    editor._set(uri, SOURCE)  # back to the reviewed text: from the cache, no model call
    fake.requests.clear()
    cached = await review(editor, uri)
    assert cached["cached"] is True and fake.messages_requests == []
    await findings_at(editor, uri, [4])

    editor._set(uri, SOURCE.replace("/ len(values)", "/ max(len(values), 1)"))  # its line
    await findings_at(editor, uri, [])


async def test_a_fix_is_offered_as_a_code_action(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "fixable.py", SOURCE)
    fix = {
        "oldText": "    return total / len(values)",
        "newText": "    return total / max(len(values), 1)",
    }
    fake.script(Reply([ToolUse("report_findings", {"findings": [finding(5, fix=fix)]})]))
    await review(editor, uri)
    await findings_at(editor, uri, [4])
    [diagnostic] = claude_diagnostics(editor, uri)
    listed = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    [action] = [a for a in listed or [] if a.title == "Apply Claude's fix"]
    assert isinstance(action, types.CodeAction) and action.edit is not None
    assert editor.apply(types.ApplyWorkspaceEditParams(edit=action.edit)).applied
    assert editor.text(uri) == SOURCE.replace("/ len(values)", "/ max(len(values), 1)")
    await findings_at(editor, uri, [])


async def test_malformed_findings_are_dropped_or_refused(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "malformed.py", SOURCE)
    bad_fix = {"oldText": "not these lines", "newText": "x"}
    answer = {"findings": [finding(99, "past the end"), finding(2, "kept", fix=bad_fix)]}
    fake.script(Reply([ToolUse("report_findings", answer)]))
    result = await review(editor, uri)
    assert result["findings"] == [finding(2, "kept")]  # no fix: it did not match
    fake.script(Reply([ToolUse("report_findings", {"summary": "no list"})]))
    editor._set(uri, SOURCE + "\n")
    with pytest.raises(Exception, match="no findings list"):
        await review(editor, uri)


async def test_in_git_only_the_changed_lines_are_reviewed(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "stats.py").write_text(SOURCE)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    changed = SOURCE.replace("    total = 0\n", "    total = 0.0\n")
    uri = editor.open(repo / "stats.py", changed)
    answer = {"findings": [finding(2, "on a changed line"), finding(5, "on an unchanged line")]}
    fake.script(Reply([ToolUse("report_findings", answer)]))
    result = await review(editor, uri)
    assert result["scope"] == "changes against HEAD"
    assert [f["message"] for f in result["findings"]] == ["on a changed line"]
    prompt = prompt_of(fake)
    assert "only the changed lines (2-2)" in prompt
    assert "-    total = 0\n+    total = 0.0" in prompt


async def test_review_on_save_only_when_enabled(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    path = root / "saved.py"
    path.write_text(SOURCE)
    uri = editor.open(path, SOURCE)
    save = types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    editor.client.text_document_did_save(save)  # off by default: nothing happens
    settings = {"claudeLsp": {"review": {"onSave": True}}}
    editor.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=settings)
    )
    await editor.request("claude/status")  # a round trip: the new settings are applied
    try:
        fake.script(Reply([ToolUse("report_findings", {"findings": [finding(5)]})]))
        editor.client.text_document_did_save(save)
        await findings_at(editor, uri, [4], timeout=120)  # the first use imports the SDK
        assert len(fake.messages_requests) == 1
    finally:
        settings["claudeLsp"]["review"]["onSave"] = False
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=settings)
        )


async def test_review_findings_hidden_and_shown_again_by_their_setting(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    def configure(review: bool) -> None:
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"claudeLsp": {"diagnostics": {"review": review}}}
            )
        )

    uri = editor.open(root / "hidden.py", SOURCE)
    fake.script(Reply([ToolUse("report_findings", {"findings": [finding(5)]})]))
    await review(editor, uri)
    await findings_at(editor, uri, [4])
    try:
        configure(False)  # the findings are kept, not shown
        await findings_at(editor, uri, [])
    finally:
        configure(True)
    await findings_at(editor, uri, [4])  # without another model call
    assert len(fake.messages_requests) == 1
