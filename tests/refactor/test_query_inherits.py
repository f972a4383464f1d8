"""The ``; inherits: <lang>`` directive of query files: the inherited query is appended after
the file's own patterns, so the file's own patterns take precedence; cycles stop."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from refactor.syntax import languages
from refactor.syntax.document import ParsedDocument
from refactor.syntax.languages import query_source
from refactor.syntax.symbols import document_symbols

QUERIES = Path(languages.__file__).parent / "queries"


def _write(root: Path, folder: str, text: str, name: str = "symbols") -> None:
    (root / folder).mkdir(exist_ok=True)
    (root / folder / f"{name}.scm").write_text(text, encoding="utf-8")


@pytest.fixture
def fresh_queries() -> Iterator[None]:
    languages._query.cache_clear()
    yield
    languages._query.cache_clear()


def test_own_patterns_come_first_and_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_queries: None
) -> None:
    own = "; inherits: base\n(function_definition name: (identifier) @name) @symbol.function\n"
    base = (
        "(function_definition name: (identifier) @name) @symbol.variable\n"
        "(class_definition name: (identifier) @name) @symbol.class\n"
    )
    _write(tmp_path, "python", own)
    _write(tmp_path, "base", base)
    assert query_source("python", "symbols", tmp_path) == own + "\n" + base

    monkeypatch.setattr(languages, "_queries_root", lambda: tmp_path)
    doc = ParsedDocument("python", "class A:\n    def f(self):\n        pass\n")
    [cls] = document_symbols(doc)
    # The inherited class pattern applies; for f, the file's own pattern beats the base's.
    assert (cls.kind, cls.name) == ("class", "A")
    assert [(s.kind, s.name) for s in cls.children] == [("method", "f")]


def test_nested_and_listed_parents_keep_their_order(tmp_path: Path) -> None:
    _write(tmp_path, "a", "; inherits: b, c\n(a)\n")
    _write(tmp_path, "b", "; inherits: d\n(b)\n")
    _write(tmp_path, "c", "; inherits: d\n(c)\n")
    _write(tmp_path, "d", "(d)\n")
    text = query_source("a", "symbols", tmp_path)
    assert text is not None
    # Depth first; d, inherited twice, comes once at its first place.
    assert re.findall(r"^\((\w)\)$", text, re.MULTILINE) == ["a", "b", "d", "c"]


def test_a_cycle_ends(tmp_path: Path) -> None:
    _write(tmp_path, "a", "; inherits: b\n(a)\n")
    _write(tmp_path, "b", "; inherits: a, b\n(b)\n")
    text = query_source("a", "symbols", tmp_path)
    assert text is not None
    assert re.findall(r"^\((\w)\)$", text, re.MULTILINE) == ["a", "b"]


def test_a_missing_parent_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "a", "; inherits: nowhere\n(a)\n")
    assert query_source("a", "symbols", tmp_path) == "; inherits: nowhere\n(a)\n"
    assert query_source("nowhere", "symbols", tmp_path) is None


def test_only_the_first_line_is_a_directive(tmp_path: Path) -> None:
    _write(tmp_path, "a", "(a)\n; inherits: b\n")
    _write(tmp_path, "b", "(b)\n")
    assert query_source("a", "symbols", tmp_path) == "(a)\n; inherits: b\n"


@pytest.mark.parametrize(
    "source", sorted(QUERIES.glob("*/*.scm")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_shipped_queries_inherit_existing_files(source: Path) -> None:
    first = source.read_text(encoding="utf-8").partition("\n")[0]
    directive = re.fullmatch(r"; inherits: (.+)", first)
    for parent in directive.group(1).split(",") if directive else ():
        assert (QUERIES / parent.strip() / source.name).is_file()
