"""Plain position and edit types shared by the engine and its callers.

Positions count lines from 0 and characters in Unicode code points (what Python's
``str`` indexes). The server converts them to the client's encoding (UTF-16 by default).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Position:
    line: int
    character: int


@dataclass(frozen=True, order=True)
class Range:
    start: Position
    end: Position

    def contains(self, other: Range) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class TextEdit:
    range: Range
    new_text: str


def utf8_len(text: str) -> int:
    """Length of ``text`` encoded as UTF-8, without encoding it when it is ASCII."""
    return len(text) if text.isascii() else len(text.encode("utf-8", errors="surrogatepass"))


def looks_binary(data: bytes) -> bool:
    """True for content no editor would show as text: a NUL byte in the first 8 KiB."""
    return b"\x00" in data[:8192]
