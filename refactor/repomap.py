"""A repository map: which files define what, ranked toward the files in play.

Definitions come from tree-sitter (each language's ``symbols.scm``, the same query the
outline uses); references are the identifiers of a file (one regex pass, C speed). A file
that references a name another file defines points at it, weighted by how often and by
how rare the name is. Personalised PageRank from the files in play (aider's idea) ranks
the rest; the map lists the best-ranked files' definitions within a character budget.

Files are cached by (mtime, size): `RepoMap.refresh` re-reads only what changed and
`RepoMap.update` re-reads named files (saves, watched-file events). The ranking walks
only the neighbourhood of the files in play (two hops), so it does not grow with the
workspace. Blocking and not thread-safe: one worker thread owns a map.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from refactor.files import read_text, walk
from refactor.syntax.languages import language_for, load_language, load_query

if TYPE_CHECKING:
    from tree_sitter import Language, Parser

CODE_LANGUAGES = frozenset(
    {
        "python",
        "javascript",
        "javascriptreact",
        "typescript",
        "typescriptreact",
        "go",
        "rust",
        "java",
        "c",
        "cpp",
    }
)
MAX_FILE_BYTES = 300_000
MAX_DEFINERS = 40  # a name defined in more files than this says nothing (``__init__``)
SKIP_DIRS = frozenset({"node_modules", ".venv", "venv", "__pycache__", ".tox", "target", "dist"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
DAMPING = 0.85
ITERATIONS = 30


@dataclass
class FileTags:
    stamp: tuple[int, int]  # (mtime_ns, size)
    definitions: list[tuple[str, int, str]]  # (name, 0-based line, the line's text)
    references: Counter[str]


_local = threading.local()  # parsers per thread (a Parser is not thread-safe)


def _parser(lang: str, make: type[Parser], language: Language) -> Parser:
    parsers: dict[str, Parser] = _local.__dict__.setdefault("parsers", {})
    parser = parsers.get(lang)
    if parser is None:
        parser = parsers[lang] = make(language)
    return parser


def extract(path: Path, text: str) -> tuple[list[tuple[str, int, str]], Counter[str]] | None:
    """Definitions and reference counts of one file; None for languages without a map."""
    from tree_sitter import Parser, QueryCursor

    lang = language_for(str(path))
    if lang not in CODE_LANGUAGES:
        return None
    language, query = load_language(lang), load_query(lang, "symbols")
    if language is None or query is None:
        return None
    data = text.encode("utf-8", "surrogatepass")
    tree = _parser(lang, Parser, language).parse(data)
    lines = text.split("\n")
    names = QueryCursor(query).captures(tree.root_node).get("name", [])
    definitions = []
    defined: set[str] = set()
    for node in sorted(names, key=lambda n: n.start_byte):
        name = (node.text or b"").decode("utf-8", "replace")
        row = node.start_point[0]
        if name and row < len(lines):
            definitions.append((name, row, lines[row].strip()[:160]))
            defined.add(name)
    references = Counter(_IDENTIFIER.findall(text))
    for name in defined:  # a definition is not a use of itself
        references[name] -= 1
        if references[name] <= 0:
            del references[name]
    return definitions, references


class RepoMap:
    def __init__(self, root: Path, max_files: int = 20_000) -> None:
        self.root = root.resolve()
        self.max_files = max_files
        self.files: dict[Path, FileTags] = {}
        self.definers: dict[str, set[Path]] = defaultdict(set)
        self.referrers: dict[str, set[Path]] = defaultdict(set)

    # -- building --------------------------------------------------------------------

    def refresh(self) -> int:
        """Walk the workspace; (re)read new and changed files, forget vanished ones.
        Returns how many files were read."""
        seen: set[Path] = set()
        read = 0
        for path in walk(self.root, skip=SKIP_DIRS):
            if language_for(str(path)) not in CODE_LANGUAGES:
                continue
            if len(seen) >= self.max_files:
                break
            seen.add(path)
            read += self._load(path)
        for gone in [p for p in self.files if p not in seen]:
            self._forget(gone)
        return read

    def update(self, paths: list[Path]) -> int:
        """Re-read these files (changed, created or deleted)."""
        read = 0
        for path in paths:
            if language_for(str(path)) in CODE_LANGUAGES:
                read += self._load(path.resolve())
        return read

    def _load(self, path: Path) -> int:
        try:
            info = path.stat()
        except OSError:
            self._forget(path)
            return 0
        stamp = (info.st_mtime_ns, info.st_size)
        known = self.files.get(path)
        if known is not None and known.stamp == stamp:
            return 0
        text = read_text(path, MAX_FILE_BYTES) if info.st_size <= MAX_FILE_BYTES else None
        found = extract(path, text) if text is not None else None
        self._forget(path)
        if found is None:
            return 1
        definitions, references = found
        self.files[path] = FileTags(stamp, definitions, references)
        for name, _, _ in definitions:
            self.definers[name].add(path)
        for name in references:
            self.referrers[name].add(path)
        return 1

    def _forget(self, path: Path) -> None:
        tags = self.files.pop(path, None)
        if tags is None:
            return
        for name, _, _ in tags.definitions:
            self._discard(self.definers, name, path)
        for name in tags.references:
            self._discard(self.referrers, name, path)

    @staticmethod
    def _discard(index: dict[str, set[Path]], name: str, path: Path) -> None:
        holders = index.get(name)
        if holders is not None:
            holders.discard(path)
            if not holders:
                del index[name]

    # -- ranking ---------------------------------------------------------------------

    def _edges(self, source: Path) -> dict[Path, float]:
        """Where ``source`` points: the files defining the names it uses, weighted as
        aider does (long, specific names count more; private and common ones less)."""
        tags = self.files.get(source)
        out: dict[Path, float] = defaultdict(float)
        if tags is None:
            return out
        for name, count in tags.references.items():
            definers = self.definers.get(name)
            if not definers or len(definers) > MAX_DEFINERS:
                continue
            weight = min(count, 10) ** 0.5 / len(definers) * _specificity(name)
            for target in definers:
                if target != source:
                    out[target] += weight
        return out

    def rank(self, focus: list[Path]) -> list[tuple[Path, float]]:
        """Files by personalised PageRank toward ``focus``, best first (focus excluded).
        The graph is the focus, the files it uses and the files that use it."""
        seeds = [p.resolve() for p in focus if p.resolve() in self.files]
        if not seeds:
            return []
        nodes = set(seeds)
        for seed in seeds:
            nodes.update(self._edges(seed))
            for name, _, _ in self.files[seed].definitions:
                referrers = self.referrers.get(name, ())
                if len(referrers) <= MAX_DEFINERS * 5:
                    nodes.update(referrers)
        graph = {}
        for node in nodes:
            graph[node] = {t: w for t, w in self._edges(node).items() if t in nodes}
        scores = pagerank(graph, {seed: 1.0 for seed in seeds})
        ranked = sorted(((p, s) for p, s in scores.items() if p not in seeds), key=_best)
        return ranked

    def render(self, focus: list[Path], max_chars: int, per_file: int = 12) -> str:
        """The map for ``focus``: ranked files with their definitions, within
        ``max_chars``."""
        parts: list[str] = []
        used = 0
        for path, _score in self.rank(focus):
            tags = self.files[path]
            if not tags.definitions:
                continue
            shown = os.path.relpath(path, self.root)
            listed = tags.definitions[:per_file]
            body = "\n".join(f"  {line + 1}: {text}" for _, line, text in listed)
            more = len(tags.definitions) - per_file
            block = f"{shown}\n{body}" + (f"\n  … {more} more" if more > 0 else "")
            if used + len(block) + 1 > max_chars:
                break
            parts.append(block)
            used += len(block) + 1
        return "\n".join(parts)


def _specificity(name: str) -> float:
    factor = 1.0
    if len(name) >= 8 and ("_" in name.strip("_") or name != name.lower()):
        factor *= 10
    if name.startswith("_"):
        factor *= 0.1
    return factor


def _best(item: tuple[Path, float]) -> tuple[float, str]:
    return (-item[1], str(item[0]))


def pagerank(
    graph: dict[Path, dict[Path, float]], personalization: dict[Path, float]
) -> dict[Path, float]:
    """Personalised PageRank by power iteration on a weighted graph (``graph[a][b]``: the
    weight of a → b). Dangling nodes jump back to the personalization."""
    nodes = list(graph)
    total = sum(personalization.values())
    restart = {n: personalization.get(n, 0.0) / total for n in nodes}
    rank = dict(restart)
    out_weight = {n: sum(graph[n].values()) for n in nodes}
    for _ in range(ITERATIONS):
        dangling = sum(rank[n] for n in nodes if out_weight[n] == 0)
        new = {n: (1 - DAMPING + DAMPING * dangling) * restart[n] for n in nodes}
        for source in nodes:
            weight = out_weight[source]
            if weight == 0:
                continue
            share = DAMPING * rank[source] / weight
            for target, w in graph[source].items():
                new[target] += share * w
        rank = new
    return rank
