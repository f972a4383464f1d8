"""The chat scenario the Neovim and Emacs end-to-end tests share: a workspace with
``shop.py``, the model's two scripted turns, and what the user must see after each.

Turn 1 (the editor runs ``claude.chat`` itself): the model Reads shop.py and Edits it
(the user allows it), then answers. Turn 2 (the README's snippet, with lines 1-3
selected): the model's Edit is denied, then it answers.
"""

from __future__ import annotations

from pathlib import Path

from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.e2e import Workspace

SHOP = "def total(items):\n    return sum(items)\n\n\nTOTAL = total([1, 2])\n"
DOCSTRING = '    """The price of the items, in dollars."""\n'
DOCUMENTED = SHOP.replace("):\n", "):\n" + DOCSTRING, 1)
FIRST_PROMPT = "Document total()"
SECOND_PROMPT = "Round it to cents"
FIRST_ANSWER = "I added a docstring to total()."
SECOND_ANSWER = "Understood: total() stays as it is."
API_KEY = "sk-ant-e2e-not-a-real-key"
MODEL = "claude-sonnet-5-5"
# The first claude.chat loads the SDK and builds the agent while the server indexes the
# environment's imports: at a load of 9 on 2 cores (several test runs at once) its
# answer took 27 s, so chat scenarios wait longer than the other e2e ones (10 s, 25 s).
CHAT_WAIT_MS = 45_000
CHAT_RUN_TIMEOUT_S = 150


def chat_workspace(base: Path) -> Workspace:
    root = base / "ws"
    root.mkdir()
    (root / "shop.py").write_text(SHOP)
    home = base / "home"
    home.mkdir()
    return Workspace(root=root, file=root / "shop.py", home=home, result=base / "result.json")


def script_two_turns(fake: FakeAnthropic, shop: Path) -> None:
    """Turn 1: Read, Edit (the user allows it), text. Turn 2: Edit (denied), text."""
    fake.script(
        Reply([ToolUse("Read", {"file_path": str(shop)})]),
        Reply(
            [
                ToolUse(
                    "Edit",
                    {
                        "file_path": str(shop),
                        "old_string": "def total(items):\n",
                        "new_string": "def total(items):\n" + DOCSTRING,
                    },
                )
            ]
        ),
        Reply([Text(FIRST_ANSWER)]),
        Reply(
            [
                ToolUse(
                    "Edit",
                    {
                        "file_path": str(shop),
                        "old_string": "return sum(items)",
                        "new_string": "return round(sum(items), 2)",
                    },
                )
            ]
        ),
        Reply([Text(SECOND_ANSWER)]),
    )


def chat_env(fake: FakeAnthropic) -> dict[str, str]:
    """The model is the loopback API; the editor waits longer for agent turns."""
    return {
        "ANTHROPIC_BASE_URL": fake.url,
        "ANTHROPIC_API_KEY": API_KEY,
        "ANTHROPIC_MODEL": MODEL,
        "CLAUDE_LSP_E2E_WAIT_MS": str(CHAT_WAIT_MS),
    }


def assert_first_turn(ws: Workspace, path: str, transcript: str, messages: list[str]) -> None:
    """The transcript file after the first turn, and where the user was told it is."""
    transcripts = ws.home / ".local" / "share" / "claude-lsp" / "transcripts"
    assert Path(path).parent == transcripts
    # the editor cannot showDocument: the server says where the answer goes
    assert messages == [f"Claude's answer is written to {path}"]
    assert f"\n## You\n\n> {FIRST_PROMPT}\n\n## Claude\n\n" in transcript
    assert f"- **Read** {ws.file}\n- **Edit** {ws.file}\n\n{FIRST_ANSWER}\n" in transcript
    assert transcript.splitlines()[-1].startswith("*end_turn")


def assert_second_turn(
    ws: Workspace, path: str, first: str, shown: str, messages: list[str]
) -> None:
    """The transcript the editor shows after the second turn: the first turn, then the
    second one, streamed after it."""
    assert messages == [f"Claude's answer is written to {path}"]
    assert shown.startswith(first)
    footer = shown.splitlines()[-1]
    assert footer.startswith("*end_turn")
    assert shown[len(first) :] == (
        f"\n## You\n\n> {SECOND_PROMPT}\n\n## Claude\n\n"
        f"- **Edit** {ws.file}\n"
        "  - ✗ Permission denied: the user declined this tool call.\n"
        f"\n{SECOND_ANSWER}\n\n---\n{footer}\n"
    )


def assert_denial_reached_the_model(fake: FakeAnthropic) -> None:
    """The second turn sent the selection, and the model got the denial as the Edit's
    tool result."""
    requests = fake.messages_requests
    assert len(requests) == 5
    asked = requests[3]["messages"][-1]["content"]
    assert asked[0] == {"type": "text", "text": SECOND_PROMPT}
    selection = asked[1]["text"].split("\n")
    assert selection[0] == '<selection path="shop.py" lines="1-3">'
    assert selection[1:] == [
        "     1\tdef total(items):",
        "     2\t" + DOCSTRING.rstrip("\n"),
        "     3\t    return sum(items)",
        "</selection>",
    ]
    [result] = requests[4]["messages"][-1]["content"]
    assert result["type"] == "tool_result"
    assert result["is_error"] is True
    assert result["content"] == "Permission denied: the user declined this tool call."
