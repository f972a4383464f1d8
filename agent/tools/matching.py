"""Apply one ``old_string`` → ``new_string`` edit to a text, or explain why not.

Models copy ``old_string`` from what they read, and they garble whitespace: LF for a
CRLF file, four spaces for a tab, lost trailing blanks, a block pasted without its
common indentation. Such an edit is applied by *normalising*, in three stages, each
tried only when the one before finds nothing:

1. the exact text;
2. the text with CRLF line endings read as LF (a file with consistent CRLF endings);
3. whole lines compared without their indentation and trailing whitespace — accepted
   only when the indentation *structure* agrees (lines the model indented alike are
   indented alike in the file, deeper lines stay deeper), so a block taken from
   another nesting level or with a dropped or added line never matches.

Every stage requires a unique match (unless ``replace_all``). Lines that
``new_string`` keeps as they were are written back byte for byte; new or changed
lines take the file's indentation style and line endings. Nothing is ever matched by
similarity: on a miss the closest lines are only *reported* so the model can retry.
"""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass

_CONTEXT = 2


class EditFailed(Exception):
    """The edit cannot be applied; the message tells the model what to do."""


@dataclass(frozen=True)
class Applied:
    text: str
    count: int
    first_line: int  # 1-based line of the first replacement in the new text
    how: str  # "exact", "line endings" or "whitespace"


def apply_edit(text: str, old: str, new: str, replace_all: bool = False) -> Applied:
    if old == new:
        raise EditFailed("old_string and new_string are identical: there is nothing to change.")
    if not old:
        raise EditFailed("old_string is empty. Give the text to replace, or use Write.")
    new = _in_file_line_endings(text, new)
    offsets = _find_all(text, old)
    if len(offsets) == 1 or (offsets and replace_all):
        return _splice(text, offsets, len(old), new, "exact")
    if offsets:
        raise EditFailed(_ambiguous(text, [text.count("\n", 0, o) + 1 for o in offsets]))
    crlf = _crlf_applied(text, old, new, replace_all)
    if crlf is not None:
        return crlf
    return _LineEdit(text, old, new).apply(replace_all)


def _in_file_line_endings(text: str, new: str) -> str:
    """``new`` with the line endings of a file that uses one kind consistently."""
    crlf = text.count("\r\n")
    if crlf and crlf == text.count("\n"):
        return new.replace("\r\n", "\n").replace("\n", "\r\n")
    if not crlf and "\n" in text:
        return new.replace("\r\n", "\n")
    return new


def _find_all(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + len(needle))
    return found


def _splice(text: str, offsets: list[int], length: int, new: str, how: str) -> Applied:
    pieces, last = [], 0
    for offset in offsets:
        pieces += [text[last:offset], new]
        last = offset + length
    pieces.append(text[last:])
    first_line = text.count("\n", 0, offsets[0]) + 1
    return Applied("".join(pieces), len(offsets), first_line, how)


def _crlf_applied(text: str, old: str, new: str, replace_all: bool) -> Applied | None:
    """Stage 2: a file whose every line ends in CRLF, edited with LF strings (or an LF
    file edited with CRLF strings)."""
    old_lf, new_lf = old.replace("\r\n", "\n"), new.replace("\r\n", "\n")
    lf = text.replace("\r\n", "\n")
    uniform_crlf = "\r\n" in text and "\r" not in lf and text.count("\n") == text.count("\r\n")
    if uniform_crlf:
        offsets = _find_all(lf, old_lf)
        if len(offsets) > 1 and not replace_all:
            raise EditFailed(_ambiguous(lf, [lf.count("\n", 0, o) + 1 for o in offsets]))
        if not offsets:
            return None
        done = _splice(lf, offsets, len(old_lf), new_lf, "line endings")
        return Applied(done.text.replace("\n", "\r\n"), done.count, done.first_line, done.how)
    if "\r" not in text and "\r\n" in old:
        offsets = _find_all(text, old_lf)
        if len(offsets) > 1 and not replace_all:
            raise EditFailed(_ambiguous(text, [text.count("\n", 0, o) + 1 for o in offsets]))
        if offsets:
            return _splice(text, offsets, len(old_lf), new_lf, "line endings")
    return None


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _width(indent: str) -> int:
    return len(indent.expandtabs(8))


class _LineEdit:
    """Stage 3: whole lines, indentation and trailing whitespace normalised."""

    def __init__(self, text: str, old: str, new: str) -> None:
        self.text = text
        # File lines as (body, ending); a body keeps a stray \r, the key ignores it.
        self.lines = [(m.group(1), m.group(2)) for m in re.finditer(r"([^\n]*?)(\r?\n|\Z)", text)]
        if self.lines and self.lines[-1] == ("", "") and text:
            self.lines.pop()
        self.keys = [body.strip() for body, _ in self.lines]
        crlf = sum(1 for _, end in self.lines if end == "\r\n")
        self.eol = "\r\n" if crlf * 2 > len(self.lines) else "\n"
        self.old_nl, self.new_nl = old.endswith("\n"), new.endswith("\n")
        self.old = _split(old)
        self.new = _split(new) if new else []
        # Blank lines at either end that old and new share say nothing: drop them.
        while (
            len(self.old) > 1 and self.new and not self.old[-1].strip() and not self.new[-1].strip()
        ):
            self.old.pop()
            self.new.pop()
        while (
            len(self.old) > 1 and self.new and not self.old[0].strip() and not self.new[0].strip()
        ):
            self.old.pop(0)
            self.new.pop(0)

    def apply(self, replace_all: bool) -> Applied:
        if not any(line.strip() for line in self.old):
            raise EditFailed("old_string is only whitespace; include the text around the change.")
        old_keys = [line.strip() for line in self.old]
        n = len(old_keys)
        matches: list[tuple[int, dict[str, str]]] = []
        i = 0
        while i + n <= len(self.lines):
            if self.keys[i : i + n] == old_keys:
                mapping = self._indent_map(i)
                if mapping is not None:
                    matches.append((i, mapping))
                    i += n
                    continue
            i += 1
        if not matches:
            raise EditFailed(self._miss())
        if len(matches) > 1 and not replace_all:
            raise EditFailed(_ambiguous(self.text, [start + 1 for start, _ in matches]))
        out: list[str] = []
        last = 0
        for start, mapping in matches:
            out += [body + end for body, end in self.lines[last:start]]
            out.append(self._replacement(start, mapping))
            last = start + n
            if not self.old_nl:  # the last matched line keeps its own line ending
                out.append(self.lines[start + n - 1][1])
        out += [body + end for body, end in self.lines[last:]]
        return Applied("".join(out), len(matches), matches[0][0] + 1, "whitespace")

    def _indent_map(self, start: int) -> dict[str, str] | None:
        """old indentation → file indentation, if the structure agrees."""
        mapping: dict[str, str] = {}
        for j, line in enumerate(self.old):
            if not line.strip():
                continue
            old_indent, file_indent = _indent(line), _indent(self.lines[start + j][0])
            if mapping.setdefault(old_indent, file_indent) != file_indent:
                return None
        pairs = sorted((_width(o), _width(f)) for o, f in mapping.items())
        for (ow1, fw1), (ow2, fw2) in itertools.pairwise(pairs):
            if (ow1 < ow2) != (fw1 < fw2) or fw1 > fw2:
                return None
        return mapping

    def _replacement(self, start: int, mapping: dict[str, str]) -> str:
        old_sig = [(_indent(line), line.strip()) for line in self.old]
        new_sig = [(_indent(line), line.strip()) for line in self.new]
        rendered: list[tuple[str, str]] = []  # (body, ending)
        matcher = difflib.SequenceMatcher(None, old_sig, new_sig, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                rendered += self.lines[start + a1 : start + a2]
            else:
                rendered += [(self._reindent(line, mapping), self.eol) for line in self.new[b1:b2]]
        if not rendered:
            return ""
        body = "".join(b + e for b, e in rendered[:-1]) + rendered[-1][0]
        if self.new_nl:
            last_end = rendered[-1][1] or self.eol
            body += last_end
        return body

    def _reindent(self, line: str, mapping: dict[str, str]) -> str:
        line = line.rstrip("\r")
        if not line.strip():
            return ""
        indent, rest = _indent(line), line.lstrip(" \t")
        if all(k == v for k, v in mapping.items()):
            return line
        if indent in mapping:
            return mapping[indent] + rest
        model_unit, file_unit = self._units(mapping)
        keys = sorted(mapping, key=_width)
        base = next((k for k in reversed(keys) if indent.startswith(k)), None)
        if base is not None:
            extra = indent[len(base) :]
            return mapping[base] + _convert(extra, model_unit, file_unit) + rest
        # Less indented than every line of old_string: step out by whole units.
        lowest = keys[0]
        steps, remainder = divmod(_width(lowest) - _width(indent), _width(model_unit))
        file_indent = mapping[lowest]
        if remainder == 0 and file_indent.endswith(file_unit * steps):
            return file_indent[: len(file_indent) - len(file_unit) * steps] + rest
        raise EditFailed(
            "new_string has a line indented less than all of old_string, and it cannot be "
            "placed in this file's indentation style; copy old_string and new_string with "
            "the file's exact indentation."
        )

    def _units(self, mapping: dict[str, str]) -> tuple[str, str]:
        model = _unit([_indent(x) for x in self.old + self.new if x.strip()]) or "    "
        file = _unit(list(mapping.values())) or _unit(
            [_indent(body) for body, _ in self.lines if body.strip()]
        )
        return model, file or model

    def _miss(self) -> str:
        return (
            "old_string was not found in the file (even ignoring line endings, indentation "
            "style and trailing whitespace). Nothing was changed.\n"
            + _closest(self.lines, self.old)
        )


def _split(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").split("\n")
    if text.endswith("\n"):
        lines.pop()
    return lines


def _unit(indents: list[str]) -> str:
    """The indentation step of some lines: a tab, or the smallest run of spaces."""
    indents = [i for i in indents if i]
    if not indents:
        return ""
    if sum(i.startswith("\t") for i in indents) * 2 > len(indents):
        return "\t"
    widths = sorted({_width(i) for i in indents})
    steps = [b - a for a, b in zip([0, *widths], widths, strict=False) if b > a]
    return " " * min(steps)


def _convert(extra: str, model_unit: str, file_unit: str) -> str:
    if not extra or model_unit == file_unit:
        return extra
    count, remainder = divmod(_width(extra), _width(model_unit))
    return file_unit * count + " " * remainder


def _ambiguous(text: str, lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:10]) + (" …" if len(lines) > 10 else "")
    return (
        f"old_string matches {len(lines)} places (lines {shown}). Nothing was changed. "
        "Include more surrounding lines to make it unique, or set replace_all to change "
        "every occurrence."
    )


def _closest(lines: list[tuple[str, str]], old: list[str]) -> str:
    keys = [body.strip() for body, _ in lines]
    wanted = [line.strip() for line in old]
    anchor = next((w for w in wanted if w), "")
    offset = next((j for j, w in enumerate(wanted) if w), 0)
    best: tuple[float, int] | None = None
    for i, key in enumerate(keys):
        if not key:
            continue
        matcher = difflib.SequenceMatcher(None, key, anchor, autojunk=False)
        if matcher.real_quick_ratio() < 0.5 or matcher.quick_ratio() < 0.5:
            continue
        start = max(0, i - offset)
        window = keys[start : start + len(wanted)]
        score = difflib.SequenceMatcher(None, "\n".join(window), "\n".join(wanted)).ratio()
        if best is None or score > best[0]:
            best = (score, start)
    if best is None or best[0] < 0.4:
        return "No similar lines were found; Read the file again and copy old_string from it."
    start = best[1]
    lo, hi = max(0, start - _CONTEXT), min(len(lines), start + len(wanted) + _CONTEXT)
    numbered = "\n".join(f"{n + 1:>6}\t{lines[n][0].rstrip(chr(13))}" for n in range(lo, hi))
    hint = ""
    for j, want in enumerate(wanted):
        if start + j >= len(keys) or keys[start + j] != want:
            have = keys[start + j] if start + j < len(keys) else "(end of file)"
            hint = (
                f"\nFirst difference at line {start + j + 1}: "
                f"the file has `{have}`, old_string has `{want}`."
            )
            break
    return f"The closest lines in the file are:\n{numbered}{hint}"
