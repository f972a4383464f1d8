"""Path escapes and secrets through every LSP door that takes a URI, a path or a name.

A workspace with a ``.env`` and innocent-looking symlinks (to a file outside, to the
``.env``), a folder outside it with a secret, and for each door every hostile form of
address: outside, ``..`` in a ``file:`` URI, percent-encoding, another scheme, a very
long path, NUL and newline. Goal: 0 reads of a secret into the model (every request
the loopback API received is searched for the secret strings), 0 writes outside the
workspace, each refusal a clear JSON-RPC error (or, for inline completion, no answer).
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.agent.fake_api import FakeAnthropic, Reply, ToolUse
from tests.server.chat_support import Editor, editor_session, server_env

pytestmark = pytest.mark.asyncio(loop_scope="module")

OUTSIDE_SECRET = "OUTSIDE_SECRET_7f3a"
ENV_SECRET = "ENV_SECRET_91bc"
SECRETS = (OUTSIDE_SECRET, ENV_SECRET)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAnthropic]:
    server = FakeAnthropic().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("doors")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(f"TOKEN = '{OUTSIDE_SECRET}'\n")
    (outside / "lib.py").write_text("def helper():\n    return 1\n")
    (outside / "user.py").write_text("from secret import TOKEN\n\nprint(TOKEN)\n")
    root = base / "ws"
    root.mkdir()
    (root / ".env").write_text(f"API_KEY={ENV_SECRET}\n")
    (root / "notes.py").symlink_to(outside / "secret.py")  # innocent name, outside
    (root / "settings.py").symlink_to(root / ".env")  # innocent name, the .env
    (root / "lib.py").symlink_to(outside / "lib.py")
    (root / "app.py").write_text("from lib import helper\n\n\ndef main():\n    return helper()\n")
    return base


@pytest.fixture(scope="module")
def root(place: Path) -> Path:
    return place / "ws"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(
    fake: FakeAnthropic, tmp_path_factory: pytest.TempPathFactory, root: Path
) -> AsyncIterator[Editor]:
    env = server_env(fake, tmp_path_factory.mktemp("home"))
    async with editor_session(root, env) as editor:
        yield editor


@pytest.fixture(autouse=True)
def fresh(fake: FakeAnthropic) -> Iterator[None]:
    with fake.lock:
        fake.steps.clear()
    fake.requests.clear()
    yield
    sent = repr([r.body for r in fake.requests])
    assert not [s for s in SECRETS if s in sent], "a secret reached the model"


def hostile(place: Path) -> dict[str, str]:
    """Every form of address that must not reach a secret or leave the workspace."""
    root = place / "ws"
    base = root.as_uri()
    return {
        "outside": (place / "outside" / "secret.py").as_uri(),
        "dotenv": (root / ".env").as_uri(),
        "symlink-outside": (root / "notes.py").as_uri(),
        "symlink-dotenv": (root / "settings.py").as_uri(),
        "dotdot": f"{base}/../outside/secret.py",
        "percent-dotdot": f"{base}/%2E%2E/outside/secret.py",
        "percent-dotenv": f"{base}/%2Eenv",
        "other-scheme": "https://example.com/secret.py",
        "long": f"{base}/{'a' * 5000}.py",
        "nul": f"{base}/a%00b.py",
        "newline": f"{base}/.env%0A",
    }


CASES = list(hostile(Path("/x")))


async def refused(editor: Editor, method: str, params: Any) -> str:
    with pytest.raises(JsonRpcException) as error:
        await editor.request(method, params)
    message = str(error.value.message)
    assert message and not any(s in message for s in SECRETS)
    return message


def command(name: str, *arguments: Any) -> types.ExecuteCommandParams:
    return types.ExecuteCommandParams(command=name, arguments=list(arguments))


@pytest.mark.parametrize("case", CASES)
async def test_chat_context(editor: Editor, fake: FakeAnthropic, place: Path, case: str) -> None:
    uri = hostile(place)[case]
    await refused(editor, "claude/chat", {"prompt": "look", "context": [{"uri": uri}]})
    assert fake.messages_requests == []


@pytest.mark.parametrize("name", ["claude.explain", "claude.ask"])
@pytest.mark.parametrize("case", CASES)
async def test_explain_and_ask(
    editor: Editor, fake: FakeAnthropic, place: Path, case: str, name: str
) -> None:
    location = {"uri": hostile(place)[case]}
    params = command(name, location, "what is in it?")
    await refused(editor, types.WORKSPACE_EXECUTE_COMMAND, params)
    assert fake.messages_requests == []


def open_hostile(editor: Editor, place: Path, case: str) -> str | None:
    """Open the document at that address in the editor, as a user could; its text is
    what is on disk there (None when there is no file)."""
    uri = hostile(place)[case]
    from pygls.uris import to_fs_path

    path = to_fs_path(uri)
    try:
        text = Path(path).read_text() if path and uri.startswith("file:") else None
    except OSError:
        text = None
    if text is None:
        return None
    editor.buffers[uri] = (1, text)
    editor.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    return uri


READABLE = ["outside", "dotenv", "symlink-outside", "symlink-dotenv", "dotdot", "percent-dotenv"]


@pytest.mark.parametrize("case", READABLE)
async def test_ai_code_action_on_a_document_from_outside_or_a_secret(
    editor: Editor, fake: FakeAnthropic, place: Path, case: str
) -> None:
    uri = open_hostile(editor, place, case)
    assert uri is not None
    fake.script(Reply([ToolUse("edits", {"edits": [], "summary": "s"})]))
    data = {"claude": "docstring", "uri": uri, "version": 1, "symbol": "x", "definition": [0, 0]}
    message = await refused(
        editor, types.WORKSPACE_EXECUTE_COMMAND, command("claude.codeAction", data)
    )
    assert "refused" in message
    action = types.CodeAction(title="Add docstring with Claude", data=data)
    await refused(editor, types.CODE_ACTION_RESOLVE, action)
    assert fake.messages_requests == []


@pytest.mark.parametrize("case", READABLE)
async def test_review(editor: Editor, fake: FakeAnthropic, place: Path, case: str) -> None:
    uri = open_hostile(editor, place, case)
    message = await refused(editor, types.WORKSPACE_EXECUTE_COMMAND, command("claude.review", uri))
    assert "refused" in message
    assert fake.messages_requests == []


@pytest.mark.parametrize("case", READABLE)
async def test_inline_completion(
    editor: Editor, fake: FakeAnthropic, place: Path, case: str
) -> None:
    uri = open_hostile(editor, place, case)
    assert uri is not None
    answer = await editor.client.text_document_inline_completion_async(
        types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(0, 3),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Invoked
            ),
        )
    )
    assert answer is None
    assert fake.messages_requests == []


@pytest.mark.parametrize("name", ["claude.review", "claude.codeAction", "claude.explain"])
@pytest.mark.parametrize("argument", [None, 42, "file:///nope.py", {"uri": 7}, ["x"]])
async def test_commands_with_bad_arguments_answer_an_error(
    editor: Editor, fake: FakeAnthropic, name: str, argument: Any
) -> None:
    await refused(editor, types.WORKSPACE_EXECUTE_COMMAND, command(name, argument))
    assert fake.messages_requests == []


async def test_rename_never_edits_a_file_outside_the_workspace(
    editor: Editor, place: Path, root: Path
) -> None:
    # lib.py is a symlink inside the workspace to a file outside: renaming helper
    # would have the editor write the outside file through it.
    uri = editor.open(root / "app.py", (root / "app.py").read_text())
    message = await refused(
        editor,
        types.TEXT_DOCUMENT_RENAME,
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(0, 17),
            new_name="assist",
        ),
    )
    assert "outside the workspace" in message
    # A document opened from outside: its own buffer may change, no other file outside.
    outside = place / "outside"
    secret_uri = open_hostile(editor, place, "outside")
    assert secret_uri is not None
    message = await refused(
        editor,
        types.TEXT_DOCUMENT_RENAME,
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(secret_uri),
            position=types.Position(0, 1),
            new_name="KEY",
        ),
    )
    assert "outside the workspace" in message
    assert (outside / "user.py").read_text() == "from secret import TOKEN\n\nprint(TOKEN)\n"


@pytest.mark.parametrize(
    "new_name", ["../../evil", "a/b", "/tmp/evil", "x\x00y", "x\ny", "..", "x" * 5000 + "/y"]
)
async def test_rename_to_a_name_that_is_a_path_is_refused(
    editor: Editor, root: Path, new_name: str
) -> None:
    path = root / "mod_target.py"
    path.write_text("value = 1\n")
    uri = editor.open(path, "value = 1\n")
    await refused(
        editor,
        types.TEXT_DOCUMENT_RENAME,
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri),
            position=types.Position(0, 1),
            new_name=new_name,
        ),
    )
    assert sorted(p.name for p in root.parent.iterdir()) == ["outside", "ws"]


def git(cwd: Path, *args: str) -> None:
    command = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args]
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)


async def test_commit_message_never_shows_a_staged_secret(
    editor: Editor, fake: FakeAnthropic, root: Path
) -> None:
    git(root, "init", "-q")
    (root / "id_rsa").write_text(f"-----BEGIN KEY-----\n{OUTSIDE_SECRET}\n")
    (root / "feature.py").write_text("def feature():\n    return 'shiny'\n")
    git(root, "add", ".env", "id_rsa", "feature.py")
    fake.script(Reply([ToolUse("commit_message", {"subject": "Add the feature", "body": ""})]))
    result = await editor.request(types.WORKSPACE_EXECUTE_COMMAND, command("claude.commitMessage"))
    assert result["subject"] == "Add the feature"
    prompt = repr(fake.messages_requests[-1])
    assert "shiny" in prompt
    assert "staged changes to .env, id_rsa not shown: secret files" in prompt
