"""The context an AI task sends about the code in play, fitted to a token budget.

One builder for every door: the part in question (the selection or the enclosing
definition), the file around it with line numbers, the diagnostics in range, the git
diff of the file, the open editors, a repository map and task-specific extras. The
target, its diagnostics and the task come first; when they alone are over the budget
``build`` raises ``ContextTooLarge`` (a cut target would ask for edits of code the model
has not seen). The file window grows around the target with what is left, then the
rest is added in order while it fits.
Protocol-free: plain paths, text and 0-based lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agent.context import CHARS_PER_TOKEN
from refactor.text import Position

if TYPE_CHECKING:
    from tree_sitter import Node

    from refactor.syntax.document import ParsedDocument

DEFAULT_BUDGET = 12_000  # tokens
_DEFINITION_WORDS = ("function", "method", "class", "struct", "impl", "interface")


class ContextTooLarge(ValueError):
    """The code in question is over the context budget on its own."""


@dataclass(frozen=True)
class Definition:
    name: str
    kind: str  # "function" or "class" (or the grammar's word for them)
    start: int  # 0-based first line (decorators included)
    end: int  # 0-based last line


@dataclass(frozen=True)
class Diagnostic:
    line: int  # 0-based
    end_line: int
    message: str
    severity: str = "error"
    source: str | None = None
    code: str | None = None

    def describe(self) -> str:
        where = f"line {self.line + 1}" + (
            f"-{self.end_line + 1}" if self.end_line > self.line else ""
        )
        tag = "/".join(str(p) for p in (self.source, self.code) if p)
        return f"{where}: {self.severity}{f' [{tag}]' if tag else ''}: {self.message}"


@dataclass
class CodeContext:
    path: str  # as shown to the model (relative to the workspace)
    text: str
    target: tuple[int, int] | None = None  # 0-based inclusive lines in question
    definition: Definition | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    diff: str = ""
    open_files: list[str] = field(default_factory=list)
    repo_map: str = ""
    extras: list[tuple[str, str]] = field(default_factory=list)  # (tag, text)


def enclosing_definition(doc: ParsedDocument, line: int, column: int = 0) -> Definition | None:
    """The innermost function or class around ``(line, column)``: a walk up the tree
    from the node there, so it costs the tree's depth, not the file's size."""
    if line >= doc.line_count():
        return None
    row, byte = doc.point_of_position(Position(line, column))
    node: Node | None = doc.tree.root_node.descendant_for_point_range((row, byte), (row, byte))
    while node is not None:
        kind = node.type
        if any(word in kind for word in _DEFINITION_WORDS) and kind.endswith(
            ("definition", "declaration", "item", "specifier")
        ):
            name_node = node.child_by_field_name("name")
            if name_node is not None and name_node.text is not None:
                outer = node.parent
                decorated = outer is not None and outer.type == "decorated_definition"
                start_node = outer if decorated and outer is not None else node
                word = "class" if "class" in kind else "function"
                return Definition(
                    name_node.text.decode("utf-8", "replace"),
                    word,
                    start_node.start_point[0],
                    node.end_point[0],
                )
        node = node.parent
    return None


def numbered(lines: list[str], first: int, last: int) -> str:
    """Lines ``first..last`` (0-based, inclusive) as the Read tool shows them."""
    return "\n".join(f"{n + 1:6}\t{lines[n]}" for n in range(first, last + 1))


def build(context: CodeContext, task: str, budget_tokens: int = DEFAULT_BUDGET) -> str:
    """The prompt text for ``task`` about ``context``, at most ``budget_tokens``
    (estimated) long."""
    budget = budget_tokens * CHARS_PER_TOKEN
    lines = context.text.split("\n")
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    head = [f"<task>\n{task}\n</task>"]
    first, last = context.target if context.target is not None else (0, len(lines) - 1)
    first, last = max(0, min(first, len(lines) - 1)), max(0, min(last, len(lines) - 1))
    if context.definition is not None:
        d = context.definition
        head.append(f"The {d.kind} `{d.name}` is at lines {d.start + 1}-{d.end + 1}.")
    if context.target is not None:
        head.append(
            f'<selection path="{context.path}" lines="{first + 1}-{last + 1}">\n'
            f"{numbered(lines, first, last)}\n</selection>"
        )
    if context.diagnostics:
        shown = "\n".join(d.describe() for d in context.diagnostics[:20])
        head.append(f"<diagnostics>\n{shown}\n</diagnostics>")
    used = sum(len(part) + 2 for part in head)
    if used > budget:
        raise ContextTooLarge(
            f"the code in question (lines {first + 1}-{last + 1}, about "
            f"{used // CHARS_PER_TOKEN:,} tokens) is over the context budget of "
            f"{budget_tokens:,} tokens: select less, or raise ai.contextTokens"
        )
    window = _window(lines, first, last, int(max(0, budget - used) * 0.7))
    parts = [*head]
    if window is not None:
        low, high = window
        body = f'<file path="{context.path}" lines="{low + 1}-{high + 1}" total="{len(lines)}">\n'
        parts.append(f"{body}{numbered(lines, low, high)}\n</file>")
        used += len(parts[-1]) + 2
    rest = [
        ("git-diff", context.diff),
        *context.extras,
        ("open-editors", "\n".join(context.open_files)),
        ("repository-map", context.repo_map),
    ]
    for tag, text in rest:
        if not text.strip():
            continue
        section = f"<{tag}>\n{text.strip()}\n</{tag}>"
        room = budget - used
        if len(section) > room:
            if room < 200:
                continue
            cut = text.strip()[: room - len(tag) * 2 - 40]
            section = f"<{tag}>\n{cut[: cut.rfind(chr(10)) + 1 or len(cut)]}[…]\n</{tag}>"
        parts.append(section)
        used += len(section) + 2
    return "\n\n".join(parts)


def _window(lines: list[str], first: int, last: int, room: int) -> tuple[int, int] | None:
    """The widest span of whole lines around ``first..last`` that fits in ``room``
    characters (numbered), growing both ways in turn."""
    if not lines:
        return None

    def cost(n: int) -> int:
        return len(lines[n]) + 8

    used = sum(cost(n) for n in range(first, last + 1))
    if used > room:
        return None  # the selection alone is what there is room for
    low, high = first, last
    while True:
        grew = False
        if low > 0 and used + cost(low - 1) <= room:
            low -= 1
            used += cost(low)
            grew = True
        if high < len(lines) - 1 and used + cost(high + 1) <= room:
            high += 1
            used += cost(high)
            grew = True
        if not grew:
            return low, high
