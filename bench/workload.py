"""The Python files the bench opens: a small one with a syntax error, and a clean
5,000-line module to edit in the middle."""

from __future__ import annotations

from dataclasses import dataclass

BROKEN_SOURCE = '''"""A small module with one syntax error."""

import os


def greet(name):
    return f"Hello, {name} from {os.getcwd()}"


def broken(value:
    return value * 2


class Greeter:
    def __init__(self, name):
        self.name = name

    def greet(self):
        return greet(self.name)
'''

_BLOCK = '''class Widget{n:04d}:
    """A widget with a couple of methods."""

    def __init__(self, alpha, beta):
        self.alpha = alpha
        self.beta = beta

    def combine(self, factor):
        total = self.alpha + self.beta * factor
        if total > {n}:
            total -= {n}
        return total

    def describe(self):
        return f"Widget{n:04d}({{self.alpha}}, {{self.beta}})"


def helper_{n:04d}(values):
    result = []
    for value in values:
        if value % 2:
            result.append(value * 3)
        else:
            result.append(value // 2)
    return sum(result)


'''

EDIT_MARKER = "        total = self.alpha + self.beta * factor"
SYNTAX_ERROR = " +"  # appended to the marker line: `total = … * factor +` does not parse


@dataclass(frozen=True)
class BigFile:
    lines: list[str]
    edit_line: int  # 0-based line the edits go to, in the middle of the file

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def text_with_error(self, with_error: bool) -> str:
        if not with_error:
            return self.text
        lines = list(self.lines)
        lines[self.edit_line] += SYNTAX_ERROR
        return "".join(line + "\n" for line in lines)

    def change(self, insert_error: bool) -> dict[str, object]:
        """The incremental change an editor sends to type / delete the error."""
        line = self.edit_line
        column = len(self.lines[line])
        if insert_error:
            start = end = {"line": line, "character": column}
            text = SYNTAX_ERROR
        else:
            start = {"line": line, "character": column}
            end = {"line": line, "character": column + len(SYNTAX_ERROR)}
            text = ""
        return {"range": {"start": start, "end": end}, "text": text}


def big_file(total_lines: int = 5000) -> BigFile:
    """A clean module (pyflakes- and pycodestyle-clean) of exactly ``total_lines`` lines."""
    lines = ['"""Generated module for the didChange benchmark."""', "", ""]
    n = 0
    while True:
        block = _BLOCK.format(n=n).split("\n")[:-1]
        if len(lines) + len(block) + 1 > total_lines:
            break
        lines.extend(block)
        n += 1
    k = 0
    while len(lines) < total_lines:
        lines.append(f"CONSTANT_{k:04d} = {k}")
        k += 1
    middle = total_lines // 2
    marks = [i for i, line in enumerate(lines) if line == EDIT_MARKER]
    edit_line = min(marks, key=lambda i: abs(i - middle))
    return BigFile(lines, edit_line)
