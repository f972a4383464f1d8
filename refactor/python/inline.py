"""Inline: variables are ours (`refactor.python.inline_variable`), functions are rope's
made safe (`refactor.python.inline_function` refuses, `refactor.python.inline_body`
builds the bodies), parameters are rope's. Runs on the workspace's worker thread."""

from __future__ import annotations

import ast
import os
import re
from typing import TYPE_CHECKING, Any

from refactor.python.edits import RefactorError, syntax_problem
from refactor.python.scopes import bound_names

if TYPE_CHECKING:
    from refactor.python.workspace import Session


def inline(session: Session, resource: Any, text: str, offset: int) -> Any:
    """rope's changes inlining what is at ``offset``: a variable (ours), a function
    (rope's, made safe) or a parameter (rope's)."""
    from rope.base import pyobjects
    from rope.refactor.inline import create_inline

    refactoring = create_inline(session.project, resource, offset)
    if refactoring.get_kind() == "variable":
        return _inline_variable(session, resource, text, offset)
    before: dict[str, str] = {}
    if refactoring.get_kind() == "method":
        before = _make_inline_function_safe(session, refactoring)
    changes = session.over_python_files(
        lambda files: refactoring.get_changes(resources=files, task_handle=session.task_handle)
    )
    if before and not isinstance(refactoring.pyfunction.parent, pyobjects.PyClass):
        home = refactoring.resource.real_path
        refuse_references_left(refactoring.name, home, before, changes)
    return changes


def refuse_references_left(name: str, home: str, before: dict[str, str], changes: Any) -> None:
    """rope deletes the inlined function even where it left a call to it (idna's
    ``_punycode``: both calls stayed, a NameError): refuse when a file that used the
    name (``before``: path → text) still reads it after the changes, unless the file
    binds that name itself (not by importing it from ``home``, the defining file)."""
    from rope.base.change import ChangeContents

    from refactor.python.changes import flatten

    after = {
        item.resource.real_path: str(item.new_contents)
        for item in flatten(changes)
        if isinstance(item, ChangeContents)
    }
    for path, old in before.items():
        new = after.get(path, old)
        try:
            tree = ast.parse(new)
        except (SyntaxError, ValueError):
            continue  # the parse check of the edit refuses it, with the line
        left = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
        ]
        if left and not any(_binds_other(n, name, home) for n in ast.walk(tree)):
            raise RefactorError(
                f"rope could not inline every use of `{name}` ({len(left)} left in "
                f"{os.path.basename(path)}) and would delete the function: inline those "
                "calls by hand first"
            )


def _inline_variable(session: Session, resource: Any, text: str, offset: int) -> Any:
    """Our own inline (rope's ignores precedence and evaluation order), after the
    safety rules of `refactor.python.inline_variable`."""
    from rope.base.change import ChangeContents, ChangeSet

    from refactor.python.inline_variable import inline_variable

    new, name, module_level = inline_variable(text, offset)
    if module_level:
        _refuse_outside_uses(session, resource, name)
    changes = ChangeSet(f"Inline variable <{name}>")
    changes.add_change(ChangeContents(resource, new))
    return changes


def _refuse_outside_uses(session: Session, own: Any, name: str) -> None:
    """A module-level variable another module may import is not inlined (its value
    would be computed there, at another time)."""
    module = os.path.splitext(own.name)[0]
    if module == "__init__":
        module = own.parent.name
    word = re.compile(rf"\b{re.escape(name)}\b")
    for resource in session.project.get_python_files():
        if resource == own:
            continue
        try:
            text = str(resource.read())
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if module in text and word.search(text):
            raise RefactorError(
                f"{resource.path} may import `{name}`: a module variable is only "
                "inlined when no other module uses it"
            )


def _binds_other(node: ast.AST, name: str, home: str) -> bool:
    """Whether ``node`` binds ``name`` to something else than the definition in
    ``home`` (an import from the module of that file binds that definition)."""
    if isinstance(node, ast.ImportFrom) and any((a.asname or a.name) == name for a in node.names):
        stem = os.path.splitext(os.path.basename(home))[0]
        module = os.path.basename(os.path.dirname(home)) if stem == "__init__" else stem
        return (node.module or "").rsplit(".", 1)[-1] != module
    return not isinstance(node, ast.alias) and name in bound_names(node)


def _make_inline_function_safe(session: Session, refactoring: Any) -> dict[str, str]:
    """Refuse what rope's inline method gets wrong; build the bodies our way. Returns
    the files that mention the name (real path → text)."""
    from refactor.python import inline_body, inline_function

    name = refactoring.name
    definition = refactoring.pyfunction
    text = str(definition.get_module().get_resource().read())
    function = inline_function.check_function(text, definition.get_ast().lineno, name)
    files = []
    mentions: dict[str, str] = {}
    for resource in session.project.get_python_files():
        try:
            content = str(resource.read())
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if name in content:
            files.append((resource.path, content))
            mentions[resource.real_path] = content
    inline_function.check_calls(function, files)
    _refuse_two_calls_per_statement(session, name)
    if function.is_method:
        _refuse_unsure_calls(session, refactoring, [path for path, _ in files])
    for attribute in ("normal_generator", "others_generator"):
        generator = getattr(refactoring, attribute)
        setattr(refactoring, attribute, inline_body.safe_generator(generator, function))
    return mentions


def _refuse_unsure_calls(session: Session, refactoring: Any, paths: list[str]) -> None:
    """rope inlines the calls it can resolve and deletes the method: a call on an
    object whose type it cannot tell (``param.method()``) would be left calling a
    method that no longer exists."""
    from rope.refactor import occurrences

    unsure: list[Any] = []

    def record(occurrence: Any) -> bool:
        unsure.append(occurrence)
        return False

    finder = occurrences.create_finder(
        session.project, refactoring.name, refactoring.pyname, unsure=record
    )
    for path in paths:
        for _ in finder.find_occurrences(resource=session.project.get_resource(path)):
            pass
        if unsure:
            occurrence = unsure[0]
            line = occurrence.resource.read().count("\n", 0, occurrence.offset) + 1
            raise RefactorError(
                f"{occurrence.resource.path}:{line} calls `{refactoring.name}` on an object "
                "of unknown type: inlining would leave that call to a method that no "
                "longer exists"
            )


def _refuse_two_calls_per_statement(session: Session, name: str) -> None:
    """rope inlines two calls in one statement into two statements (a rope bug)."""
    for resource in session.project.get_python_files():
        text = str(resource.read())
        if name not in text or syntax_problem(text) is not None:
            continue
        for statement in ast.walk(ast.parse(text)):
            if not isinstance(statement, ast.stmt) or hasattr(statement, "body"):
                continue
            calls = [
                node
                for node in ast.walk(statement)
                if isinstance(node, ast.Call)
                and (
                    (isinstance(node.func, ast.Name) and node.func.id == name)
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
                )
            ]
            if len(calls) > 1:
                raise RefactorError(
                    f"{resource.path}:{statement.lineno} calls {name} twice in one statement; "
                    "inlining would duplicate the statement (extract one call first)"
                )
