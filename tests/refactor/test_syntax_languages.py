"""Outline, folds and syntax errors for every language with queries, and the engine's
robustness: deep nesting, incremental edits, non-ASCII positions.

Each fixture in ``fixtures/syntax`` is a realistic file of its language; the expected
outlines below are what a user should see in the editor's outline view.
"""

from __future__ import annotations

import random
from pathlib import Path
from textwrap import dedent
from typing import TYPE_CHECKING, TypeVar

import pytest

from refactor.syntax.document import MAX_QUERY_DEPTH, ParsedDocument
from refactor.syntax.errors import syntax_errors
from refactor.syntax.folding import folding_ranges
from refactor.syntax.languages import GRAMMARS, load_language, load_query
from refactor.syntax.selection import MAX_CHAIN, selection_chain
from refactor.syntax.symbols import MAX_DEPTH, Symbol, document_symbols
from refactor.text import Position

if TYPE_CHECKING:
    from tree_sitter import Node

T = TypeVar("T")

FIXTURES = Path(__file__).parent / "fixtures" / "syntax"

SAMPLES = {
    "javascript": "sample.js",
    "javascriptreact": "sample.jsx",
    "typescript": "sample.ts",
    "typescriptreact": "sample.tsx",
    "go": "sample.go",
    "rust": "sample.rs",
    "java": "Sample.java",
    "c": "sample.c",
    "cpp": "sample.cpp",
    "json": "sample.json",
    "yaml": "sample.yaml",
    "toml": "sample.toml",
    "shellscript": "sample.sh",
    "html": "sample.html",
    "css": "sample.css",
    "markdown": "sample.md",
}


def _doc(lang: str) -> ParsedDocument:
    return ParsedDocument(lang, (FIXTURES / SAMPLES[lang]).read_text(encoding="utf-8"))


def _render(symbols: list[Symbol], depth: int = 0) -> list[str]:
    """One line per symbol: indentation for nesting, kind, name, first-last line."""
    lines = []
    for symbol in symbols:
        span = f"{symbol.range.start.line}-{symbol.range.end.line}"
        lines.append(f"{'  ' * depth}{symbol.kind} {symbol.name} {span}")
        lines.extend(_render(symbol.children, depth + 1))
    return lines


def _find(symbols: list[Symbol], path: str, kind: str | None = None) -> Symbol:
    """The symbol at ``a/b/c`` (by names; the last one of ``kind`` if given)."""
    head, _, rest = path.partition("/")
    for symbol in symbols:
        if symbol.name != head:
            continue
        if not rest:
            if kind in (None, symbol.kind):
                return symbol
            continue
        try:
            return _find(symbol.children, rest, kind)
        except LookupError:
            continue
    raise LookupError(path)


def _folds(doc: ParsedDocument) -> list[tuple[int, int, str | None]]:
    return [(f.start_line, f.end_line, f.kind) for f in folding_ranges(doc)]


# -- every grammar has queries that compile --------------------------------------------


@pytest.mark.parametrize("lang", sorted(GRAMMARS))
def test_queries_compile_for_every_grammar(lang: str) -> None:
    # typescriptreact compiles the typescript queries against the TSX grammar,
    # javascriptreact / jsonc the javascript / json ones.
    assert load_language(lang) is not None
    assert load_query(lang, "symbols") is not None
    assert load_query(lang, "folds") is not None


def test_every_grammar_but_python_has_a_sample() -> None:
    assert set(GRAMMARS) - set(SAMPLES) == {"python", "jsonc"}


# -- outlines --------------------------------------------------------------------------

OUTLINES = {
    "javascript": """
        class ConfigLoader 6-27
          field #cache 7-7
          field defaultName 8-8
          constructor constructor 10-12
          method load 14-22
          property size 24-26
        function mergeConfigs 29-31
        function isObject 33-33
        variable counter 35-35
        constant handlers 37-44
          method reset 38-40
          method increment 41-43
        function main 46-51
    """,
    "javascriptreact": """
        function TodoList 2-18
          function add 4-4
    """,
    "typescript": """
        interface Shape 3-7
          property id 4-4
          method area 5-5
          method describe 6-6
        typeparameter Point 9-9
          property x 9-9
          property y 9-9
        enum Color 11-15
          enummember Red 12-12
          enummember Green 13-13
          enummember Blue 14-14
        class Base 17-31
          field id 18-18
          field items 19-19
          constructor constructor 21-24
          method area 26-26
          method add 28-30
        namespace Geometry 33-39
          constant ORIGIN 34-34
          function distance 36-38
        function toPoint 41-41
        function fromStream 43-43
        variable current 45-45
    """,
    "typescriptreact": """
        interface ButtonProps 2-5
          property label 3-3
          property onClick 4-4
        function Button 7-13
        function Counter 15-24
          function increment 17-17
        class App 26-32
          field state 27-27
          method render 29-31
    """,
    "go": """
        constant DefaultCapacity 8-8
        variable ErrNotFound 10-10
        variable hits 13-13
        variable misses 14-14
        interface Getter 18-20
          method Get 19-19
        struct Store 22-25
          field mu 23-23
          field items 24-24
        typeparameter Key 27-27
        function New 29-31
        method Get 33-43
        method Set 45-49
    """,
    "rust": """
        constant MAX_ITEMS 5-5
        variable GREETING 6-6
        struct Item 10-13
          field name 11-11
          field quantity 12-12
        enum Event 15-19
          enummember Added 16-16
          enummember Removed 17-17
            field name 17-17
          enummember Cleared 18-18
        interface Describe 21-23
          method describe 22-22
        typeparameter Catalog 25-25
        struct Inventory 27-29
          field items 28-28
        object Inventory 31-43
          method new 32-34
          method add 36-42
        object Item 45-49
          method fmt 46-48
        module tests 51-53
          function check 52-52
        function item 55-59
    """,
    "java": """
        class Library 9-46
          constant MAX_BOOKS 10-10
          field books 12-12
          field name 13-13
          constructor Library 15-17
          method find 19-26
          method iterator 28-31
          enum Genre 33-41
            enummember FICTION 34-34
            enummember SCIENCE 35-35
            enummember HISTORY 36-36
            method isFiction 38-40
          interface Listener 43-45
            method onAdded 44-44
        class Book 48-52
          constructor Book 49-51
        interface Audited 54-56
          method by 55-55
    """,
    "c": """
        constant BUFFER_SIZE 3-4
        function MAX 4-5
        struct IntList 9-13
          field items 10-10
          field length 11-11
          field capacity 12-12
        struct node 15-18
          field value 16-16
          field next 17-17
        enum color 20-20
          enummember RED 20-20
          enummember GREEN 20-20
          enummember BLUE 20-20
        typeparameter ulong 22-22
        variable counter 24-24
        variable program_name 25-25
        function list_push 27-27
        function grow 29-32
        function list_push 34-41
        function main 43-50
    """,
    "cpp": """
        namespace geometry 4-43
          constant kEpsilon 6-6
          enum Unit 8-8
            enummember Meter 8-8
            enummember Foot 8-8
          struct Point 10-13
            field x 11-11
            field y 12-12
          class Shape 15-24
            constructor Shape 17-17
            method ~Shape 18-18
            method area 19-19
            method name 20-20
            field name_ 23-23
          class Registry 27-34
            method add 29-29
            method operator== 30-30
            field items_ 33-33
          function Registry<T>::add 37-39
          typeparameter PointList 41-41
        function distance 45-47
        function main 49-52
    """,
    "json": """
        key name 1-1
        key version 2-2
        key private 3-3
        key engines 4-6
          key vscode 5-5
        key contributes 7-31
          key commands 8-17
            object command: claude.chat 9-12
              key command 10-10
              key title 11-11
            object command: claude.restart 13-16
              key command 14-14
              key title 15-15
          key configuration 18-30
            key title 19-19
            key properties 20-29
              key claude.model 21-24
                key type 22-22
                key default 23-23
              key claude.maxTurns 25-28
                key type 26-26
                key default 27-27
        key keywords 32-32
        key main 33-33
    """,
    "yaml": """
        key name 1-1
        key on 3-6
          key push 4-5
            key branches 5-5
          key pull_request 6-6
        key env 8-9
          key PYTHONUNBUFFERED 9-9
        key jobs 11-30
          key test 12-26
            key runs-on 13-13
            key strategy 14-16
              key matrix 15-16
                key python 16-16
            key steps 17-26
              object name: Checkout 18-19
                key name 18-18
                key uses 19-19
              object name: Install 20-23
                key name 20-20
                key run 21-23
              object uses: actions/setup-node@v4 24-26
                key uses 24-24
                key with 25-26
                  key node-version 26-26
          key lint 27-30
            key runs-on 28-28
            key steps 29-30
              object run: ruff check . 30-30
                key run 30-30
        key defaults 32-33
          key retries 33-33
        key service 34-37
          key << 35-35
          key "quoted key" 36-36
    """,
    "toml": """
        key title 1-1
        key "quoted key" 2-2
        object project 4-13
          key name 5-5
          key version 6-6
          key dependencies 7-10
          key authors 11-11
            key name 11-11
            key email 11-11
        object project.scripts 13-16
          key claude-lsp 14-14
        object tool.ruff 16-20
          key line-length 17-17
          key lint.select 18-18
        array tool.mypy.overrides 20-24
          key module 21-21
          key strict 22-22
        array tool.mypy.overrides 24-27
          key module 25-25
          key strict 26-26
    """,
    "shellscript": """
        variable ROOT_DIR 4-4
        variable PYTHON 5-5
        constant VERSION 6-6
        variable TARGETS 7-7
        function log 9-11
        function run_tests 13-20
        function lint 22-26
    """,
    "html": """
        field header#top 13-19
          string Claude LSP 14-14
          field nav#main-nav 15-18
        field section#features 21-27
          string Features 22-22
        field section#install 28-31
          string Install 29-29
        field script#boot 34-36
    """,
    "css": """
        class :root 2-5
          variable --accent 3-3
          variable --radius 4-4
        class body, html 10-14
        class .site-header > nav a:hover 16-18
        class #main-nav 20-22
        module @media (max-width: 600px) 24-28
          class .site-header 25-27
        module @keyframes pulse 30-37
        module @font-face 39-42
    """,
    "markdown": """
        string claude-lsp 0-28
          string Install 4-10
          string Features 10-28
            string Diagnostics 12-17
            string Refactors 17-28
              string Setext heading 21-23
        string Appendix 28-35
    """,
}


@pytest.mark.parametrize("lang", sorted(OUTLINES))
def test_outline(lang: str) -> None:
    expected = dedent(OUTLINES[lang]).strip().splitlines()
    assert _render(document_symbols(_doc(lang))) == expected


# (language, path to the symbol, its kind, its detail)
DETAILS = [
    ("javascript", "ConfigLoader/load", "method", "(name = ConfigLoader.defaultName)"),
    ("javascript", "isObject", "function", "(value)"),
    ("javascript", "handlers/increment", "method", "(step)"),
    ("typescript", "Base", "class", "extends EventEmitter implements Shape"),
    ("typescript", "Geometry/ORIGIN", "constant", ": Point"),
    ("typescript", "fromStream", "function", "(stream: Readable)"),
    ("typescriptreact", "Counter", "function", "({ start }: { start: number })"),
    ("go", "Set", "method", "(s *Store)"),
    ("go", "Store/items", "field", "map[string]string"),
    ("go", "Key", "typeparameter", "string"),
    ("rust", "Item", "object", "fmt::Display"),
    ("rust", "Inventory/add", "method", "(&mut self, item: Item)"),
    ("rust", "Catalog", "typeparameter", "HashMap<String, Item>"),
    ("java", "Library/find", "method", "(String title)"),
    ("java", "Library/books", "field", "List<Book>"),
    ("java", "Book", "class", "(String title, int year)"),
    ("c", "main", "function", "(int argc, char **argv)"),
    ("c", "ulong", "typeparameter", "unsigned long"),
    ("cpp", "geometry/Registry<T>::add", "function", "(const std::string& key, T value)"),
    ("cpp", "geometry/PointList", "typeparameter", "std::vector<Point>"),
    ("json", "contributes/configuration/properties/claude.maxTurns/default", "key", "20"),
    ("json", "main", "key", "null"),
    ("yaml", "on/push/branches", "key", "[main]"),
    ("toml", "tool.ruff/line-length", "key", "100"),
    ("shellscript", "VERSION", "constant", "1.2.0"),
    ("css", ":root/--accent", "variable", "#d97757"),
]


@pytest.mark.parametrize(("lang", "path", "kind", "detail"), DETAILS)
def test_symbol_detail(lang: str, path: str, kind: str, detail: str) -> None:
    assert _find(document_symbols(_doc(lang)), path, kind).detail == detail


def test_selection_range_is_the_name() -> None:
    js = _find(document_symbols(_doc("javascript")), "isObject")
    assert (js.selection_range.start, js.selection_range.end) == (Position(33, 6), Position(33, 14))
    html = _find(document_symbols(_doc("html")), "header#top")
    start, end = html.selection_range.start, html.selection_range.end
    assert (start, end) == (Position(13, 5), Position(13, 11))  # the tag name
    md = _find(document_symbols(_doc("markdown")), "claude-lsp/Features")
    assert (md.selection_range.start, md.selection_range.end) == (Position(10, 3), Position(10, 11))


def test_json_names_keep_escapes_and_empty_keys() -> None:
    doc = ParsedDocument("jsonc", '{"a\\"b": 1, "": 2, // note\n "list": [{"id": 7}]}\n')
    assert _render(document_symbols(doc)) == [
        'key a\\"b 0-0',
        'key "" 0-0',
        "key list 1-1",
        "  object id: 7 1-1",
        "    key id 1-1",
    ]


def test_cpp_constructors_and_prototypes_in_a_class() -> None:
    text = "class A {\npublic:\n  A(int x);\n  ~A();\n  void f();\n};\nA::A(int x) {}\n"
    assert _render(document_symbols(ParsedDocument("cpp", text))) == [
        "class A 0-5",
        "  constructor A 2-2",
        "  method ~A 3-3",
        "  method f 4-4",
        "function A::A 6-6",
    ]


def test_c_header_guard_does_not_hide_declarations() -> None:
    text = "#ifndef A_H\n#define A_H\nint f(void);\nextern int count;\n#endif\n"
    assert _render(document_symbols(ParsedDocument("c", text))) == [
        "constant A_H 1-2",
        "function f 2-2",
        "variable count 3-3",
    ]
    assert _folds(ParsedDocument("c", text)) == [(0, 3, None)]  # #endif stays visible


def test_anonymous_default_export_is_named_default() -> None:
    text = "export default class {\n  run() {}\n}\n"
    for lang in ("javascript", "typescript", "typescriptreact"):
        assert _render(document_symbols(ParsedDocument(lang, text))) == [
            "class default 0-2",
            "  method run 1-1",
        ]


# -- folding ranges --------------------------------------------------------------------

# A few folds each fixture must have: (first line, last hidden line, kind).
FOLDS: dict[str, list[tuple[int, int, str | None]]] = {
    "javascript": [(0, 1, "imports"), (3, 5, "comment"), (6, 26, None), (37, 43, None)],
    "javascriptreact": [(5, 16, None), (6, 15, None), (7, 10, None)],  # JSX keeps its closer
    "typescript": [(0, 1, "imports"), (3, 6, None), (11, 14, None), (33, 38, None)],
    "typescriptreact": [(2, 4, None), (8, 11, None), (18, 22, None)],
    "go": [(3, 6, "imports"), (12, 14, None), (22, 24, None), (33, 42, None)],
    "rust": [(2, 3, "imports"), (15, 18, None), (31, 42, None), (55, 58, None)],
    "java": [(2, 4, "imports"), (6, 8, "comment"), (9, 45, None), (33, 40, None)],
    "c": [(0, 1, "imports"), (6, 8, "comment"), (9, 12, None), (43, 49, None)],
    "cpp": [(0, 2, "imports"), (4, 41, None), (15, 23, None), (27, 33, None)],
    "json": [(0, 33, None), (8, 16, None), (9, 11, None), (20, 28, None)],
    "yaml": [(3, 6, None), (17, 26, None), (20, 23, None), (21, 23, None)],
    "toml": [(4, 11, None), (7, 9, None), (20, 22, None)],  # no trailing blank line
    "shellscript": [(9, 10, None), (15, 18, None), (28, 37, None), (41, 42, None)],
    "html": [(1, 37, None), (10, 12, "comment"), (13, 18, None), (5, 6, None)],
    "css": [(2, 4, None), (7, 9, "comment"), (24, 27, None), (30, 36, None)],
    "markdown": [(0, 26, None), (4, 8, None), (6, 8, None), (24, 26, None)],
}


@pytest.mark.parametrize("lang", sorted(FOLDS))
def test_folds(lang: str) -> None:
    folds = _folds(_doc(lang))
    for fold in FOLDS[lang]:
        assert fold in folds
    assert all(start < end for start, end, _ in folds)
    assert [start for start, _, _ in folds] == sorted({start for start, _, _ in folds})


def test_html_void_element_does_not_fold() -> None:
    # <meta> has no end tag and its node runs on to the next tag.
    assert all(start != 3 for start, _, _ in _folds(_doc("html")))


# -- syntax errors ---------------------------------------------------------------------

# A broken file per language and its first problem: (line, character, message).
BROKEN = {
    "javascript": ("if (ready {\n  go();\n}\n", (0, 9, "missing `)`")),
    "javascriptreact": ("const el = <div className=>x</div>;\n", (0, 25, "unexpected `=`")),
    "typescript": ("interface A {\n  x: number\n  y: = 2;\n}\n", (2, 5, "unexpected `=`")),
    "typescriptreact": (
        "function App() {\n  return <div className=>x</div>;\n}\n",
        (1, 23, "unexpected `=`"),
    ),
    "go": ("package main\n\nfunc main( {\n}\n", (2, 10, "missing `)`")),
    "rust": ("struct S {\n    a: u32\n    b: u32,\n}\n", (2, 4, "unexpected `b`")),
    "java": ("class A {\n  void f() {\n    int x = 1\n  }\n}\n", (2, 13, "missing `;`")),
    "c": ("int main(void) {\n  return 0\n}\n", (1, 10, "missing `;`")),
    "cpp": ("class A {\n  int x\n};\n", (1, 7, "missing `;`")),
    "json": ('{"a": 1,, "b": 2}\n', (0, 7, "unexpected `,`")),
    "jsonc": ('{"a": [1, 2}\n', (0, 11, "missing `]`")),
    "yaml": ("a: [1, 2\nb: 3\n", (0, 3, "`[` was never closed")),
    "toml": ("[table\nkey = 1\n", (0, 0, "`[` was never closed")),
    "shellscript": ("if true; then\n  echo hi\n", (2, 0, "missing `fi`")),
    "html": ("<a href=>x</a>\n", (0, 7, "unexpected `=`")),
    "css": ("a { color: red;\n}\n}\n", (2, 0, "unexpected `}`")),
}


@pytest.mark.parametrize("lang", sorted(BROKEN))
def test_syntax_error_is_reported(lang: str) -> None:
    text, (line, character, message) = BROKEN[lang]
    problems = syntax_errors(ParsedDocument(lang, text))
    assert problems
    first = problems[0]
    assert (first.range.start.line, first.range.start.character, first.message) == (
        line,
        character,
        message,
    )


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_valid_sample_has_no_syntax_errors(lang: str) -> None:
    assert syntax_errors(_doc(lang)) == []


def test_markdown_accepts_any_text_but_a_nul_byte() -> None:
    # CommonMark has no invalid input: an unclosed fence or link is text, not an error.
    unclosed = ParsedDocument("markdown", "# Title\n\n```python\ncode\n[link](\n")
    assert syntax_errors(unclosed) == []
    # The one thing the grammar rejects; the message shows it escaped, not as a raw NUL.
    problems = syntax_errors(ParsedDocument("markdown", "# Title\n\x00\n"))
    assert [(p.range.start.line, p.message) for p in problems] == [(1, "unexpected `\\x00`")]


# -- robustness ------------------------------------------------------------------------

DEPTH = 50_000
# The speed of these cases (20-45 s per query before the engine limited query depth and
# split a flat ERROR root; ~30 ms now) is measured by ``python -m bench.deep_nesting``.
# Here: what the features return on them.


def _count(symbols: list[Symbol]) -> int:
    return sum(1 + _count(symbol.children) for symbol in symbols)


@pytest.mark.parametrize(
    ("lang", "text", "symbols", "folds", "errors"),
    [
        ("json", "[" * DEPTH + "]" * DEPTH, 0, 0, 0),
        ("json", '{"a":' * DEPTH + "1" + "}" * DEPTH, MAX_DEPTH, 0, 0),
        ("json", "[\n" * DEPTH + "]\n" * DEPTH, 0, MAX_QUERY_DEPTH, 0),
        ("json", "[" * DEPTH, 0, 0, 1),
        ("json", "{" * DEPTH, 0, 0, 1),
        ("python", "x = " + "[" * DEPTH + "]" * DEPTH + "\n", 1, 0, 0),
        ("python", "x = [\n" + "[\n" * DEPTH + "]\n" * DEPTH + "]\n", 1, MAX_QUERY_DEPTH - 2, 0),
        ("python", "x = " + "(" * DEPTH + "\n", 0, 0, 1),
        ("python", "def f():\n    return " + "{" * DEPTH + "\n", 0, 0, 1),
    ],
    ids=[
        "json-nested",
        "json-nested-objects",
        "json-nested-lines",
        "json-unclosed",
        "json-unclosed-objects",
        "python-nested",
        "python-nested-lines",
        "python-unclosed",
        "python-unclosed-in-function",
    ],
)
def test_deep_nesting_gives_bounded_results(
    lang: str, text: str, symbols: int, folds: int, errors: int
) -> None:
    doc = ParsedDocument(lang, text)
    assert _count(document_symbols(doc)) == symbols
    assert len(folding_ranges(doc)) == folds
    assert len(syntax_errors(doc)) == errors
    middle = Position(0, len(doc.line(0)) // 2)
    chain = selection_chain(doc, middle)
    assert 1 < len(chain) <= MAX_CHAIN
    assert chain[-1].start == Position(0, 0)
    deep = Position(doc.line_count() // 2, 0)
    assert len(selection_chain(doc, deep)) <= MAX_CHAIN


# -- incremental parsing ---------------------------------------------------------------

SNIPPETS = [
    "x", "é", "日本", "😀", "ß", "\u0301", "λ = 2\n", "\n", " ", "\t", "(", ")", "[", "]",
    "{", "}", ":", ",", '"', "'", "#", "def f():\n    return 1\n", '"ключ": [1]',
    "\r", "\r\n", "\r\r", "x = 1\rdef g():\r    pass\r",
]  # fmt: skip


def _nodes(node: Node) -> list[tuple[object, ...]]:
    """Every node with its byte span and points, in document order."""
    out: list[tuple[object, ...]] = []
    cursor = node.walk()
    while True:
        current = cursor.node
        assert current is not None
        out.append(
            (
                current.type,
                current.start_byte,
                current.end_byte,
                tuple(current.start_point),
                tuple(current.end_point),
            )
        )
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return out


@pytest.mark.parametrize(
    ("lang", "seed"),
    [("python", 1), ("python", 2), ("json", 3), ("javascript", 4), ("markdown", 5), ("yaml", 6)],
)
def test_incremental_edits_match_a_full_parse(lang: str, seed: int) -> None:
    text = (
        "def héllo(ñ):\n    return '日本語'  # café\n\nclass C:\n    x = [1, 2, 3]\n"
        if lang == "python"
        else (FIXTURES / SAMPLES[lang]).read_text(encoding="utf-8")
    )
    rng = random.Random(seed)
    doc = ParsedDocument(lang, text)
    for step in range(200):
        start = rng.randint(0, len(doc.text))
        end = min(len(doc.text), start + rng.choice([0, 0, 1, 2, 5, 20]))
        new_text = "".join(rng.choice(SNIPPETS) for _ in range(rng.choice([0, 1, 1, 2, 3])))
        expected = doc.text[:start] + new_text + doc.text[end:]
        doc.edit(start, end, new_text)
        assert doc.text == expected
        if step % 10 == 9:
            fresh = ParsedDocument(lang, doc.text)
            assert str(doc.tree.root_node) == str(fresh.tree.root_node)
            assert _nodes(doc.tree.root_node) == _nodes(fresh.tree.root_node)
    assert doc.full_parses == 1
    assert doc.incremental_parses == 20
    fresh = ParsedDocument(lang, doc.text)
    assert document_symbols(doc) == document_symbols(fresh)
    assert folding_ranges(doc) == folding_ranges(fresh)
    assert syntax_errors(doc) == syntax_errors(fresh)


def test_edits_between_parses_are_batched() -> None:
    doc = ParsedDocument("json", '{"a": 1}')
    for i, char in enumerate(', "ü": 2'):
        doc.edit(7 + i, 7 + i, char)
    assert doc.text == '{"a": 1, "ü": 2}'
    assert _render(document_symbols(doc)) == ["key a 0-0", "key ü 0-0"]
    assert (doc.full_parses, doc.incremental_parses) == (1, 1)


# -- selection on non-ASCII lines ------------------------------------------------------


def _spans(doc: ParsedDocument, line: int, character: int) -> list[str]:
    """The text of each range of the selection chain (all on ``line`` but the last)."""
    chain = selection_chain(doc, Position(line, character))
    text = doc.line(line)
    assert all(r.start.line == r.end.line == line for r in chain[:-1])
    return [text[r.start.character : r.end.character] for r in chain[:-1]]


def test_selection_chain_counts_code_points() -> None:
    doc = ParsedDocument("python", "s = '日本語' + café(ñ, \"😀x\")\n")
    assert _spans(doc, 0, 5) == [
        "日本語",
        "'日本語'",
        "'日本語' + café(ñ, \"😀x\")",
        "s = '日本語' + café(ñ, \"😀x\")",
    ]
    assert _spans(doc, 0, 13) == [
        "café",
        'café(ñ, "😀x")',
        "'日本語' + café(ñ, \"😀x\")",
        "s = '日本語' + café(ñ, \"😀x\")",
    ]
    assert _spans(doc, 0, 22)[:3] == ["😀x", '"😀x"', '(ñ, "😀x")']
    last = selection_chain(doc, Position(0, 22))[-1]
    assert (last.start, last.end) == (Position(0, 0), Position(1, 0))


def test_selection_chain_in_json_with_cyrillic_and_cjk_keys() -> None:
    doc = ParsedDocument("json", '{"名前": {"ключ": [1, "é"]}}\n')
    assert _spans(doc, 0, 10) == [
        "ключ",
        '"ключ"',
        '"ключ": [1, "é"]',
        '{"ключ": [1, "é"]}',
        '"名前": {"ключ": [1, "é"]}',
        '{"名前": {"ключ": [1, "é"]}}',
    ]
    assert _spans(doc, 0, 22)[:2] == ['"', '"é"']


def test_symbol_positions_on_non_ascii_lines() -> None:
    doc = ParsedDocument("go", "package p\n\n// Größe\nfunc Größe(ß int) {}\nvar 名前 = 1\n")
    symbols = document_symbols(doc)
    assert _render(symbols) == ["function Größe 3-3", "variable 名前 4-4"]
    assert (symbols[0].selection_range.start, symbols[0].selection_range.end) == (
        Position(3, 5),
        Position(3, 10),
    )
    assert (symbols[1].range.start, symbols[1].range.end) == (Position(4, 4), Position(4, 10))
