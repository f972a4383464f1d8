"""Code review by the model, as findings at line ranges (protocol-free).

The part under review is the whole file, or only the lines changed against a git
revision (``changed_ranges`` of the revision's text and the current text). The model
answers through ``report_findings``; findings outside the file are dropped, a fix whose
old text does not match the finding's lines is dropped (the finding stays), and an
answer without a findings list is refused. Results are cached by a hash of everything
the review depends on.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.code_context import CodeContext, build
from agent.line_edits import EditError, LineEdit, apply_edits, check_parses, parse_edit
from agent.tasks import INSTRUCTIONS, REVIEW_TOOL, TaskError, run_task, text_block
from refactor.text import common_prefix

if TYPE_CHECKING:
    from agent.client import ModelClient
    from agent.cost import CostTracker

log = logging.getLogger(__name__)

SEVERITIES = ("error", "warning", "info", "hint")
REVIEW_BUDGET = 30_000  # tokens


@dataclass(frozen=True)
class Finding:
    start: int  # 0-based first line
    end: int  # 0-based last line (inclusive)
    severity: str
    message: str
    fix: LineEdit | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "line": self.start + 1,
            "endLine": self.end + 1,
            "severity": self.severity,
            "message": self.message,
        }
        if self.fix is not None:
            data["fix"] = "\n".join(self.fix.new_lines)
        return data


@dataclass
class Review:
    findings: list[Finding]
    cost_usd: float
    cached: bool = False


def changed_ranges(old: str, new: str) -> list[tuple[int, int]]:
    """0-based inclusive line ranges of ``new`` that differ from ``old`` (a deletion
    marks the line after it)."""
    a, b = old.splitlines(), new.splitlines()
    ranges = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if j2 > j1:
            ranges.append((j1, j2 - 1))
        elif b:
            line = min(j1, len(b) - 1)
            ranges.append((line, line))
    return ranges


def unified_diff(old: str, new: str, path: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return "".join(lines)


def cache_key(path: str, text: str, changed: list[tuple[int, int]] | None, model: str) -> str:
    digest = hashlib.sha256()
    for part in (path, model, repr(changed), text):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


async def review(
    client: ModelClient,
    model: str,
    costs: CostTracker,
    path: str,
    text: str,
    *,
    base: str | None = None,
    budget_tokens: int = REVIEW_BUDGET,
) -> Review:
    """Review ``text`` (shown as ``path``); with ``base`` (the file at the revision
    compared against, "" for a new file) only the lines changed since."""
    changed = changed_ranges(base, text) if base is not None else None
    if changed == []:
        return Review([], 0.0)
    context = CodeContext(path=path, text=text)
    task = INSTRUCTIONS["review"]
    if changed is not None and base:
        shown = ", ".join(f"{s + 1}-{e + 1}" for s, e in changed[:50])
        task += f"\nUnder review: only the changed lines ({shown}); the rest is context."
        context.diff = unified_diff(base, text, path)
    answer = await run_task(
        client, model, REVIEW_TOOL, [text_block(build(context, task, budget_tokens))], costs
    )
    findings = parse_findings(answer.input, text, path, changed)
    return Review(findings, answer.cost_usd)


def parse_findings(
    answer: dict[str, Any], text: str, path: str, changed: list[tuple[int, int]] | None
) -> list[Finding]:
    raw = answer.get("findings")
    if not isinstance(raw, list):
        raise TaskError("Claude's review holds no findings list; nothing was published")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    findings = []
    for item in raw:
        finding = _finding(item, lines, text, path)
        if finding is None:
            continue
        if changed is not None and not any(
            s <= finding.end and finding.start <= e for s, e in changed
        ):
            log.info("review finding outside the changed lines dropped: %s", finding.message)
            continue
        findings.append(finding)
    return findings


def _finding(item: Any, lines: list[str], text: str, path: str) -> Finding | None:
    if not isinstance(item, dict):
        return None
    line, message = item.get("line"), item.get("message")
    end = item.get("endLine", line)
    severity = item.get("severity") if item.get("severity") in SEVERITIES else "warning"
    if not isinstance(line, int) or not isinstance(end, int) or not isinstance(message, str):
        log.info("malformed review finding dropped: %r", item)
        return None
    if not 1 <= line <= max(end, line) <= len(lines) or not message.strip():
        log.info("review finding at lines %s-%s outside the file dropped", line, end)
        return None
    end = max(end, line)
    fix = None
    raw_fix = item.get("fix")
    if isinstance(raw_fix, dict):
        try:
            fix = parse_edit({**raw_fix, "startLine": line, "endLine": end}, lines)
            check_parses(path, apply_edits(text, [fix]))
        except EditError as exc:
            log.info("review fix dropped: %s", exc)
            fix = None
    return Finding(line - 1, end - 1, str(severity), message.strip(), fix)


def move_findings(findings: list[Finding], old: str, new: str) -> list[Finding]:
    """The findings after ``old`` became ``new``: those above the change stay, those
    below move by the lines added or removed, those whose lines changed are gone."""
    prefix = common_prefix(old, new)
    suffix = common_prefix(old[prefix:][::-1], new[prefix:][::-1])
    start = old.rfind("\n", 0, prefix) + 1  # whole lines: from the start of the first
    old_end, new_end = len(old) - suffix, len(new) - suffix
    if old_end > start and old[old_end - 1] != "\n":  # ... to the end of the last
        newline = old.find("\n", old_end)
        grow = (len(old) if newline == -1 else newline + 1) - old_end
        old_end, new_end = old_end + grow, new_end + grow
    first = old.count("\n", 0, start)
    old_stop = old.count("\n", 0, old_end) + (old_end == len(old) and not old.endswith("\n"))
    new_stop = new.count("\n", 0, new_end) + (new_end == len(new) and not new.endswith("\n"))
    delta = new_stop - old_stop
    moved = []
    for f in findings:
        if f.end < first:
            moved.append(f)
        elif f.start >= old_stop:
            fix = f.fix
            if fix is not None:
                fix = LineEdit(fix.start + delta, fix.end + delta, fix.new_lines)
            moved.append(Finding(f.start + delta, f.end + delta, f.severity, f.message, fix))
    return moved
