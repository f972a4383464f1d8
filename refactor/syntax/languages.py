"""Which tree-sitter grammar serves which file, loaded lazily from the per-language wheels.

Each grammar lives in its own PyPI wheel (``tree-sitter-python`` …) that bundles the
compiled grammar, so nothing is downloaded at run time. A grammar module is imported the
first time a document of its language is parsed.
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import PurePath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from tree_sitter import Language, Query

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grammar:
    """Where a language's grammar comes from."""

    module: str
    function: str = "language"


GRAMMARS: dict[str, Grammar] = {
    "python": Grammar("tree_sitter_python"),
    "javascript": Grammar("tree_sitter_javascript"),
    "javascriptreact": Grammar("tree_sitter_javascript"),
    "typescript": Grammar("tree_sitter_typescript", "language_typescript"),
    "typescriptreact": Grammar("tree_sitter_typescript", "language_tsx"),
    "go": Grammar("tree_sitter_go"),
    "rust": Grammar("tree_sitter_rust"),
    "java": Grammar("tree_sitter_java"),
    "c": Grammar("tree_sitter_c"),
    "cpp": Grammar("tree_sitter_cpp"),
    "json": Grammar("tree_sitter_json"),
    "jsonc": Grammar("tree_sitter_json"),
    "yaml": Grammar("tree_sitter_yaml"),
    "toml": Grammar("tree_sitter_toml"),
    "shellscript": Grammar("tree_sitter_bash"),
    "html": Grammar("tree_sitter_html"),
    "css": Grammar("tree_sitter_css"),
    "markdown": Grammar("tree_sitter_markdown"),
}

# Languages that share another's queries (the grammar is the same or a superset).
QUERY_ALIASES = {
    "javascriptreact": "javascript",
    "typescriptreact": "typescript",
    "jsonc": "json",
}

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".pyw": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescriptreact",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hh": "cpp",
    ".hpp": "cpp",
    ".hxx": "cpp",
    ".json": "json",
    ".jsonc": "jsonc",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".sh": "shellscript",
    ".bash": "shellscript",
    ".zsh": "shellscript",
    ".html": "html",
    ".htm": "html",
    ".css": "css",
    ".md": "markdown",
    ".markdown": "markdown",
}

# Names editors use for the same language (Neovim filetypes, Emacs modes).
LANGUAGE_ID_ALIASES = {
    "py": "python",
    "python3": "python",
    "js": "javascript",
    "ts": "typescript",
    "tsx": "typescriptreact",
    "jsx": "javascriptreact",
    "sh": "shellscript",
    "bash": "shellscript",
    "zsh": "shellscript",
    "c++": "cpp",
    "golang": "go",
    "yml": "yaml",
}

_lock = threading.Lock()


# Languages whose files editors may rightly label with another member's id (a C header
# edited as C++, a .js file as JSX): there the editor's id wins over the extension.
FAMILIES = (
    frozenset({"c", "cpp"}),
    frozenset({"javascript", "javascriptreact", "typescript", "typescriptreact"}),
)


def language_for(path: str, language_id: str | None = None) -> str | None:
    """The language of a document: the editor's language id, unless the file's
    extension names a language of another family (eglot 1.9 sends one id, that of its
    first mode, for every mode a server entry lists: a .js file arrives as "python");
    the file name alone when the id is unknown."""
    by_extension = EXTENSIONS.get(PurePath(path).suffix.lower())
    if language_id:
        lang = LANGUAGE_ID_ALIASES.get(language_id.lower(), language_id.lower())
        if lang in GRAMMARS:
            if by_extension is None or by_extension == lang or _related(lang, by_extension):
                return lang
            return by_extension
    return by_extension


def _related(a: str, b: str) -> bool:
    return any(a in family and b in family for family in FAMILIES)


@cache
def _load(lang: str) -> Language:
    from tree_sitter import Language

    grammar = GRAMMARS[lang]
    module = importlib.import_module(grammar.module)
    return Language(getattr(module, grammar.function)())


def load_language(lang: str) -> Language | None:
    """The tree-sitter ``Language`` for ``lang``; None when its wheel is missing."""
    if lang not in GRAMMARS:
        return None
    try:
        with _lock:
            return _load(lang)
    except (ImportError, AttributeError, ValueError) as exc:
        log.warning("grammar for %s unavailable: %s", lang, exc)
        return None


# A query file whose first line is ``; inherits: c`` (or ``; inherits: a, b``) gets the
# same-named query of each listed folder appended after its own patterns, so its own patterns
# come first and win (see symbols.py); inherited files may inherit in turn.
_INHERITS = re.compile(r";+\s*inherits\s*:\s*([\w-]+(?:\s*,\s*[\w-]+)*)\s*")


def _queries_root() -> Traversable:
    return resources.files(__package__).joinpath("queries")


def query_source(folder: str, name: str, root: Traversable | None = None) -> str | None:
    """The text of ``queries/<folder>/<name>.scm`` followed by the files it inherits.

    Each file is included once, at its first (highest-precedence) place, so an inheritance
    cycle or a diamond does not repeat or loop.
    """
    base = _queries_root() if root is None else root
    seen: set[str] = set()
    parts: list[str] = []

    def include(current: str) -> bool:
        seen.add(current)
        source = base.joinpath(current, f"{name}.scm")
        if not source.is_file():
            return False
        text = source.read_text(encoding="utf-8")
        parts.append(text)
        directive = _INHERITS.fullmatch(text.partition("\n")[0].rstrip("\r"))
        parents = directive.group(1).split(",") if directive else []
        for parent in (p.strip() for p in parents):
            if parent not in seen and not include(parent):
                log.warning("queries/%s/%s.scm inherits missing %s", current, name, parent)
        return True

    if not include(folder):
        return None
    return "\n".join(parts)


@cache
def _query(lang: str, name: str) -> Query | None:
    from tree_sitter import Query

    language = _load(lang)
    source = query_source(QUERY_ALIASES.get(lang, lang), name)
    if source is None:
        return None
    return Query(language, source)


def load_query(lang: str, name: str) -> Query | None:
    """The compiled query ``queries/<lang>/<name>.scm`` with what it inherits, or None if
    the language has none."""
    if load_language(lang) is None:
        return None
    with _lock:
        return _query(lang, name)
