"""``claude.commitMessage``: a commit message for the staged diff, returned to the client
(which puts it in its commit box). git runs on a worker thread (gitpython)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from server.ai_run import AiFailed

if TYPE_CHECKING:
    from server.app import ClaudeLanguageServer

COMMAND = "claude.commitMessage"


async def commit_message_command(ls: Any, *args: Any) -> dict[str, Any]:
    """``claude.commitMessage []`` → ``{message, subject, body, costUsd}``. ``ls`` is
    untyped: pygls resolves command annotations at run time."""
    from agent.git_context import recent_commits, staged_diff
    from agent.tasks import COMMIT_TOOL, TaskError, commit_message, commit_prompt, text_block

    del args
    root = ls.chats.root()
    diff = await asyncio.to_thread(staged_diff, root)
    if diff is None:
        raise AiFailed(f"{root} is not in a git repository", "notGit")
    if not diff.strip():
        raise AiFailed("nothing is staged: stage the changes to describe first", "nothingStaged")
    recent = await asyncio.to_thread(recent_commits, root)
    answer = await ls.ai.ask(
        "Claude: commit message", COMMIT_TOOL, [text_block(commit_prompt(diff, recent))]
    )
    try:
        subject, body = commit_message(answer.input)
    except TaskError as exc:
        raise AiFailed(str(exc)) from exc
    message = f"{subject}\n\n{body}" if body else subject
    return {"message": message, "subject": subject, "body": body, "costUsd": answer.cost_usd}


def register(server: ClaudeLanguageServer) -> None:
    server.command(COMMAND)(commit_message_command)
