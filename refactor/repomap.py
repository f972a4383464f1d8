"""A repository map: which files define what, ranked toward the files in play.

References are the identifiers of a file (one regex pass, C speed). The names a file
defines come, for Python, from one line pattern too: ``def`` and ``class`` lines and
module-level assignments (class fields are left out, and a definition quoted in a
docstring counts) — parsing every file with tree-sitter cost 10 s of CPU for the 45 MB
of a 6,000-file workspace, the pattern under 1 s. Other languages are parsed with
tree-sitter (each language's ``symbols.scm``, the query the outline uses). A file that
references a name another file defines points at it, weighted by how often and by how
rare the name is. Personalised PageRank from the files in play (aider's idea) ranks the
rest; the map lists the best-ranked files' definitions within a character budget, and
those listings always come from tree-sitter (a Python file is parsed the first time it
is listed).

Files are cached by (mtime, size): `RepoMap.refresh` re-reads only what changed and
`RepoMap.update` re-reads named files (saves, watched-file events); `save` and `load`
keep the extracted files on disk between runs, so only the first build reads everything.
The ranking looks only at the files in play and their best-connected neighbours
(``MAX_NEIGHBOURS``), so it does not grow with the workspace. Blocking and not
thread-safe: one worker thread owns a map.
"""

from __future__ import annotations

import os
import pickle
import re
import stat
import sys
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from refactor.files import read_text, walk
from refactor.syntax.languages import EXTENSIONS, language_for, load_language, load_query
from refactor.text import looks_binary

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
CACHE_VERSION = 2
MAX_DEFINERS = 40  # a name defined in more files than this says nothing (``__init__``)
SKIP_DIRS = frozenset({"node_modules", ".venv", "venv", "__pycache__", ".tox", "target", "dist"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
# A newline, then a module-level assignment (``NAME =``, ``NAME: T =``) or a def/class
# line at any depth. Starting with a literal newline keeps the scan at C speed, and the
# possessive quantifiers (no backtracking into indentation) make it 2.5 times faster.
_PYTHON_DEFINITION = re.compile(
    r"\n(?:([A-Za-z_]\w*+)[ \t]*+(?::[^\n=]*+)?=(?!=)"
    r"|[ \t]*+(?:async[ \t]++)?(?:def|class)[ \t]++([A-Za-z_]\w*+))"
)
K = TypeVar("K")
MAX_NEIGHBOURS = 120  # files the ranking looks at beyond the focus: bounded work
DAMPING = 0.85
ITERATIONS = 30


Outline = list[tuple[str, int, str]]  # (name, 0-based line, the line's text)


@dataclass(slots=True)
class FileTags:
    stamp: tuple[int, int]  # (mtime_ns, size)
    names: tuple[str, ...]  # the names the file defines, for the ranking
    references: dict[str, int]  # identifier -> uses (its own definitions not counted)
    outline: Outline | None  # what the map lists; None: not parsed yet


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


def _language(path: str) -> str | None:
    """``language_for`` without pathlib (a third of a warm refresh went to it)."""
    return EXTENSIONS.get(os.path.splitext(path)[1].lower())


def _read(path: str, info: os.stat_result) -> str | None:
    """``read_text`` for a file already stat'ed: None when too large, not a regular
    file, unreadable or binary."""
    if info.st_size > MAX_FILE_BYTES or not stat.S_ISREG(info.st_mode):
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    if len(data) > MAX_FILE_BYTES or looks_binary(data):
        return None
    return data.decode("utf-8", "replace")


def python_names(text: str) -> list[str]:
    """The names a Python file defines, by line pattern (see the module docstring)."""
    return [a or b for a, b in _PYTHON_DEFINITION.findall("\n" + text)]


def _scan(path: Path, text: str) -> tuple[tuple[str, ...], dict[str, int], Outline | None]:
    """Names, references and (except for Python, parsed when first listed) the outline.
    Names are interned: a workspace has far fewer distinct names than uses of them, in
    memory and in the saved map."""
    outline: Outline | None
    if _language(str(path)) == "python":
        outline, names = None, python_names(text)
        counts = Counter(_IDENTIFIER.findall(text))
        for name in set(names):  # a definition is not a use of itself
            counts[name] -= 1
    else:
        found = extract(path, text)  # its own definitions already not counted
        if found is None:
            return (), {}, []
        outline, counts = found
        names = [name for name, _, _ in outline]
    references = {sys.intern(name): n for name, n in counts.items() if n > 0}
    return tuple(sys.intern(name) for name in dict.fromkeys(names)), references, outline


class RepoMap:
    def __init__(self, root: Path, max_files: int = 20_000) -> None:
        self.root = root.resolve()
        self.max_files = max_files
        # Keyed by the path as a string: Path hashing dominated the ranking's time.
        self.files: dict[str, FileTags] = {}
        self.definers: dict[str, set[str]] = defaultdict(set)
        # Edges depend on every file's definitions: cached until a definition changes.
        self._edge_cache: dict[str, dict[str, float]] = {}

    # -- building --------------------------------------------------------------------

    def refresh(self) -> int:
        """Walk the workspace; (re)read new and changed files, forget vanished ones.
        Returns how many files were read."""
        seen: set[str] = set()
        read = 0
        for path in walk(self.root, skip=SKIP_DIRS):
            key = str(path)
            if _language(key) not in CODE_LANGUAGES:
                continue
            if len(seen) >= self.max_files:
                break
            seen.add(key)
            read += self._load(key)
        for gone in [p for p in self.files if p not in seen]:
            self._forget(gone)
        return read

    def save(self, path: Path) -> None:
        """Keep the extracted files at ``path`` for the next start: a pickle (as jedi's
        and parso's caches are) of plain tuples, each interned name stored once, the
        index left out (rebuilt on load): loading 6,000 files' tags from JSON took
        longer than a whole cold build."""
        files = {
            key: (tags.stamp, tags.names, tags.references, tags.outline)
            for key, tags in self.files.items()
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        with partial.open("wb") as handle:
            pickle.dump((CACHE_VERSION, str(self.root), files), handle, pickle.HIGHEST_PROTOCOL)
        partial.replace(path)

    def load(self, path: Path) -> int:
        """Take what `save` kept (a later `refresh` re-reads what changed since);
        returns how many files were loaded, 0 for a missing, foreign or stale cache.
        The cache lives in the user's own cache folder, written by this program."""
        try:
            with path.open("rb") as handle:
                data = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return 0
        if not isinstance(data, tuple) or len(data) != 3:
            return 0
        version, root, files = data
        if version != CACHE_VERSION or root != str(self.root):
            return 0
        self.files, self._edge_cache = {}, {}
        self.definers = defaultdict(set)
        try:
            for key, (stamp, names, references, outline) in files.items():
                self.files[key] = FileTags(stamp, names, references, outline)
                for name in names:
                    self.definers[name].add(key)
        except (TypeError, ValueError, AttributeError):  # not what `save` wrote
            self.files, self.definers = {}, defaultdict(set)
            return 0
        return len(self.files)

    def update(self, paths: list[Path]) -> int:
        """Re-read these files (changed, created or deleted)."""
        read = 0
        for path in paths:
            if _language(str(path)) in CODE_LANGUAGES:
                read += self._load(str(path.resolve()))
        return read

    def _load(self, key: str) -> int:
        try:
            info = os.stat(key)
        except OSError:
            self._forget(key)
            return 0
        stamp = (info.st_mtime_ns, info.st_size)
        known = self.files.get(key)
        if known is not None and known.stamp == stamp:
            return 0
        text = _read(key, info)
        # Too large, binary or unreadable: kept with its stamp and nothing in it, so
        # the next refresh does not read it again.
        names, references, outline = _scan(Path(key), text) if text is not None else ((), {}, [])
        self._forget(key, keep_edges=True)
        if set(names) != set(known.names if known is not None else ()):
            self._edge_cache.clear()  # other files' edges may point here, or no more
        self.files[key] = FileTags(stamp, names, references, outline)
        for name in names:
            self.definers[name].add(key)
        return 1

    def _forget(self, path: str, keep_edges: bool = False) -> None:
        tags = self.files.pop(path, None)
        if tags is None:
            return
        if tags.names and not keep_edges:
            self._edge_cache.clear()
        self._edge_cache.pop(path, None)
        for name in tags.names:
            holders = self.definers.get(name)
            if holders is not None:
                holders.discard(path)
                if not holders:
                    del self.definers[name]

    def outline(self, key: str) -> Outline:
        """What the map lists for a file: its tree-sitter definitions, parsed now if
        the file has not been listed before. One stat first: a file changed or deleted
        since it was read (no watched-file event came) is read again or dropped."""
        self._load(key)
        tags = self.files.get(key)
        if tags is None:
            return []
        if tags.outline is None:
            text = read_text(Path(key), MAX_FILE_BYTES)
            found = extract(Path(key), text) if text is not None else None
            tags.outline = found[0] if found is not None else []
        return tags.outline

    # -- ranking ---------------------------------------------------------------------

    def _edges(self, source: str) -> dict[str, float]:
        """Where ``source`` points: the files defining the names it uses, weighted as
        aider does (long, specific names count more; private and common ones less)."""
        cached = self._edge_cache.get(source)
        if cached is not None:
            return cached
        tags = self.files.get(source)
        out: dict[str, float] = defaultdict(float)
        if tags is None:
            return out
        for name, count in tags.references.items():
            definers = self.definers.get(name)
            if not definers or len(definers) > MAX_DEFINERS:
                continue
            weight = min(count, 10) ** 0.5 / len(definers) * _specificity(name)
            if len(definers) > 5:
                weight *= 0.1
            for target in definers:
                if target != source:
                    out[target] += weight
        self._edge_cache[source] = out
        return out

    def _referrers(self, names: set[str]) -> dict[str, list[str]]:
        """The files using each of ``names``: one pass over the files (a set
        intersection each), cheaper than keeping an index of every identifier."""
        found: dict[str, list[str]] = defaultdict(list)
        for key, tags in self.files.items():
            for name in names & tags.references.keys():
                found[name].append(key)
        return found

    def rank(self, focus: list[Path]) -> list[tuple[Path, float]]:
        """Files by personalised PageRank toward ``focus``, best first (focus excluded).
        The graph is the focus, the files it uses and the files that use it."""
        seeds = [key for p in focus if (key := str(p.resolve())) in self.files]
        if not seeds:
            return []
        uses: dict[str, float] = defaultdict(float)  # files the seeds point at
        used_by: dict[str, float] = defaultdict(float)  # files pointing at the seeds
        referrers = self._referrers({n for seed in seeds for n in self.files[seed].names})
        for seed in seeds:
            for target, weight in self._edges(seed).items():
                uses[target] += weight
            for name in self.files[seed].names:
                holders = referrers.get(name, ())
                weight = _specificity(name) / max(1, len(holders))
                for referrer in holders:
                    used_by[referrer] += weight
        nodes = set(seeds)
        nodes.update(_top(uses, MAX_NEIGHBOURS))
        nodes.update(_top(used_by, MAX_NEIGHBOURS // 2))
        graph = {}
        for node in nodes:
            graph[node] = {t: w for t, w in self._edges(node).items() if t in nodes}
        scores = pagerank(graph, {seed: 1.0 for seed in seeds})
        ranked = sorted(((p, s) for p, s in scores.items() if p not in seeds), key=_best)
        return [(Path(p), score) for p, score in ranked]

    def render(self, focus: list[Path], max_chars: int, per_file: int = 12) -> str:
        """The map for ``focus``: ranked files with their definitions, within
        ``max_chars``."""
        parts: list[str] = []
        used = 0
        for path, _score in self.rank(focus):
            shown = os.path.relpath(path, self.root)
            if used + len(shown) + 1 > max_chars:
                break  # not even the file's name would fit: parse nothing more
            definitions = self.outline(str(path))
            if not definitions:
                continue
            listed = definitions[:per_file]
            body = "\n".join(f"  {line + 1}: {text}" for _, line, text in listed)
            more = len(definitions) - per_file
            block = f"{shown}\n{body}" + (f"\n  … {more} more" if more > 0 else "")
            if used + len(block) + 1 > max_chars:
                break
            parts.append(block)
            used += len(block) + 1
        return "\n".join(parts)


def _top(scores: dict[str, float], count: int) -> list[str]:
    return [p for p, _ in sorted(scores.items(), key=_best)[:count]]


def _specificity(name: str) -> float:
    factor = 1.0
    if len(name) >= 8 and ("_" in name.strip("_") or name != name.lower()):
        factor *= 10
    if name.startswith("_"):
        factor *= 0.1
    return factor


def _best(item: tuple[str, float]) -> tuple[float, str]:
    return (-item[1], item[0])


def pagerank(graph: dict[K, dict[K, float]], personalization: dict[K, float]) -> dict[K, float]:
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
