"""Inline completion: the text to insert at the cursor, from the code around it and a
few definitions from the repository map (protocol-free).

The model answers through ``insert_completion`` (a JSON schema with one string), like
every AI task. ``context_key`` hashes what the answer depends on, for the server's cache.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from agent.tasks import TaskError, run_task, text_block

if TYPE_CHECKING:
    from agent.client import ModelClient
    from agent.cost import CostTracker

PREFIX_CHARS = 4_000
SUFFIX_CHARS = 1_500
MAX_TOKENS = 256
CURSOR = "<CURSOR>"

SYSTEM = (
    "You complete code in the user's editor. You see the file around the cursor, marked "
    f"{CURSOR}, and related definitions from the repository. Call insert_completion with "
    "the text to insert at the cursor: the most likely continuation, usually the rest of "
    "the line or a few lines, never repeating the text after the cursor. Empty text when "
    "nothing sensible fits."
)

COMPLETE_TOOL: dict[str, Any] = {
    "name": "insert_completion",
    "description": "The text to insert at the cursor.",
    "input_schema": {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
    },
}


def around(text: str, offset: int) -> tuple[str, str]:
    """The prefix and suffix the model sees, cut at line starts/ends where possible."""
    prefix = text[max(0, offset - PREFIX_CHARS) : offset]
    if offset > PREFIX_CHARS and "\n" in prefix:
        prefix = prefix[prefix.index("\n") + 1 :]
    suffix = text[offset : offset + SUFFIX_CHARS]
    if len(text) - offset > SUFFIX_CHARS and "\n" in suffix:
        suffix = suffix[: suffix.rindex("\n") + 1]
    return prefix, suffix


def context_key(path: str, prefix: str, suffix: str, model: str) -> str:
    digest = hashlib.sha256()
    for part in (path, model, prefix, suffix):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def prompt(path: str, prefix: str, suffix: str, snippets: str) -> str:
    parts = []
    if snippets.strip():
        parts.append(f"<related-definitions>\n{snippets.strip()}\n</related-definitions>")
    parts.append(f'<file path="{path}">\n{prefix}{CURSOR}{suffix}\n</file>')
    return "\n\n".join(parts)


async def complete(
    client: ModelClient, model: str, costs: CostTracker, text: str
) -> tuple[str, float]:
    """``(the text to insert, cost)``; `TaskError` for an unusable answer."""
    answer = await run_task(
        client,
        model,
        COMPLETE_TOOL,
        [text_block(text)],
        costs,
        max_tokens=MAX_TOKENS,
        system=SYSTEM,
    )
    insert = answer.input.get("text")
    if not isinstance(insert, str):
        raise TaskError("Claude's completion holds no text")
    return insert, answer.cost_usd
