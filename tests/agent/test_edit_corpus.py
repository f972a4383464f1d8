"""The edit-robustness corpus: one intended edit, garbled the ways models garble it.

Each case in ``edit_corpus/*.json`` holds the file before, the old/new strings as a
model sent them, and the expected file after (``null`` when the only right answer is
to refuse). An outcome is *correct* when the file ends as expected, *refused* when the
edit was refused and the file left untouched, and *wrong* otherwise. Wrong must be 0.

Run ``python -m tests.agent.test_edit_corpus`` to print the table.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from agent.tools import EditTool, ReadTool
from tests.agent.tools_helpers import make_ctx

CORPUS = Path(__file__).parent / "edit_corpus"


async def outcome(case: dict[str, Any], root: Path) -> str:
    path = root / "store.py"
    before = case["before"].encode()
    path.write_bytes(before)
    ctx = make_ctx(root)
    await ReadTool().run({"file_path": str(path)}, ctx)
    result = await EditTool().run(
        {
            "file_path": str(path),
            "old_string": case["old_string"],
            "new_string": case["new_string"],
            "replace_all": case.get("replace_all", False),
        },
        ctx,
    )
    after = path.read_bytes()
    if result.is_error:
        return "refused" if after == before else "wrong"
    if case["expect"] is not None and after == case["expect"].encode():
        return "correct"
    return "wrong"


def run_corpus() -> dict[str, tuple[str, str, str]]:
    rows = {}
    for file in sorted(CORPUS.glob("*.json")):
        case = json.loads(file.read_text())
        with tempfile.TemporaryDirectory() as tmp:
            got = asyncio.run(outcome(case, Path(tmp)))
        wanted = "correct" if case["expect"] is not None else "refused"
        rows[file.stem] = (got, wanted, case["note"])
    return rows


def table(rows: dict[str, tuple[str, str, str]]) -> str:
    lines = [f"{'case':34} {'outcome':8} {'wanted':8} note", "-" * 100]
    lines += [f"{name:34} {got:8} {wanted:8} {note}" for name, (got, wanted, note) in rows.items()]
    counts = {
        k: sum(1 for got, _, _ in rows.values() if got == k)
        for k in ("correct", "refused", "wrong")
    }
    lines.append("-" * 100)
    lines.append(" / ".join(f"{k} {v}" for k, v in counts.items()) + f" (of {len(rows)})")
    return "\n".join(lines)


def test_edit_corpus_is_never_wrong() -> None:
    rows = run_corpus()
    print("\n" + table(rows))
    assert len(rows) >= 20
    assert [name for name, (got, _, _) in rows.items() if got == "wrong"] == []
    # Garbled whitespace is recovered, not merely refused.
    assert [name for name, (got, wanted, _) in rows.items() if got != wanted] == []


if __name__ == "__main__":
    print(table(run_corpus()))
