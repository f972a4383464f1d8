"""Headless diagnostics over files and folders: what ``claude-lsp check`` reports."""

from __future__ import annotations

import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from refactor.files import TOOL_FOLDERS, walk
from refactor.syntax.document import ParsedDocument
from refactor.syntax.errors import syntax_errors
from refactor.syntax.languages import language_for
from refactor.text import Range, looks_binary

Severity = Literal["error", "warning", "information", "hint"]


@dataclass(frozen=True)
class Finding:
    range: Range
    message: str
    severity: Severity
    source: str
    code: str | None = None


@dataclass(frozen=True)
class FileResult:
    path: Path
    findings: list[Finding]
    skipped: str | None = None  # why the file was not checked


def check_text(path: Path, text: str, lang: str) -> list[Finding]:
    """Diagnostics for one file's text in a known language."""
    doc = ParsedDocument(lang, text)
    findings = [
        Finding(p.range, p.message, "error", "claude-lsp", "syntax-error")
        for p in syntax_errors(doc)
    ]
    if lang == "python" and not findings:
        from refactor.python.checks import check

        findings += [
            Finding(
                p.range,
                p.message,
                "error" if p.severity == "error" else "warning",
                "pyflakes",
                p.code,
            )
            for p in check(str(path), text)
        ]
    return findings


def check_file(path: Path, max_size: int = 2_000_000) -> FileResult | None:
    """None when the file is in no language we know; skipped with a reason when it cannot
    be checked (binary, not UTF-8, too large, unreadable)."""
    lang = language_for(str(path))
    if lang is None:
        return None
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read forever
            return FileResult(path, [], "not a regular file")
        size = info.st_size
        if size > max_size:
            return FileResult(path, [], f"{size:,} bytes, over the {max_size:,} byte limit")
        data = path.read_bytes()
    except OSError as exc:
        return FileResult(path, [], f"unreadable: {exc.strerror or exc}")
    if looks_binary(data):
        return FileResult(path, [], "binary")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return FileResult(path, [], f"not UTF-8 (byte {exc.start})")
    return FileResult(path, check_text(path, text.removeprefix("\ufeff"), lang))


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly, and the non-ignored files under folders."""
    for path in paths:
        if path.is_dir():
            yield from walk(path.resolve(), skip=TOOL_FOLDERS)
        else:
            yield path


def check_paths(paths: Iterable[Path], max_size: int = 2_000_000) -> Iterator[FileResult]:
    for path in expand(paths):
        result = check_file(path, max_size)
        if result is not None:
            yield result
