"""Plain results of the Python engine: workspace edits, refusals, and text helpers.

Every edit uses `refactor.text` positions (0-based lines, code point columns). Edits
are keyed by the path a file has *before* the edit's renames: an applier changes
contents first, then performs ``creates`` and ``renames`` in order.
"""

from __future__ import annotations

import difflib
import os
import re
import warnings
from dataclasses import dataclass, field

from refactor.text import Position, Range, TextEdit


class RefactorError(Exception):
    """A refactor that cannot be done; the message says why, for the user."""


class Cancelled(RefactorError):
    """The caller cancelled the job before it finished."""

    def __init__(self) -> None:
        super().__init__("cancelled")


@dataclass
class EditGroup:
    """Edits the user confirms, or not, as one group (an LSP change annotation with
    ``needsConfirmation``): a rename's occurrences it cannot be sure of."""

    label: str
    description: str
    changes: dict[str, list[TextEdit]] = field(default_factory=dict)
    # Why the sure edits alone may break the code: then an editor that cannot ask
    # refuses the whole edit with this reason instead of leaving the group out.
    needed: str = ""

    def count(self) -> int:
        return sum(len(edits) for edits in self.changes.values())


@dataclass
class WorkspaceEdit:
    """Text edits per absolute path, then files to create, then renames.

    ``changes`` is what to apply; ``groups`` are further edits to apply only when the
    user confirms them (clients that cannot ask leave them out).
    """

    changes: dict[str, list[TextEdit]] = field(default_factory=dict)
    renames: list[tuple[str, str]] = field(default_factory=list)
    creates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. files skipped, for the user
    groups: list[EditGroup] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(self.changes.values()) and not self.renames and not self.creates

    def files(self) -> list[str]:
        """Every path the edit touches (changed, created or renamed)."""
        grouped = [path for group in self.groups for path in group.changes]
        renamed = [old for old, _ in self.renames]
        return list(dict.fromkeys([*self.changes, *grouped, *self.creates, *renamed]))


def normalize_newlines(text: str) -> str:
    """The text with CRLF and lone CR turned into LF (how rope and ``ast`` see it)."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def newline_of(text: str) -> str:
    """The newline a file uses: the first one found, LF when there is none."""
    index = text.find("\n")
    if index > 0 and text[index - 1] == "\r":
        return "\r\n"
    if index < 0 and "\r" in text:
        return "\r"
    return "\n"


def offset_at(text: str, position: Position) -> int:
    """Code point offset of ``position`` in LF-normalised ``text``, clamped to the text."""
    line_start = 0
    for _ in range(position.line):
        newline = text.find("\n", line_start)
        if newline < 0:
            return len(text)
        line_start = newline + 1
    line_end = text.find("\n", line_start)
    if line_end < 0:
        line_end = len(text)
    return min(line_start + max(position.character, 0), line_end)


def position_at(text: str, offset: int) -> Position:
    """The position of a code point offset in LF-normalised ``text``."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(line, offset - line_start)


def diff_edits(old: str, new: str, newline: str = "\n") -> list[TextEdit]:
    """Small edits turning ``old`` into ``new`` (both LF-normalised).

    Lines are matched first; each changed block is then matched token by token (names,
    blanks, punctuation), so a rename becomes one edit per occurrence, each replacing a
    whole name. Inserted newlines use ``newline`` so a CRLF file stays CRLF.
    """
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    spans: list[tuple[int, int, str]] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed, added = old[starts[i1] : starts[i2]], "".join(new_lines[j1:j2])
            spans.extend(_token_spans(starts[i1], removed, added))
    edits: list[TextEdit] = []
    for start, end, added in spans:
        text = added.replace("\n", newline) if newline != "\n" else added
        edits.append(TextEdit(Range(position_at(old, start), position_at(old, end)), text))
    return edits


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_MAX_TOKENS = 4000


def _token_spans(base: int, removed: str, added: str) -> list[tuple[int, int, str]]:
    """(start, end, new text) spans turning ``removed`` into ``added``, token-wise."""
    offset = base
    old_tokens = _TOKEN.findall(removed)
    new_tokens = _TOKEN.findall(added)
    if len(old_tokens) + len(new_tokens) > _MAX_TOKENS:
        return [(offset, offset + len(removed), added)]
    old_starts = [0]
    for token in old_tokens:
        old_starts.append(old_starts[-1] + len(token))
    spans: list[tuple[int, int, str]] = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            text = "".join(new_tokens[j1:j2])
            spans.append((offset + old_starts[i1], offset + old_starts[i2], text))
    return spans


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """Apply non-overlapping edits to LF-normalised ``text`` (used by the CLI and tests)."""
    result = text
    for edit in sorted(edits, key=lambda e: (e.range.start, e.range.end), reverse=True):
        start = offset_at(result, edit.range.start)
        end = offset_at(result, edit.range.end)
        result = result[:start] + normalize_newlines(edit.new_text) + result[end:]
    return result


def syntax_problem(text: str, path: str = "<unknown>") -> str | None:
    """Why ``text`` is not valid Python (``None`` when it compiles).

    Compiled, not only parsed: the parser accepts a ``from __future__`` import below
    other code, ``return`` or ``await`` outside a function, ``break`` outside a loop;
    the compiler refuses them (and is faster than building ``ast`` objects)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as error:
        where = f"{os.path.basename(path)}:{error.lineno}" if error.lineno else path
        return f"{where}: {error.msg}"
    except ValueError as error:  # source with NUL bytes
        return f"{os.path.basename(path)}: {error}"
    return None
