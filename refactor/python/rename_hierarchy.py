"""Renaming an attribute through its class hierarchy, properties included.

rope's in-hierarchy rename follows overrides that are plain methods, but a decorated
one (``@property``, a class attribute ``len = property(...)``) is an evaluated name to
rope, not a method, so it is left with the old name: boltons' ``SpooledIOBase.len``
is overridden by two ``@property`` definitions, and the rename broke ``len(f)``.

`hierarchy_members` finds every definition of the name in the classes that share a
root with the renamed one (as rope's ``InHierarchyFilter`` defines roots: the topmost
bases that define the name); `changes_over` renames the occurrences of all of them at
once, one change per file. Runs on the worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def hierarchy_members(project: Any, pyname: Any, name: str, resources: list[Any]) -> list[Any]:
    """The pynames of ``name``'s definitions in the renamed class's hierarchy (among
    ``resources``), when one of them is not a plain method rope follows; else ``[]``."""
    from rope.base import exceptions, pynames, pyobjects

    pyclass = _class_of(pyname)
    if pyclass is None:
        return []
    roots = _roots(pyclass, name)
    members: list[Any] = []
    for resource in resources:
        try:
            module = project.get_pymodule(resource)
        except (exceptions.RopeError, OSError, UnicodeDecodeError, SyntaxError):
            continue  # rope skips what it cannot read; so does this search
        for scope in _class_scopes(module.get_scope()):
            own = scope.get_defined_names().get(name)
            if own is not None and _roots(scope.pyobject, name) & roots:
                members.append(own)
    plain = all(
        isinstance(m, pynames.DefinedName) and isinstance(m.get_object(), pyobjects.PyFunction)
        for m in members
    )
    return [] if plain else members


def conflicting_class(project: Any, pyname: Any, new_name: str, resources: list[Any]) -> Any:
    """A class that already has ``new_name`` where the renamed attribute would meet it:
    its own class or a base (inherited attributes included: the renamed method would
    override it), or a subclass among ``resources`` that defines it (it would override
    the renamed method). ``None`` when there is none or ``pyname`` is not an attribute."""
    from rope.base import exceptions

    pyclass = _class_of(pyname)
    if pyclass is None:
        return None
    if new_name in pyclass:
        return _definer(pyclass, new_name)
    for resource in resources:
        try:
            module = project.get_pymodule(resource)
        except (exceptions.RopeError, OSError, UnicodeDecodeError, SyntaxError):
            continue
        for scope in _class_scopes(module.get_scope()):
            if new_name in scope.get_defined_names() and _inherits(scope.pyobject, pyclass):
                return scope.pyobject
    return None


def overridden_outside(pyname: Any, name: str, inside: Callable[[Any], bool]) -> str | None:
    """``Class.name`` when the attribute ``pyname`` overrides one defined outside the
    workspace (a builtin's, the standard library's, a dependency's), directly or
    through bases in the workspace: renamed, it would no longer override it
    (``JSONEncoder.default``, ``TestCase.setUp``). ``inside(resource)``: whether a
    file is the workspace's own code. ``None`` otherwise."""
    pyclass = _class_of(pyname)
    return None if pyclass is None else _outside_above(pyclass, name, inside, 0)


def _outside_above(
    pyclass: Any, name: str, inside: Callable[[str], bool], depth: int
) -> str | None:
    for base in pyclass.get_superclasses() if depth < 50 else []:
        if name not in base:
            continue
        definer = _definer(base, name)
        module = definer.get_module() if hasattr(definer, "get_module") else None
        resource = module.get_resource() if module is not None else None
        if resource is None or not inside(resource):
            return f"{definer.get_name()}.{name}"
        found = _outside_above(definer, name, inside, depth + 1)
        if found is not None:
            return found
    return None


def _definer(pyclass: Any, name: str, depth: int = 0) -> Any:
    """The class that defines ``name`` for ``pyclass``: itself or the nearest base."""
    scope = pyclass.get_scope() if hasattr(pyclass, "get_scope") else None
    if scope is not None and name in scope.get_defined_names():
        return pyclass
    for base in pyclass.get_superclasses() if depth < 50 else []:
        if name in base:
            return _definer(base, name, depth + 1)
    return pyclass


def _inherits(pyclass: Any, ancestor: Any, depth: int = 0) -> bool:
    if depth >= 50:  # a cycle of bases
        return False
    return any(
        base is ancestor or _inherits(base, ancestor, depth + 1)
        for base in pyclass.get_superclasses()
    )


def changes_over(
    project: Any,
    name: str,
    new_name: str,
    pynames_: list[Any],
    resources: list[Any],
    *,
    unsure: Callable[[Any], bool],
) -> Any:
    """A rope ``ChangeSet`` renaming the occurrences of every pyname in ``pynames_``."""
    from rope.base.change import ChangeContents, ChangeSet
    from rope.refactor import occurrences
    from rope.refactor.rename import rename_in_module

    finders = [
        occurrences.create_finder(project, name, p, unsure=unsure, docs=False) for p in pynames_
    ]
    union = _Union(finders)
    changes = ChangeSet(f"Renaming <{name}> to <{new_name}> through its class hierarchy")
    for resource in resources:
        new = rename_in_module(union, new_name, resource=resource)
        if new is not None:
            changes.add_change(ChangeContents(resource, new))
    return changes


class _Union:
    """An occurrence finder over several: each occurrence once."""

    def __init__(self, finders: list[Any]) -> None:
        self.finders = finders

    def find_occurrences(self, resource: Any = None, pymodule: Any = None) -> Iterator[Any]:
        seen: set[tuple[int, int]] = set()
        for finder in self.finders:
            for occurrence in finder.find_occurrences(resource, pymodule):
                span = occurrence.get_word_range()
                if span not in seen:
                    seen.add(span)
                    yield occurrence


def _class_of(pyname: Any) -> Any:
    """The class whose body defines ``pyname`` (a method, property or attribute)."""
    module, line = pyname.get_definition_location()
    if module is None or line is None:
        return None
    scope = module.get_scope().get_inner_scope_for_line(line)
    if scope.get_kind() in ("Function", "Class") and scope.get_start() == line:
        scope = scope.parent  # a def or class statement: the scope that holds it
    if scope is None or scope.get_kind() != "Class":
        return None  # a module-level name, or a function's local
    return scope.pyobject


def _roots(pyclass: Any, name: str, depth: int = 0) -> set[Any]:
    """The topmost classes above ``pyclass`` (itself included) that define ``name``."""
    found: set[Any] = set()
    if depth < 50:
        for base in pyclass.get_superclasses():
            if name in base:
                found |= _roots(base, name, depth + 1)
    return found or {pyclass}


def _class_scopes(scope: Any) -> Iterator[Any]:
    for inner in scope.get_scopes():
        if inner.get_kind() == "Class":
            yield inner
        yield from _class_scopes(inner)
