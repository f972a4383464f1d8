"""Rename with rope: cross-file, keyword arguments at call sites, modules → files.

`prepare_rename` is cheap (tokens only, no rope) and runs anywhere; `rename` runs on
the worker thread and refuses builtins, keywords, names outside the workspace and
names that already exist in the renamed symbol's scope.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import re
import tokenize
from typing import TYPE_CHECKING, Any

from refactor.python.changes import flatten, to_workspace_edit
from refactor.python.edits import (
    RefactorError,
    WorkspaceEdit,
    normalize_newlines,
    offset_at,
    position_at,
    syntax_problem,
)
from refactor.python.rename_groups import Occurrence, Renamed, add_groups
from refactor.python.rename_hierarchy import (
    changes_over,
    conflicting_class,
    hierarchy_members,
    overridden_outside,
)
from refactor.text import Position, Range, TextEdit, utf8_prefix

if TYPE_CHECKING:
    from refactor.python.workspace import Session


def identifier_at(text: str, position: Position) -> tuple[Range, str] | None:
    """The name token touching ``position`` (its range and text), if any."""
    text = normalize_newlines(text)
    lines = text.split("\n")  # not splitlines: LSP lines do not end at \f or U+2028
    if position.line >= len(lines):
        return None
    line = lines[position.line]
    col = min(position.character, len(line))
    start = col
    while start > 0 and (line[start - 1].isalnum() or line[start - 1] == "_"):
        start -= 1
    end = col
    while end < len(line) and (line[end].isalnum() or line[end] == "_"):
        end += 1
    name = line[start:end]
    if not name.isidentifier():
        return None
    return Range(Position(position.line, start), Position(position.line, end)), name


def prepare_rename(text: str, position: Position) -> tuple[Range, str]:
    """The range and name to rename at ``position``, or `RefactorError` saying why not."""
    found = identifier_at(text, position)
    if found is None:
        raise RefactorError("there is no name to rename here")
    name_range, name = found
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise RefactorError(f"{name!r} is a keyword")
    if _in_string_or_comment(text, name_range.start):
        raise RefactorError("there is no name to rename here (string or comment)")
    if hasattr(builtins, name) and not _defined_in(text, name):
        raise RefactorError(f"{name!r} is a builtin; it cannot be renamed")
    return name_range, name


def _in_string_or_comment(text: str, position: Position) -> bool:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(normalize_newlines(text)).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    where = (position.line + 1, position.character)
    for token in tokens:
        if token.start <= where < token.end:
            return token.type in (tokenize.STRING, tokenize.COMMENT) or (
                token.type == getattr(tokenize, "FSTRING_MIDDLE", -1)
            )
    return False


def _defined_in(text: str, name: str) -> bool:
    """Whether the file binds ``name`` itself (so it shadows the builtin)."""
    try:
        tree = ast.parse(normalize_newlines(text))
    except (SyntaxError, ValueError):
        return False
    return any(_binds(node, name) for node in ast.walk(tree))


def _binds(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Name):
        return isinstance(node.ctx, ast.Store) and node.id == name
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name == name
    if isinstance(node, ast.arg):
        return node.arg == name
    if isinstance(node, ast.alias):
        return (node.asname or node.name).split(".")[0] == name
    return False


def rename(session: Session, path: str, position: Position, new_name: str) -> WorkspaceEdit:
    """Rename the symbol at ``position`` everywhere in the workspace (worker thread)."""
    from rope.refactor.rename import Rename

    if not new_name.isidentifier() or keyword.iskeyword(new_name):
        raise RefactorError(f"{new_name!r} is not a valid Python name")
    text = session.read(path)
    problem = syntax_problem(text, path)
    if problem is not None:
        raise RefactorError(f"the file does not parse ({problem}); fix it first")
    _, old_name = prepare_rename(text, position)
    if old_name == new_name:
        raise RefactorError(f"the name is already {new_name!r}")
    resource = session.resource(path)
    offset = offset_at(text, position)
    refactoring = Rename(session.project, resource, offset)
    is_module = _is_module(refactoring)
    if is_module:
        _check_module(session, refactoring)
    elif not refactoring.is_method():
        _check_definition(session, refactoring, new_name)
    unsure: list[Occurrence] = []

    def record(occurrence: Any) -> bool:
        """rope cannot tell whether this is the renamed symbol: decided later."""
        start, end = occurrence.get_word_range()
        unsure.append(Occurrence(session.path_of(occurrence.resource), start, end))
        return False

    searched: list[Any] = []

    def search(resources: list[Any]) -> list[Any]:
        # A module's own file need not mention its name: rope must see them all.
        searched[:] = resources if is_module else _mentioning(resources, old_name)
        return searched

    def compute(resources: list[Any]) -> Any:
        found = search(resources)
        if not is_module:
            pyname = defining(refactoring.old_pyname)
            _check_members(session, pyname, old_name, new_name, resources)
            members = hierarchy_members(session.project, pyname, old_name, found)
            if members:  # an override rope's in-hierarchy rename does not follow
                names = [refactoring.old_pyname, *members]
                return changes_over(
                    session.project, old_name, new_name, names, found, unsure=record
                )
        return refactoring.get_changes(
            new_name,
            in_hierarchy=True,
            docs=False,
            unsure=None if is_module else record,
            resources=found,
            task_handle=session.task_handle,
        )

    changes = session.over_python_files(compute)
    unsure[:] = list(dict.fromkeys(unsure))  # several finders may report one occurrence
    session.check()
    if not refactoring.is_method():
        _rename_in_dunder_all(changes, old_name, new_name)
    edit = to_workspace_edit(session, changes, compiles=False)
    if is_module:
        module = refactoring.old_pyname.get_object().get_resource()
        rename_module_strings(session, edit, module, new_name)
    else:
        renamed = _renamed(session, refactoring, offset, new_name)
        add_groups(session, edit, renamed, unsure, [session.path_of(r) for r in searched])
    return edit


def rename_module_strings(session: Session, edit: WorkspaceEdit, module: Any, new: str) -> None:
    """Strings that name the renamed module by its dotted path are references too:
    ``importlib.import_module("pkg.mod")``, ``mock.patch("pkg.mod.f")``, lazy-import
    tables (humanize's tests imported ``"humanize.i18n"`` by name). A string literal
    whose value is the module's dotted path, or starts with it and a dot, is renamed
    with the module (docstrings and f-strings are left alone)."""
    from rope.base import libutils

    dotted = libutils.modname(module)
    if "." not in dotted:
        return  # a top-level name alone ("json") is too likely to mean something else
    renamed = dotted.rsplit(".", 1)[0] + "." + new
    # (rope keeps its files in a set: sorted, so the edits come in the same order every run)
    for resource in sorted(session.project.get_python_files(), key=lambda r: str(r.path)):
        path = session.path_of(resource)
        try:
            text = session.read(path)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if dotted not in text:
            continue
        found = module_string_offsets(text, dotted)
        if found:
            edits = edit.changes.setdefault(path, [])
            edits += [
                TextEdit(Range(position_at(text, o), position_at(text, o + len(dotted))), renamed)
                for o in found
            ]
            edits.sort(key=lambda e: (e.range.start, e.range.end))


def module_string_offsets(text: str, dotted: str) -> list[int]:
    """Offsets of ``dotted`` at the start of string literals (not docstrings, not
    f-strings or bytes) whose value is ``dotted`` or ``dotted.<more>``."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        tree = ast.parse(text)
    except (tokenize.TokenError, SyntaxError, ValueError):
        return []
    docstrings = {
        (node.value.lineno, node.value.col_offset)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found = []
    for token in tokens:
        if token.type != tokenize.STRING:
            continue
        row, col = token.start
        if (row, len(lines[row - 1][:col].encode())) in docstrings:
            continue
        prefix = re.match(r"[rRuU]*", token.string)
        assert prefix is not None
        body = token.string[prefix.end() :]
        quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
        if quote not in ('"', "'", '"""', "'''"):
            continue  # bytes, f-strings
        inner = body[len(quote) : len(body) - len(quote)]
        if inner == dotted or inner.startswith((dotted + ".", dotted + ":")):  # pkg.mod:app
            found.append(starts[row - 1] + col + prefix.end() + len(quote))
    return found


def _renamed(session: Session, refactoring: Any, offset: int, new_name: str) -> Renamed:
    """What kind of name is renamed: an attribute (reached through objects), a local."""
    from rope.base import pynames
    from rope.refactor.rename import _is_local

    pyname = defining(refactoring.old_pyname)
    text = str(refactoring.resource.read())
    start = offset
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    attribute = refactoring.is_method() or text[:start].rstrip().endswith(".")
    local = False
    span = home = None
    module, line = pyname.get_definition_location()
    if module is not None and line is not None:
        scope = module.get_scope().get_inner_scope_for_line(line)
        if isinstance(pyname, pynames.DefinedName) and scope.parent is not None:
            scope = scope.parent
        attribute = attribute or scope.get_kind() == "Class"
        # rope's _is_local: assigned names only; a def or class nested in a function
        # (``scope`` is the one around it) is that function's local too
        local = (
            _is_local(pyname)
            or isinstance(pyname, pynames.ParameterName)
            or (isinstance(pyname, pynames.DefinedName) and scope.get_kind() == "Function")
        )
        resource = module.get_resource()
        home = session.path_of(resource) if resource is not None else None
        if local and home is not None:
            span = (home, scope.get_start(), scope.get_end())
    definition = (home, line) if home is not None and line is not None else None
    return Renamed(refactoring.old_name, new_name, attribute, local, span, home, definition)


def defining(pyname: Any) -> Any:
    """The name where it is defined: ``from pkg import name`` followed (rope's imported
    name says where the definition is, but not what kind of scope holds it)."""
    from rope.base import pynames

    for _ in range(50):  # re-exports of re-exports; a cycle ends here
        if not isinstance(pyname, pynames.ImportedName):
            break
        pyname = pyname._get_imported_pyname()
    return pyname


def _rename_in_dunder_all(changes: Any, old_name: str, new_name: str) -> None:
    """rope (``docs=False``) leaves strings alone, but ``__all__ = ["old"]`` must follow
    the rename or ``from module import *`` breaks: rewrite those entries in every file
    the rename changes."""
    from rope.base.change import ChangeContents

    for item in flatten(changes):
        if isinstance(item, ChangeContents):
            item.new_contents = rename_in_dunder_all(item.new_contents, old_name, new_name)


def rename_in_dunder_all(text: str, old_name: str, new_name: str) -> str:
    """``text`` with the string entries equal to ``old_name`` in its module-level
    ``__all__`` (assignments, ``+=``, ``.append``/``.extend``) renamed."""
    if "__all__" not in text or old_name not in text:
        return text
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return text
    targets: list[ast.Constant] = []
    for node in tree.body:
        value = _dunder_all_value(node)
        if value is not None:
            targets += [
                c for c in ast.walk(value) if isinstance(c, ast.Constant) and c.value == old_name
            ]
    if not targets:
        return text
    # Lines as ``ast`` counts them (not str.splitlines, which also breaks at \f and co.).
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    # From the last to the first: what is left of a replacement keeps its offsets.
    for const in sorted(targets, key=lambda c: (c.lineno, c.col_offset), reverse=True):
        if const.end_lineno != const.lineno or const.end_col_offset is None:
            continue  # an implicitly concatenated or multi-line string: leave it
        line = lines[const.lineno - 1]
        begin = len(utf8_prefix(line, const.col_offset))
        end = len(utf8_prefix(line, const.end_col_offset))
        literal = line[begin:end]
        quote = literal.lstrip("rRuUbBfF")[:1]
        renamed = literal.replace(f"{quote}{old_name}{quote}", f"{quote}{new_name}{quote}")
        offset = starts[const.lineno - 1]
        text = text[: offset + begin] + renamed + text[offset + end :]
    return text


def _dunder_all_value(node: ast.stmt) -> ast.expr | None:
    """What a module-level statement adds to ``__all__``, if it touches it."""
    if isinstance(node, ast.Assign):
        return node.value if any(_is_all(t) for t in node.targets) else None
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return node.value if _is_all(node.target) else None
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Attribute) and _is_all(func.value):
            return node.value if func.attr in ("append", "extend") else None
    return None


def _is_all(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__all__"


def rename_module(session: Session, path: str, new_name: str) -> WorkspaceEdit:
    """Rename the module or package at ``path`` (its file or folder) and its imports."""
    from rope.refactor.rename import Rename

    if not new_name.isidentifier() or keyword.iskeyword(new_name):
        raise RefactorError(f"{new_name!r} is not a valid module name")
    resource = session.resource(path)  # an __init__.py: rope renames its package
    refactoring = Rename(session.project, resource)
    changes = session.over_python_files(
        lambda resources: refactoring.get_changes(
            new_name, resources=resources, task_handle=session.task_handle
        )
    )
    edit = to_workspace_edit(session, changes, compiles=False)
    rename_module_strings(session, edit, resource, new_name)
    return edit


def _mentioning(resources: list[Any], name: str) -> list[Any]:
    """The files whose text contains ``name`` (buffers included): a rename can only
    change those, and rope then parses and analyses a handful of modules instead of the
    whole workspace (6,000 files: seconds -> a fraction of one)."""
    found = []
    for resource in resources:
        try:
            if name in resource.read():
                found.append(resource)
        except (OSError, UnicodeDecodeError, ValueError):
            found.append(resource)  # let rope decide (and report) what it cannot read
    return found


def _is_module(refactoring: Any) -> bool:
    from rope.base import pyobjects

    return isinstance(refactoring.old_pyname.get_object(), pyobjects.AbstractModule)


def _check_module(session: Session, refactoring: Any) -> None:
    """Refuse renaming a module that is not the workspace's (``import operator`` is the
    standard library's even when a ``curried/operator.py`` exists): rope would rewrite
    every import of it and rename no file."""
    resource = refactoring.old_pyname.get_object().get_resource()
    if resource is None or not _ours(session, resource):
        raise RefactorError(f"{refactoring.old_name!r} is a module outside the workspace")


def _check_members(
    session: Session, pyname: Any, old_name: str, new_name: str, resources: list[Any]
) -> None:
    """Refuse an attribute name its class hierarchy already has: ``A.a`` renamed to
    ``b`` when ``A`` (or a base) has ``b`` would be shadowed by it or override it, and
    a subclass's own ``b`` would override the renamed method — either way other code
    runs. Subclasses that define ``b`` are among the files with a definition of it."""
    outside = overridden_outside(pyname, old_name, lambda r: _ours(session, r))
    if outside is not None:
        raise RefactorError(
            f"{old_name!r} overrides {outside}, defined outside the workspace: renamed, it "
            "would no longer override it"
        )
    defines = re.compile(rf"\bdef\s+{new_name}\b|^\s*{new_name}\s*(?::|=(?!=))", re.M)
    candidates = []
    for resource in resources:
        try:
            if defines.search(resource.read()):
                candidates.append(resource)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
    found = conflicting_class(session.project, pyname, new_name, candidates)
    if found is not None:
        raise RefactorError(
            f"{new_name!r} already exists in class {found.get_name()!r}, in the hierarchy "
            f"of {old_name!r}; pick another name"
        )


def _ours(session: Session, resource: Any) -> bool:
    """Whether a file is the workspace's own code: inside it and not in a folder rope
    ignores (``.venv``, ``build`` …: a dependency's copy)."""
    return session.workspace.contains(resource.real_path) and not session.project.is_ignored(
        resource
    )


def _check_definition(session: Session, refactoring: Any, new_name: str) -> None:
    """Refuse builtins, outside definitions and names already bound where it lives."""
    pyname = defining(refactoring.old_pyname)
    module, line = pyname.get_definition_location()
    if module is None or module.get_resource() is None:
        # No file rope can show: a builtin, the standard library (``from os.path import
        # join``) or a module rope cannot find.
        if hasattr(builtins, refactoring.old_name):
            raise RefactorError(f"{refactoring.old_name!r} is a builtin; it cannot be renamed")
        raise RefactorError(f"{refactoring.old_name!r} is not defined in the workspace")
    resource = module.get_resource()
    if not _ours(session, resource):
        raise RefactorError(f"{refactoring.old_name!r} is defined outside the workspace")
    if line is None:
        return
    from rope.base import pynames

    scope = module.get_scope().get_inner_scope_for_line(line)
    # A def or class name lives in the scope around the one its line opens.
    if isinstance(pyname, pynames.DefinedName) and scope.parent is not None:
        scope = scope.parent
    if new_name in scope.get_names():
        if hasattr(builtins, new_name) and not _defined_in(str(resource.read()), new_name):
            raise RefactorError(f"{new_name!r} would shadow the builtin; pick another name")
        raise RefactorError(
            f"{new_name!r} already exists in the scope of {refactoring.old_name!r}; "
            "pick another name"
        )
