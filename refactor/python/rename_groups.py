"""What a rename cannot be sure of: calls on objects of unknown type, and docs.

rope renames what it can resolve; for ``param.get_default()`` it cannot tell whether
``param`` is one of the renamed classes. Those unsure occurrences are sorted here:

- ``super().name`` inside a class whose base (in method resolution order) defines a
  renamed ``name``: sure, renamed with the rest (rope leaves them);
- the others: renamed too when no other class in the workspace (and no builtin type)
  defines that attribute name, else offered as a group the user confirms;
- doctest examples (``>>>`` and ``...`` lines in strings) are code: a renamed module
  level name in them is renamed, an attribute joins the unsure calls; any other
  mention in a comment or string is offered as a group to confirm.

Runs on the worker thread (it asks rope about classes).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from refactor.python.edits import EditGroup, WorkspaceEdit, position_at, syntax_problem
from refactor.text import Position, Range, TextEdit, line_starts, utf8_prefix

if TYPE_CHECKING:
    from refactor.python.workspace import Session

UNSURE = "Calls on objects of unknown type"
UNRESOLVED = "Names rope cannot resolve"
DYNAMIC = "Names a workspace module serves without defining them"
DOCS = "Mentions in comments and docstrings"
_BUILTIN_TYPES = (object, str, bytes, list, dict, set, frozenset, tuple, int, float, type)
_SUPER = re.compile(r"\bsuper\s*\([^()]*\)\s*\.\s*$")


@dataclass(frozen=True)
class Occurrence:
    path: str
    start: int  # code point offsets in the text rope saw
    end: int


@dataclass
class Renamed:
    """What was renamed: the names, whether it is an attribute, the sure edits."""

    old: str
    new: str
    attribute: bool  # a method or attribute (reached through objects)
    local: bool  # a function's local or parameter: docs only within ``span``
    span: tuple[str, int, int] | None = None  # (path, first line, last line), 1-based
    home: str | None = None  # the file that defines it
    definition: tuple[str, int] | None = None  # (path, 1-based line) of its definition


def add_groups(
    session: Session,
    edit: WorkspaceEdit,
    renamed: Renamed,
    unsure: list[Occurrence],
    paths: list[str],
) -> None:
    """Sort ``unsure`` and the doc mentions into ``edit`` (sure edits or groups);
    ``paths``: the files that mention the name (the only ones that can matter)."""
    texts: dict[str, str] = {}

    def text_of(path: str) -> str:
        if path not in texts:
            texts[path] = session.read(path)
        return texts[path]

    sure = {(path, e.range.start) for path, edits in edit.changes.items() for e in edits}
    calls: dict[str, list[TextEdit]] = {}
    unknown: dict[str, list[TextEdit]] = {}  # never included without confirmation
    dynamic: dict[str, list[TextEdit]] = {}  # ``pkg.name``: pkg ours, name not bound there
    for occurrence in unsure:
        text = text_of(occurrence.path)
        if text[occurrence.start : occurrence.end] != renamed.old:
            continue
        change = _edit(text, occurrence.start, occurrence.end, renamed.new)
        if _super_in_hierarchy(session, occurrence, text, sure):
            edit.changes.setdefault(occurrence.path, []).append(change)
        elif renamed.attribute and _on_an_object(text, occurrence.start):
            calls.setdefault(occurrence.path, []).append(change)
        elif _served_dynamically(session, text, occurrence):
            dynamic.setdefault(occurrence.path, []).append(change)
        else:  # an unresolved import or module attribute: maybe another module's name
            unknown.setdefault(occurrence.path, []).append(change)
    docs: dict[str, list[TextEdit]] = {}
    local = renamed.local and renamed.span is not None
    referring = {path for path, _ in sure}  # files where rope found the renamed symbol
    for path in [renamed.span[0]] if local and renamed.span else paths:
        text = text_of(path)
        # A doctest runs in its module's globals: the name there is the renamed one
        # only in its own module, or in one that refers to it and defines no other.
        ours = path == renamed.home or (path in referring and not _defines(text, renamed.old))
        for start, end, kind, sources in _doc_mentions(text, renamed, path):
            change = _edit(text, start, end, renamed.new)
            if (path, change.range.start) in sure:
                continue  # rope renamed it already (``__all__`` entries)
            # A doctest that imports the name itself: ours when that module's is ours.
            here = all(_imports_ours(session, renamed, m) for m in sources) if sources else ours
            if kind == "code" and here:
                edit.changes.setdefault(path, []).append(change)
            else:
                (calls if kind == "attribute" else docs).setdefault(path, []).append(change)
    for group in (edit.changes, calls, unknown, dynamic, docs):
        for edits in group.values():
            edits.sort(key=lambda e: (e.range.start, e.range.end))
    if calls:
        other = _other_definer(session, renamed.old, sure, text_of, paths)
        _add_calls(edit, renamed, calls, other)
    if dynamic:
        first_path, first = next(iter(dynamic.items()))
        where = f"{session.workspace.relative(first_path) or first_path}:"
        where += str(first[0].range.start.line + 1)
        edit.groups.append(
            EditGroup(
                DYNAMIC,
                f"`{renamed.old}` reached through a workspace module that does not define "
                "it (a module `__getattr__`, an import hook): maybe the renamed name, maybe "
                "another package's",
                dynamic,
                needed=f"`{renamed.old}` is also reached at {where} through a module that "
                "serves it without defining it (a dynamic re-export); whether that is the "
                "renamed name is for you to confirm, and this editor cannot show edits to "
                "confirm (change annotations)",
            )
        )
    if unknown:
        edit.groups.append(
            EditGroup(
                UNRESOLVED,
                f"`{renamed.old}` where rope cannot resolve what it refers to (an import "
                "it cannot find, or an object of unknown type)",
                unknown,
            )
        )
    if docs:
        edit.groups.append(
            EditGroup(
                DOCS,
                f"`{renamed.old}` as a word in comments and docstrings: maybe the renamed "
                "name, maybe something else",
                docs,
            )
        )


def _served_dynamically(session: Session, text: str, occurrence: Occurrence) -> bool:
    """Whether the occurrence is ``pkg.name`` or ``pkg.sub.name`` where the longest
    importable prefix is a workspace module that does not bind what follows it (toolz's
    ``tlz`` mirrors ``toolz`` through an import hook: ``tlz.curry``)."""
    from rope.base import exceptions

    match = re.search(r"((?:\w+\s*\.\s*)+)$", text[: occurrence.start])
    if match is None:
        return False
    parts = [p.strip() for p in match.group(1).split(".") if p.strip()]
    name = text[occurrence.start : occurrence.end]
    for end in range(len(parts), 0, -1):
        try:
            resource = session.project.find_module(".".join(parts[:end]))
        except (exceptions.RopeError, ValueError):
            return False
        if resource is None:
            continue
        if not session.workspace.contains(resource.real_path):
            return False
        try:
            module = session.project.get_pymodule(
                resource if not resource.is_folder() else resource.get_child("__init__.py")
            )
            attributes = module.get_attributes()
        except (exceptions.RopeError, SyntaxError):
            return False
        return ([*parts[end:], name])[0] not in attributes
    return False


def _imports_ours(session: Session, renamed: Renamed, module: str) -> bool:
    """Whether ``from module import <old>`` imports the renamed definition (rope
    follows the module's own imports and star imports)."""
    from rope.base import exceptions

    from refactor.python.rename import defining

    if renamed.definition is None:
        return False
    try:
        pyname = defining(session.project.get_module(module).get_attribute(renamed.old))
        where, line = pyname.get_definition_location()
    except (exceptions.RopeError, AttributeError, SyntaxError):
        return False
    resource = where.get_resource() if where is not None else None
    return resource is not None and (session.path_of(resource), line) == renamed.definition


def _defines(text: str, name: str) -> bool:
    """Whether a module defines ``name`` itself (def, class or assignment at its top)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return True  # cannot tell: not treated as the renamed name
    return any(
        (isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == name)
        or (isinstance(n, ast.Assign) and any(getattr(t, "id", None) == name for t in n.targets))
        for n in tree.body
    )


def _edit(text: str, start: int, end: int, new: str) -> TextEdit:
    return TextEdit(Range(position_at(text, start), position_at(text, end)), new)


def _add_calls(
    edit: WorkspaceEdit,
    renamed: Renamed,
    calls: dict[str, list[TextEdit]],
    other: str | None,
) -> None:
    """Calls on objects of unknown type: renamed when no other class defines the name
    (``other`` is None), else a group to confirm."""
    count = sum(len(edits) for edits in calls.values())
    if other is None:
        for path, edits in calls.items():
            edit.changes.setdefault(path, []).extend(edits)
            edit.changes[path].sort(key=lambda e: (e.range.start, e.range.end))
        edit.notes.append(
            f"renamed {count} use(s) of `.{renamed.old}` on objects of unknown type: no "
            "other class in the workspace defines it"
        )
        return
    edit.groups.append(
        EditGroup(
            UNSURE,
            f"`.{renamed.old}` on objects whose type is unknown; {other} also defines "
            f"`{renamed.old}`",
            calls,
        )
    )


def _on_an_object(text: str, start: int) -> bool:
    """Whether the name at ``start`` is an attribute of an object (``x.name``, not a
    module's: ``module.name`` with ``import module`` in the file)."""
    before = text[:start].rstrip()
    if not before.endswith("."):
        return False
    receiver = re.search(r"(\w+)\s*(?:\.\s*\w+\s*)*\.$", before)
    if receiver is None:
        return True  # a call's or subscript's result: an object
    root = receiver.group(1)
    imported = rf"^\s*(?:import\s+[\w.]*\b{root}\b|from\s+\S+\s+import\s+.*\b{root}\b)"
    return re.search(imported, text, re.MULTILINE) is None


def _super_in_hierarchy(
    session: Session, occurrence: Occurrence, text: str, sure: set[tuple[str, Position]]
) -> bool:
    """Whether the occurrence is ``super().name`` in a class whose nearest base that
    defines ``name`` has its definition renamed."""
    if not _SUPER.search(text[max(0, occurrence.start - 80) : occurrence.start]):
        return False
    pymodule = session.project.get_pymodule(session.resource(occurrence.path))
    scope = pymodule.get_scope().get_inner_scope_for_offset(occurrence.start)
    while scope is not None and scope.get_kind() != "Class":
        scope = scope.parent
    if scope is None:
        return False
    name = text[occurrence.start : occurrence.end]
    queue = list(scope.pyobject.get_superclasses())
    seen: set[int] = set()
    while queue:
        pyclass = queue.pop(0)
        if id(pyclass) in seen:
            continue
        seen.add(id(pyclass))
        attribute = pyclass.get_attributes().get(name)
        if attribute is not None:
            module, line = attribute.get_definition_location()
            resource = module.get_resource() if module is not None else None
            if resource is None or line is None:
                return False
            path = session.path_of(resource)
            return any(p == path and where.line == line - 1 for p, where in sure)
        queue.extend(pyclass.get_superclasses())
    return False


def _other_definer(
    session: Session, name: str, sure: set[tuple[str, Position]], text_of: Any, paths: list[str]
) -> str | None:
    """A class that defines ``name`` and was not renamed (``None`` when there is none):
    then an object of unknown type may be one of those."""
    if name.startswith("__") or any(hasattr(kind, name) for kind in _BUILTIN_TYPES):
        return f"the builtin types ({name!r} is a builtin method)"
    word = re.compile(rf"\b{re.escape(name)}\b")
    for path in paths:
        relative = session.workspace.relative(path) or path
        try:
            text = text_of(path)
        except (OSError, UnicodeDecodeError, ValueError):
            return f"{relative} (unreadable)"
        if name not in text or syntax_problem(text) is not None:
            continue
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for start in _definitions(node, name, text):
                match = word.search(text, start)
                if match and (path, position_at(text, match.start())) not in sure:
                    return f"class `{node.name}` ({relative})"
    return None


def _definitions(node: ast.ClassDef, name: str, text: str) -> list[int]:
    """Offsets from which ``name``'s definitions in the class body start."""
    lines = text.split("\n")
    starts = line_starts(text)

    def offset(item: ast.AST) -> int:
        row = getattr(item, "lineno", 1) - 1
        return starts[row] + len(utf8_prefix(lines[row], getattr(item, "col_offset", 0)))

    found = []
    for item in node.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if item.name == name:
                found.append(offset(item))
            for inner in ast.walk(item):
                if (
                    isinstance(inner, ast.Attribute)
                    and isinstance(inner.ctx, ast.Store)
                    and inner.attr == name
                    and isinstance(inner.value, ast.Name)
                    and inner.value.id == "self"
                ):
                    found.append(offset(inner))
        targets = item.targets if isinstance(item, ast.Assign) else []
        if isinstance(item, ast.AnnAssign):
            targets = [item.target]
        found += [offset(t) for t in targets if isinstance(t, ast.Name) and t.id == name]
    return found


Mention = tuple[int, int, str, frozenset[str]]


def _doc_mentions(text: str, renamed: Renamed, path: str) -> list[Mention]:
    """(start, end, kind, sources) of ``renamed.old`` in comments and docstrings: kind
    "code" (a doctest's use of the renamed module-level name), "attribute" (a doctest's
    ``x.name``) or "doc" (any other mention); sources: the modules the docstring's
    examples import the name from (``>>> from pkg import name``), if any."""
    word = re.compile(rf"(?<![\w]){re.escape(renamed.old)}(?!\w)")
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    lines = text.split("\n")
    strings = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    in_comment = any("#" in line and word.search(line) for line in lines)
    if not in_comment and not any(word.search(node.value.value) for node in strings):  # type: ignore[attr-defined]
        return []  # (tokenizing is the slow part of a first rename: only when needed)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return []
    docstrings = {(node.lineno, node.col_offset) for node in strings}
    starts = line_starts(text)
    found: list[Mention] = []
    for token in tokens:
        row, col = token.start
        if renamed.local and renamed.span and not renamed.span[1] <= row <= renamed.span[2]:
            continue
        if token.type not in (tokenize.COMMENT, tokenize.STRING):
            continue  # (the end marker of a file without a final newline is past its lines)
        base = starts[row - 1] + col
        if token.type == tokenize.COMMENT:
            found += [
                (base + m.start(), base + m.end(), "doc", frozenset())
                for m in word.finditer(token.string)
            ]
        elif (
            token.type == tokenize.STRING
            and (row, len(lines[row - 1][:col].encode())) in docstrings
        ):
            found += _string_mentions(token.string, base, word, renamed)
    return found


def _string_mentions(
    body: str, base: int, word: re.Pattern[str], renamed: Renamed
) -> list[Mention]:
    lines = body.split("\n")
    code_kinds: dict[tuple[int, int], str] = {}  # (line, column) -> kind
    sources: set[str] = set()
    for example in _examples(lines):
        kinds, imported = _doctest_names(example, renamed)
        code_kinds.update(kinds)
        sources |= imported
    found: list[Mention] = []
    offset = 0
    for number, line in enumerate(lines):
        for match in word.finditer(line):
            kind = code_kinds.get((number, match.start()), "doc")
            where = base + offset
            found.append((where + match.start(), where + match.end(), kind, frozenset(sources)))
        offset += len(line) + 1
    return found


def _examples(lines: list[str]) -> list[list[tuple[int, int, str]]]:
    """A docstring's doctest examples: each a ``>>>`` line and its ``...`` lines, as
    (line number, column where the code starts, code)."""
    examples: list[list[tuple[int, int, str]]] = []
    indent: int | None = None
    for number, line in enumerate(lines):
        stripped = line.lstrip()
        margin = len(line) - len(stripped)
        if stripped.startswith(">>> ") or stripped == ">>>":
            examples.append([(number, margin + 4, line[margin + 4 :])])
            indent = margin
        elif (
            indent == margin
            and examples
            and (stripped.startswith("... ") or stripped == "...")
            and examples[-1][-1][0] == number - 1
        ):
            examples[-1].append((number, margin + 4, line[margin + 4 :]))
        else:
            indent = None
    return examples


def _doctest_names(
    example: list[tuple[int, int, str]], renamed: Renamed
) -> tuple[dict[tuple[int, int], str], set[str]]:
    """The (line, column) of the example's names ``renamed.old`` with their kind, and
    the modules it imports that name from."""
    code = "\n".join(part for _, _, part in example) + "\n"
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return {}, set()
    kinds: dict[tuple[int, int], str] = {}
    previous = ""
    meaningful = [t for t in tokens if t.type not in (tokenize.NL, tokenize.COMMENT)]
    following = {id(a): b.string for a, b in pairwise(meaningful)}
    for token in tokens:
        keyword = previous in ("(", ",") and following.get(id(token)) == "="
        if token.type == tokenize.NAME and token.string == renamed.old and not keyword:
            # (``f(first=...)`` names a parameter of f, not the renamed name)
            number, shift, _ = example[token.start[0] - 1]
            where = (number, shift + token.start[1])
            attribute = previous == "."
            if attribute and renamed.attribute:
                kinds[where] = "attribute"
            elif not attribute and not renamed.attribute and not renamed.local:
                kinds[where] = "code"
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            previous = token.string
    imported: set[str] = set()
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return kinds, imported
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == renamed.old for a in node.names):
            # A relative import in a doctest resolves against nothing: not ours.
            imported.add(node.module if node.module and not node.level else "")
    return kinds, imported
