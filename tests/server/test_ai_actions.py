"""AI code actions end to end: a real server, the real SDK against the loopback Messages
API, and a test editor that applies what it is sent. Each test checks what the model
received (the context) and what the editor ended up with.

One server for the module (VS Code's capabilities: codeAction/resolve)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = (
    "import math\n"
    "\n"
    "\n"
    "def area(radius):\n"
    "    return math.pi * radius ** 2\n"
    "\n"
    "\n"
    "def scale(values, factor):\n"
    "    return [v * factr for v in values]\n"
)


ORDERS = (
    "from helpers.pricing import compute_discount_rate\n\n\n"
    "def order_total(customer, amount):\n"
    "    return amount * (1 - compute_discount_rate(customer))\n"
)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ws")
    (root / "tests").mkdir()
    (root / "tests" / "test_other.py").write_text(
        "import pytest\n\n\ndef test_nothing():\n    assert True\n"
    )
    (root / "helpers").mkdir()
    (root / "helpers" / "pricing.py").write_text(
        "def compute_discount_rate(customer):\n    return 0.1\n"
    )
    (root / "orders.py").write_text(ORDERS)
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(
    fake: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory, root: Path
) -> AsyncIterator[Editor]:
    env = server_env(fake, tmp_path_factory.mktemp("home"))
    async with editor_session(root, env) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic, editor: Editor) -> None:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()
    editor.apply_mode = "apply"


def at(line: int, character: int = 0) -> types.Position:
    return types.Position(line=line, character=character)


async def actions(
    editor: Editor,
    uri: str,
    start: types.Position,
    end: types.Position | None = None,
    diagnostics: list[types.Diagnostic] | None = None,
) -> dict[str, types.CodeAction]:
    result = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=start, end=end or start),
            context=types.CodeActionContext(diagnostics=diagnostics or []),
        )
    )
    return {a.title: a for a in result or [] if isinstance(a, types.CodeAction)}


def prompt_of(fake: FakeAnthropic) -> str:
    [request] = fake.messages_requests
    [message] = request["messages"]
    return "".join(b["text"] for b in message["content"])


def edits(*items: tuple[int, int, str, str], summary: str = "done") -> dict[str, Any]:
    return {
        "edits": [
            {"startLine": s, "endLine": e, "oldText": old, "newText": new}
            for s, e, old, new in items
        ],
        "summary": summary,
    }


def apply(editor: Editor, action: types.CodeAction) -> None:
    assert action.edit is not None
    result = editor.apply(types.ApplyWorkspaceEditParams(edit=action.edit))
    assert result.applied, result


async def test_listing_offers_ai_actions_without_calling_the_model(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "listing.py", SOURCE)
    problem = types.Diagnostic(
        range=types.Range(at(8, 20), at(8, 25)), message="undefined name 'factr'", source="mypy"
    )
    found = await actions(editor, uri, at(8, 4), diagnostics=[problem])
    assert {
        "Fix with Claude: undefined name 'factr'",
        "Add docstring to `scale` with Claude",
        "Add type hints to `scale` with Claude",
        "Write tests for `scale` with Claude",
        "Explain `scale` with Claude",
        "Ask Claude about this…",
    } <= set(found)
    explain = found["Explain `scale` with Claude"]
    assert explain.command is not None and explain.command.command == "claude.explain"
    [location] = explain.command.arguments or []
    assert location["range"]["start"]["line"] == 7 and location["range"]["end"]["line"] == 9
    fix = found["Fix with Claude: undefined name 'factr'"]
    assert fix.edit is None and fix.command is None and fix.kind == "quickfix.claude"
    assert fake.requests == []  # listing never calls the model


async def test_fix_with_claude_for_another_servers_diagnostic(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "fixing.py", SOURCE)
    problem = types.Diagnostic(
        range=types.Range(at(8, 20), at(8, 25)),
        message="Name 'factr' is not defined",
        source="mypy",
        code="name-defined",
    )
    found = await actions(editor, uri, at(8, 20), diagnostics=[problem])
    fix = found["Fix with Claude: Name 'factr' is not defined"]
    old, new = "    return [v * factr for v in values]", "    return [v * factor for v in values]"
    fake.script(Reply([ToolUse("propose_edits", edits((9, 9, old, new)))]))
    resolved = await editor.client.code_action_resolve_async(fix)
    request = fake.messages_requests[0]
    assert request["tool_choice"] == {"type": "tool", "name": "propose_edits"}
    assert [t["name"] for t in request["tools"]] == ["propose_edits"]
    prompt = prompt_of(fake)
    assert "line 9: error [mypy/name-defined]: Name 'factr' is not defined" in prompt
    assert "     9\t    return [v * factr for v in values]" in prompt
    assert 'path="fixing.py"' in prompt
    assert resolved.data["costUsd"] > 0
    [change] = resolved.edit.document_changes
    assert change.text_document.version == 1
    apply(editor, resolved)
    assert editor.text(uri) == SOURCE.replace("factr", "factor")


async def test_docstring_is_added_to_the_enclosing_function(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "docs.py", SOURCE)
    found = await actions(editor, uri, at(4, 10))
    action = found["Add docstring to `area` with Claude"]
    docstring = '    """The area of a circle of ``radius``."""'
    fake.script(Reply([ToolUse("propose_edits", edits((5, 4, "", docstring)))]))
    resolved = await editor.client.code_action_resolve_async(action)
    prompt = prompt_of(fake)
    assert "Add a docstring to `area`" in prompt
    assert "The function `area` is at lines 4-5." in prompt
    assert '<selection path="docs.py" lines="4-5">' in prompt
    apply(editor, resolved)
    assert editor.text(uri) == SOURCE.replace(
        "def area(radius):\n", f"def area(radius):\n{docstring}\n"
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (edits((4, 4, "def area(r):", "def area(r: float) -> float:")), "no longer hold"),
        (edits((4, 4, "def area(radius):", "def area(radius) -> float")), "does not parse"),
        (edits((40, 41, "", "x = 1")), "do not exist"),
        ({"summary": "no edits at all"}, "holds no edits"),
        (edits((4, 5, "a", "b"), (5, 5, "b", "c")), "no longer hold"),
    ],
)
async def test_malformed_answers_are_refused_and_change_nothing(
    editor: Editor, fake: FakeAnthropic, root: Path, answer: dict[str, Any], reason: str
) -> None:
    uri = editor.open(root / f"bad_{abs(hash(json.dumps(answer)))}.py", SOURCE)
    action = (await actions(editor, uri, at(4, 4)))["Add type hints to `area` with Claude"]
    fake.script(Reply([ToolUse("propose_edits", answer)]))
    applied = len(editor.applied)
    with pytest.raises(JsonRpcException) as caught:
        await editor.client.code_action_resolve_async(action)
    assert reason in str(caught.value)
    assert editor.text(uri) == SOURCE and len(editor.applied) == applied


async def test_comment_request_is_done_and_the_comment_removed(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    text = SOURCE.replace("def area(radius):\n", "def area(radius):  # round it to 2 places AI!\n")
    uri = editor.open(root / "comment.py", text)
    found = await actions(editor, uri, at(3, 0))
    action = found["Claude: round it to 2 places"]
    old = "    return math.pi * radius ** 2"
    fake.script(
        Reply(
            [
                ToolUse(
                    "propose_edits",
                    edits((5, 5, old, "    return round(math.pi * radius ** 2, 2)")),
                )
            ]
        )
    )
    resolved = await editor.client.code_action_resolve_async(action)
    assert "Do what this comment asks, on line 4: round it to 2 places" in prompt_of(fake)
    apply(editor, resolved)
    assert editor.text(uri) == SOURCE.replace(old, "    return round(math.pi * radius ** 2, 2)")


async def test_write_tests_follows_the_project_layout(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    (root / "geometry.py").write_text(SOURCE)
    uri = editor.open(root / "geometry.py", SOURCE)
    action = (await actions(editor, uri, at(4, 0)))["Write tests for `area` with Claude"]
    content = (
        "import math\n\nfrom geometry import area\n\n\n"
        "def test_area():\n    assert area(1) == math.pi\n"
    )
    answer = {"path": "tests/test_geometry.py", "content": content, "summary": "tests"}
    fake.script(Reply([ToolUse("write_test_file", answer)]))
    resolved = await editor.client.code_action_resolve_async(action)
    prompt = prompt_of(fake)
    assert "Framework: pytest" in prompt and "tests/test_other.py" in prompt
    assert '<test-file path="tests/test_other.py">' in prompt
    create, fill = resolved.edit.document_changes
    assert fill.text_document.version is None
    assert isinstance(create, types.CreateFile)
    assert create.uri == (root / "tests" / "test_geometry.py").as_uri()
    apply(editor, resolved)
    assert (root / "tests" / "test_geometry.py").read_text() == content


async def test_a_test_file_outside_the_workspace_is_refused(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "escape.py", SOURCE)
    action = (await actions(editor, uri, at(4, 0)))["Write tests for `area` with Claude"]
    answer = {"path": "../outside_test.py", "content": "x = 1\n", "summary": "tests"}
    fake.script(Reply([ToolUse("write_test_file", answer)]))
    with pytest.raises(JsonRpcException, match="outside the workspace"):
        await editor.client.code_action_resolve_async(action)
    assert not (root.parent / "outside_test.py").exists()


async def test_an_edit_while_claude_works_is_not_applied(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "moving.py", SOURCE)
    action = (await actions(editor, uri, at(4, 0)))["Add type hints to `area` with Claude"]
    fake.script(
        Reply(
            [
                ToolUse(
                    "propose_edits", edits((4, 4, "def area(radius):", "def area(radius: float):"))
                )
            ],
            delay=0.05,
        )
    )
    pending = editor.client.code_action_resolve_async(action)
    editor._set(uri, "# typed meanwhile\n" + SOURCE)
    with pytest.raises(JsonRpcException, match="changed"):
        await pending
    assert editor.text(uri) == "# typed meanwhile\n" + SOURCE


async def started_progress(editor: Editor, title: str) -> str:
    """The token of the progress called ``title`` (rope may report its own meanwhile)."""
    while True:
        for token, reports in editor.client.progress_reports.items():
            begin = reports[0] if reports else None
            if isinstance(begin, types.WorkDoneProgressBegin) and begin.title == title:
                return str(token)
        await asyncio.wait_for(editor.client.wait_for_notification(types.PROGRESS), 30)


async def test_cancelling_the_progress_stops_claude_and_changes_nothing(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "cancel_progress.py", SOURCE)
    action = (await actions(editor, uri, at(4, 0)))["Add type hints to `area` with Claude"]
    fake.script(Reply([Text("thinking")], hang_after=2))
    editor.client.progress_reports.clear()
    pending = asyncio.ensure_future(editor.client.code_action_resolve_async(action))
    token = await started_progress(editor, action.title)
    assert editor.client.progress_reports[token][0].cancellable
    editor.client.protocol.notify(
        types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token)
    )
    with pytest.raises(JsonRpcException, match="cancel"):
        await asyncio.wait_for(pending, 30)
    assert editor.text(uri) == SOURCE
    while not isinstance(editor.client.progress_reports[token][-1], types.WorkDoneProgressEnd):
        await asyncio.wait_for(editor.client.wait_for_notification(types.PROGRESS), 30)


async def test_cancel_request_stops_the_resolve(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "cancel_request.py", SOURCE)
    action = (await actions(editor, uri, at(4, 0)))["Add docstring to `area` with Claude"]
    fake.script(Reply([Text("thinking")], hang_after=2))
    editor.client.progress_reports.clear()
    msg_id = "resolve-to-cancel"
    future = editor.client.protocol.send_request(types.CODE_ACTION_RESOLVE, action, msg_id=msg_id)
    await started_progress(editor, action.title)
    editor.cancel(msg_id)
    with pytest.raises(JsonRpcException, match="cancel"):
        await asyncio.wait_for(asyncio.wrap_future(future), 30)
    assert editor.text(uri) == SOURCE


async def test_explain_is_a_chat_turn_with_the_code_attached(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "explained.py", SOURCE)
    problem = types.Diagnostic(
        range=types.Range(at(8, 20), at(8, 25)), message="undefined name 'factr'", source="x"
    )
    command = (await actions(editor, uri, at(8, 0), diagnostics=[problem]))[
        "Explain `scale` with Claude"
    ].command
    assert command is not None and command.command == "claude.explain"
    fake.script(Reply([Text("It scales.")]))
    since = editor.mark()
    started = await editor.request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments),
    )
    await editor.wait_event("turnEnd", since)
    assert started["uri"].endswith(".md")
    [request] = fake.messages_requests
    text = " ".join(b["text"] for b in request["messages"][-1]["content"])
    assert "Explain the attached code" in text
    assert '<selection path="explained.py" lines="8-9">' in text
    assert "return [v * factr for v in values]" in text


async def test_the_context_holds_the_repository_map(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "orders.py", ORDERS)
    action = (await actions(editor, uri, at(4, 4)))["Add docstring to `order_total` with Claude"]
    docstring = '    """The amount after the discount."""'
    fake.script(Reply([ToolUse("propose_edits", edits((5, 4, "", docstring)))]))
    await editor.client.code_action_resolve_async(action)
    prompt = prompt_of(fake)
    assert "<repository-map>\nhelpers/pricing.py\n  1: def compute_discount_rate(customer):" in (
        prompt
    )


async def test_a_definition_over_the_context_budget_is_refused_before_the_model(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    body = "".join(f"    total += compute_{n}(values)\n" for n in range(400))
    text = f"def huge(values):\n    total = 0\n{body}    return total\n"
    uri = editor.open(root / "huge.py", text)

    def configure(tokens: int) -> None:
        editor.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"claudeLsp": {"ai": {"contextTokens": tokens}}}
            )
        )

    configure(1_000)  # the function alone is about 3,000 tokens
    try:
        action = (await actions(editor, uri, at(0, 6)))["Add docstring to `huge` with Claude"]
        with pytest.raises(JsonRpcException) as caught:
            await editor.client.code_action_resolve_async(action)
    finally:
        configure(12_000)
    assert "over the context budget of 1,000 tokens" in str(caught.value)
    assert fake.messages_requests == [] and editor.text(uri) == text


async def test_the_request_holds_the_file_s_git_diff(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    import subprocess

    repo = root / "versioned"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "geo.py").write_text(SOURCE)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "first"], cwd=repo, check=True)
    changed = SOURCE.replace("math.pi * radius ** 2", "3.14 * radius * radius")
    (repo / "geo.py").write_text(changed)  # saved, not committed
    uri = editor.open(repo / "geo.py", changed)
    action = (await actions(editor, uri, at(4, 10)))["Add docstring to `area` with Claude"]
    fake.script(Reply([ToolUse("propose_edits", edits((5, 4, "", '    """Area."""')))]))
    await editor.client.code_action_resolve_async(action)
    prompt = prompt_of(fake)
    assert "<git-diff>" in prompt
    assert "-    return math.pi * radius ** 2" in prompt
    assert "+    return 3.14 * radius * radius" in prompt


async def test_type_hints_are_added_to_the_enclosing_function(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    uri = editor.open(root / "hints.py", SOURCE)
    action = (await actions(editor, uri, at(4, 10)))["Add type hints to `area` with Claude"]
    typed = "def area(radius: float) -> float:"
    fake.script(Reply([ToolUse("propose_edits", edits((4, 4, "def area(radius):", typed)))]))
    resolved = await editor.client.code_action_resolve_async(action)
    assert "Add type hints to the parameters and return value of `area`" in prompt_of(fake)
    apply(editor, resolved)
    assert editor.text(uri) == SOURCE.replace("def area(radius):", typed)
