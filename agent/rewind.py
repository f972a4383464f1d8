"""``/rewind [N] [code|chat|both] [--force]``: undo the last N turns (default 1) — the
files they changed (created files are removed, changed and deleted ones come back), the
conversation (it ends before the N-th last prompt), or both (the default).

A file that changed since the turn last wrote it (the user edited it, say) is reported
and left alone unless ``--force``. The conversation cannot be rewound past a compaction;
the code still can.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from agent.checkpoints import UNKNOWN
from refactor import journal

if TYPE_CHECKING:
    from agent.loop import Agent

USAGE = "Usage: /rewind [N] [code|chat|both] [--force]"


async def rewind_command(agent: Agent, arguments: str) -> tuple[str, bool]:
    """The answer to show, and whether it is an error."""
    words = arguments.split()
    force = "--force" in words
    words = [w for w in words if w != "--force"]
    modes = [w for w in words if w in ("code", "chat", "both")]
    counts = [w for w in words if w.isdigit()]
    if len(words) != len(modes) + len(counts) or len(modes) > 1 or len(counts) > 1:
        return USAGE, True
    mode = modes[0] if modes else "both"
    count = int(counts[0]) if counts else 1
    checkpoints = agent.checkpoints
    if checkpoints is None or not checkpoints.turns:
        return "Nothing to rewind: no turn has been recorded in this session.", True
    if not 1 <= count <= len(checkpoints.turns):
        return f"Only {len(checkpoints.turns)} turn(s) can be rewound.", True
    undone = checkpoints.turns[-count:]
    lines = [f"Rewound {count} turn{'s' if count > 1 else ''} ({mode})."]
    if mode in ("code", "both"):
        lines += await _restore_files(agent, count, force)
    if mode in ("chat", "both"):
        index = undone[0].message_index
        if index is None:
            lines.append("The conversation was compacted since: it was not rewound.")
        else:
            kept = agent.messages[:index]
            if agent.session is not None:
                agent.session.replace_messages(kept)
            else:
                agent.messages[:] = kept
            lines.append(f"Conversation rewound to {index} message(s).")
    del checkpoints.turns[-count:]
    await asyncio.to_thread(checkpoints.save)
    return "\n".join(lines), False


async def _restore_files(agent: Agent, count: int, force: bool) -> list[str]:
    checkpoints = agent.checkpoints
    assert checkpoints is not None
    plan: dict[str, tuple[str | None, str | None]] = {}  # rel -> (restore to, expected now)
    for turn in checkpoints.turns[-count:]:
        for rel, entry in turn.files.items():
            first = plan[rel][0] if rel in plan else entry["before"]
            plan[rel] = (first, entry["after"])
    restored: list[str] = []
    removed: list[str] = []
    conflicts: list[str] = []
    lost: list[str] = []
    # Not journaled, and needs not be: the turns are forgotten only after every file is
    # back, and a file already back (it holds the text to restore) is skipped, so a
    # /rewind interrupted half-way (killed, say) is finished by the next /rewind.
    for rel, (target, expected) in sorted(plan.items()):
        path = checkpoints.root / rel
        current = await checkpoints.content(path)
        if current == target:
            continue
        if current != expected and not force:
            conflicts.append(rel)
            continue
        if target == UNKNOWN:
            lost.append(rel)
            continue
        agent.read_files.pop(path, None)  # the model must read it again before editing
        if target is None:
            with contextlib.suppress(FileNotFoundError):
                await asyncio.to_thread(path.unlink)
            removed.append(rel)
            journal.stop_point(len(restored) + len(removed))  # (fault injection, tests)
            continue
        data = await asyncio.to_thread(checkpoints.get, target)
        try:
            await agent.port.write_text(path, data.decode("utf-8"))
        except UnicodeDecodeError:
            from agent.fsport import write_atomic

            await asyncio.to_thread(write_atomic, path, data)
        restored.append(rel)
        journal.stop_point(len(restored) + len(removed))
    lines = []
    if restored:
        lines.append("Restored: " + ", ".join(restored))
    if removed:
        lines.append("Removed (created by the turn): " + ", ".join(removed))
    if not restored and not removed:
        lines.append("No file needed restoring.")
    if conflicts:
        lines.append(
            "Left alone, changed since the turn wrote them: " + ", ".join(conflicts)
            + " (add --force to overwrite them)"
        )  # fmt: skip
    if lost:
        lines.append("Cannot restore (too big or unreadable when copied): " + ", ".join(lost))
    return lines
