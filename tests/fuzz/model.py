"""The client's side of document sync, as LSP clients' document models apply it.

Written from the spec and vscode-languageserver-textdocument, not from the server:
lines end at ``\\n`` (a ``\\r`` before it belongs to the break); a position's
``character`` counts UTF-16 units; a line past the end means the end of the text, a
character past the end of a line means the end of that line (before its break); a
range whose end comes before its start is swapped; changes apply in order.

Two choices the spec leaves open, made here as the server makes them: a position inside
a surrogate pair (between the two UTF-16 halves of an emoji) means the end of that
character; and a lone ``\\r`` is an ordinary character (the fuzzer only ever sends
``\\r\\n`` pairs, so it never creates one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _line_bounds(text: str, line: int) -> tuple[int, int] | None:
    """(start, end before the line break) of ``line``, None past the last line."""
    start = 0
    for _ in range(line):
        newline = text.find("\n", start)
        if newline < 0:
            return None
        start = newline + 1
    end = text.find("\n", start)
    if end < 0:
        end = len(text)
    elif end > start and text[end - 1] == "\r":
        end -= 1
    return start, end


def offset_at(text: str, position: dict[str, int]) -> int:
    bounds = _line_bounds(text, position["line"])
    if bounds is None:
        return len(text)
    start, end = bounds
    units = 0
    for index in range(start, end):
        if units >= position["character"]:
            return index
        units += 2 if ord(text[index]) > 0xFFFF else 1
    return end


def apply_change(text: str, change: dict[str, Any]) -> str:
    if "range" not in change:
        return str(change["text"])
    start, end = change["range"]["start"], change["range"]["end"]
    if (end["line"], end["character"]) < (start["line"], start["character"]):
        start, end = end, start
    first = offset_at(text, start)
    last = max(first, offset_at(text, end))
    return text[:first] + change["text"] + text[last:]


def position_of(text: str, offset: int) -> dict[str, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text[line_start:offset])
    return {"line": text.count("\n", 0, offset), "character": units}


@dataclass
class Documents:
    """What the client has open: uri -> [version, text]."""

    open: dict[str, list[Any]] = field(default_factory=dict)

    def did_open(self, uri: str, version: int, text: str) -> None:
        self.open[uri] = [version, text]

    def did_change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        if uri not in self.open:
            return  # the server ignores edits to a document that is not open
        text = self.open[uri][1]
        for change in changes:
            text = apply_change(text, change)
        self.open[uri] = [version, text]

    def did_close(self, uri: str) -> None:
        self.open.pop(uri, None)
