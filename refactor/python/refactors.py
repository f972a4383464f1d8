"""Computing refactorings with rope, on the workspace's worker thread.

A `Refactoring` is the plain, JSON-able description of one offered refactor (what the
code action listing produces and the client sends back on resolve or in a command).
`compute` runs it with rope and returns a checked `WorkspaceEdit`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from refactor.python.changes import to_workspace_edit
from refactor.python.edits import RefactorError, WorkspaceEdit, offset_at, syntax_problem
from refactor.text import Position, Range

if TYPE_CHECKING:
    from refactor.python.workspace import Session

EXTRACT = "refactor.extract"
INLINE = "refactor.inline"
REWRITE = "refactor.rewrite"
MOVE = "refactor.move"


@dataclass(frozen=True)
class Refactoring:
    """One refactor at a place: which (``refactor``), where, and its arguments."""

    refactor: str
    title: str
    kind: str
    path: str
    range: Range
    args: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        r = self.range
        return {
            "refactor": self.refactor,
            "title": self.title,
            "kind": self.kind,
            "path": self.path,
            "range": [r.start.line, r.start.character, r.end.line, r.end.character],
            "args": self.args,
        }

    @classmethod
    def from_json(cls, data: Any) -> Refactoring:
        try:
            a, b, c, d = (int(x) for x in data["range"])
            refactor = str(data["refactor"])
            if refactor not in COMPUTE:
                raise RefactorError(f"unknown refactoring {refactor!r}")
            return cls(
                refactor=refactor,
                title=str(data.get("title", refactor)),
                kind=str(data.get("kind", REWRITE)),
                path=str(data["path"]),
                range=Range(Position(a, b), Position(c, d)),
                args=dict(data.get("args") or {}),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise RefactorError(f"malformed refactoring data: {error}") from error


def compute(session: Session, refactoring: Refactoring) -> WorkspaceEdit:
    """The checked edit of ``refactoring`` (raises `RefactorError` with the reason)."""
    text = session.read(refactoring.path)
    problem = syntax_problem(text, refactoring.path)
    if problem is not None:
        raise RefactorError(f"the file does not parse ({problem}); fix it first")
    resource = session.resource(refactoring.path)
    start = offset_at(text, refactoring.range.start)
    end = offset_at(text, refactoring.range.end)
    handler = COMPUTE.get(refactoring.refactor)
    if handler is None:
        raise RefactorError(f"unknown refactoring {refactoring.refactor!r}")
    changes = handler(_Call(session, resource, text, start, end, refactoring.args))
    session.check()
    return to_workspace_edit(session, changes)


@dataclass
class _Call:
    session: Session
    resource: Any
    text: str
    start: int
    end: int
    args: dict[str, Any]

    @property
    def project(self) -> Any:
        return self.session.project

    @property
    def handle(self) -> Any:
        return self.session.task_handle

    def arg(self, name: str, default: Any = None) -> Any:
        return self.args.get(name, default)

    def name_arg(self, name: str, default: str) -> str:
        value = str(self.args.get(name) or default)
        if not value.isidentifier():
            raise RefactorError(f"{value!r} is not a valid Python name")
        return value


def _extract_method(call: _Call) -> Any:
    from rope.refactor.extract import ExtractMethod

    start, end = _trim(call.text, call.start, call.end)
    name, similar = call.name_arg("name", "extracted"), bool(call.arg("similar", False))
    _extract_in_scope(call, start, end, name, method=True)
    refactoring = ExtractMethod(call.project, call.resource, start, end)
    changes = refactoring.get_changes(name, similar=similar)
    _refuse_unbound_in_extracted(call, changes, name)
    return changes


def _refuse_unbound_in_extracted(call: _Call, changes: Any, name: str) -> None:
    """rope passes the new function the names its statements read, but not those only a
    nested function in them reads (cachetools' ``cached``: ``_wrapper``, a local import,
    read inside ``def decorator``: a NameError). Refuse when the new function reads a
    name that nothing binds there: not itself, not the module, not a builtin."""
    import ast
    import builtins

    from rope.base.change import ChangeContents

    from refactor.python.changes import flatten
    from refactor.python.scopes import bound_names

    new = next(
        (
            str(c.new_contents)
            for c in flatten(changes)
            if isinstance(c, ChangeContents) and c.resource == call.resource
        ),
        None,
    )
    try:
        before, after = ast.parse(call.text), ast.parse(new or "")
    except (SyntaxError, ValueError):
        return  # the parse check of `compute` reports it
    old_count = sum(
        1
        for n in ast.walk(before)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
    )
    functions = [
        n
        for n in ast.walk(after)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
    ]
    if len(functions) != old_count + 1:
        return
    if any(
        isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
        for n in ast.walk(after)
    ):
        return  # names from a star import cannot be told
    module_names = _module_binds(after) | {
        "__file__",
        "__doc__",
        "__spec__",
        "__loader__",
        "__package__",
        "__path__",
        "__builtins__",
        "__annotations__",
        "__dict__",
        "__name__",
        "__cached__",
    }
    for function in functions:
        bound = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
        bound |= {b for n in ast.walk(function) if n is not function for b in bound_names(n)}
        bound |= {a.arg for n in ast.walk(function) for a in _args_of(n)}
        reads = [
            n for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        ]
        missing = sorted(
            {
                n.id
                for n in reads
                if n.id not in bound and n.id not in module_names and not hasattr(builtins, n.id)
            }
        )
        if missing:
            raise RefactorError(
                f"the selection reads `{missing[0]}` inside a nested function or class, and "
                "the extracted function would not receive it (a NameError): extract the "
                "nested function too, or pass it by hand"
            )


def _module_binds(module: Any) -> set[str]:
    """The names a module binds in its own scope (not inside its functions or classes)."""
    import ast

    from refactor.python.scopes import SCOPES, bound_names

    names: set[str] = set()
    stack = list(module.body)
    while stack:
        node = stack.pop()
        names |= bound_names(node)
        if not isinstance(node, (*SCOPES, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return names


def _args_of(node: Any) -> list[Any]:
    import ast

    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        return [a for a in ast.walk(node.args) if isinstance(a, ast.arg)]
    return []


def _extract_variable(call: _Call) -> Any:
    from rope.base.change import ChangeContents, ChangeSet
    from rope.refactor.extract import ExtractVariable

    start, end = _trim(call.text, call.start, call.end)
    name, similar = call.name_arg("name", "extracted"), bool(call.arg("similar", False))
    new = _extract_in_scope(call, start, end, name, method=False)
    if new is not None:  # into the comprehension that binds its names
        changes = ChangeSet(f"Extract variable <{name}>")
        changes.add_change(ChangeContents(call.resource, new))
        return changes
    refactoring = ExtractVariable(call.project, call.resource, start, end)
    return refactoring.get_changes(name, similar=similar)


def _extract_in_scope(call: _Call, start: int, end: int, name: str, *, method: bool) -> str | None:
    """Inside a comprehension or lambda: our extraction, rope's (None), or a refusal."""
    from refactor.python.extract_scope import extract_in_scope

    similar = bool(call.arg("similar", False))
    return extract_in_scope(call.text, start, end, name=name, method=method, similar=similar)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The selection without surrounding blanks (rope trips on them, pylsp-rope #20)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise RefactorError("select the code to extract")
    return start, end


def _inline(call: _Call) -> Any:
    from refactor.python.inline import inline

    return inline(call.session, call.resource, call.text, call.start)


def _move(call: _Call) -> Any:
    from rope.refactor.move import create_move

    destination = str(call.arg("destination", ""))
    if not destination:
        raise RefactorError("moving needs a destination module")
    dest = _module_resource(call.session, destination)
    refactoring = create_move(call.project, call.resource, call.start)
    return call.session.over_python_files(
        lambda files: refactoring.get_changes(
            dest,
            resources=[*(f for f in files if f.path != dest.path), dest],
            task_handle=call.handle,
        )
    )


def _module_resource(session: Session, destination: str) -> Any:
    """The destination module as a rope file; a new module exists virtually (empty)."""
    if destination.endswith(".py") or os.sep in destination or "/" in destination:
        path = destination
        if not os.path.isabs(path):
            path = os.path.join(session.workspace.root, path)
    else:
        path = os.path.join(session.workspace.root, *destination.split(".")) + ".py"
    if session.workspace.relative(path) is None:
        raise RefactorError(f"{destination} is outside the workspace")
    if os.path.exists(path) or session.workspace.buffer(path) is not None:
        return session.resource(path)
    return _virtual_file(session, path)


def _virtual_file(session: Session, path: str) -> Any:
    """A rope file for a module that does not exist yet: rope sees it empty.

    rope stats and reads the file's real path, so that path is an empty scratch file
    outside the workspace; the edit still names the new module's own path.
    """
    from rope.base.resources import File

    scratch = os.path.join(tempfile.gettempdir(), "claude-lsp-new-module.py")
    with open(scratch, "w", encoding="utf-8"):
        pass

    class NewFile(File):  # type: ignore[misc]
        @property
        def real_path(self) -> str:
            return scratch

        def __fspath__(self) -> str:
            return scratch

    relative = session.workspace.relative(path)
    return NewFile(session.project, relative)


def _introduce_parameter(call: _Call) -> Any:
    from rope.refactor.introduce_parameter import IntroduceParameter

    refactoring = IntroduceParameter(call.project, call.resource, call.start)
    return refactoring.get_changes(call.name_arg("name", "parameter"))


def _change_signature(call: _Call) -> Any:
    from rope.refactor import change_signature as cs

    refactoring = cs.ChangeSignature(call.project, call.resource, call.start)
    params = [name for name, _ in refactoring.get_args()]
    operation = str(call.arg("operation", ""))
    changers: list[Any]
    if operation == "add":
        name = call.name_arg("name", "new_parameter")
        if name in params:
            raise RefactorError(f"the function already has a parameter {name!r}")
        index = int(call.arg("index", len(params)))
        default = call.arg("default", "None")
        value = call.arg("value")
        changers = [cs.ArgumentAdder(index, name, default, value)]
    elif operation == "remove":
        changers = [cs.ArgumentRemover(_param_index(params, call.arg("param")))]
    elif operation == "reorder":
        order = call.arg("order")
        if order is None:  # move one parameter by ``delta``
            index = _param_index(params, call.arg("param"))
            target = index + int(call.arg("delta", 0))
            if not 0 <= target < len(params) or target == index:
                raise RefactorError("the parameter cannot move there")
            order = list(range(len(params)))
            order[index], order[target] = order[target], order[index]
        elif isinstance(order, list) and order and isinstance(order[0], str):
            order = [_param_index(params, name) for name in order]
        if sorted(order) != list(range(len(params))):
            raise RefactorError("the new order must list every parameter once")
        changers = [cs.ArgumentReorderer(list(order))]
    else:
        raise RefactorError(f"unknown signature change {operation!r}")
    return call.session.over_python_files(
        lambda files: refactoring.get_changes(
            changers, in_hierarchy=True, resources=files, task_handle=call.handle
        )
    )


def _param_index(params: list[str], name: Any) -> int:
    if name not in params:
        raise RefactorError(f"no parameter {name!r} in {', '.join(params) or 'the signature'}")
    return params.index(name)


def _local_to_field(call: _Call) -> Any:
    from rope.refactor.localtofield import LocalToField

    return LocalToField(call.project, call.resource, call.start).get_changes()


def _method_object(call: _Call) -> Any:
    from rope.refactor.method_object import MethodObject

    refactoring = MethodObject(call.project, call.resource, call.start)
    return refactoring.get_changes(classname=call.name_arg("name", "MethodObject"))


def _use_function(call: _Call) -> Any:
    from rope.refactor.usefunction import UseFunction

    refactoring = UseFunction(call.project, call.resource, call.start)
    return call.session.over_python_files(
        lambda files: refactoring.get_changes(resources=files, task_handle=call.handle)
    )


def _introduce_factory(call: _Call) -> Any:
    from rope.refactor.introduce_factory import IntroduceFactory

    refactoring = IntroduceFactory(call.project, call.resource, call.start)
    return call.session.over_python_files(
        lambda files: refactoring.get_changes(
            call.name_arg("name", "create"),
            global_factory=bool(call.arg("global", False)),
            resources=files,
            task_handle=call.handle,
        )
    )


def _encapsulate_field(call: _Call) -> Any:
    from rope.refactor.encapsulate_field import EncapsulateField

    refactoring = EncapsulateField(call.project, call.resource, call.start)
    return call.session.over_python_files(
        lambda files: refactoring.get_changes(
            getter=call.arg("getter"),
            setter=call.arg("setter"),
            resources=files,
            task_handle=call.handle,
        )
    )


def _module_to_package(call: _Call) -> Any:
    from rope.refactor.topackage import ModuleToPackage

    if call.resource.name == "__init__.py":
        raise RefactorError("this module is already a package")
    return ModuleToPackage(call.project, call.resource).get_changes()


def _package_to_module(call: _Call) -> Any:
    """``pkg/__init__.py`` → ``pkg.py`` when the package holds nothing else."""
    from rope.base.change import ChangeSet, MoveResource

    resource = call.resource
    if resource.name != "__init__.py":
        raise RefactorError("only a package's __init__.py can become a module")
    folder = resource.parent
    others = [
        child.name
        for child in folder.get_children()
        if child.name not in ("__init__.py", "__pycache__")
    ]
    if others:
        raise RefactorError(f"the package also holds {', '.join(sorted(others))}")
    if "from ." in call.text:
        raise RefactorError("the package uses relative imports; make them absolute first")
    target = f"{folder.path}.py"
    if call.project.get_file(target).exists():
        raise RefactorError(f"{target} already exists")
    changes = ChangeSet(f"Convert package <{folder.path}> to a module")
    changes.add_change(MoveResource(resource, target, exact=True))
    return changes


COMPUTE: dict[str, Callable[[_Call], Any]] = {
    "extract_method": _extract_method,
    "extract_variable": _extract_variable,
    "inline": _inline,
    "move": _move,
    "introduce_parameter": _introduce_parameter,
    "change_signature": _change_signature,
    "local_to_field": _local_to_field,
    "method_object": _method_object,
    "use_function": _use_function,
    "introduce_factory": _introduce_factory,
    "encapsulate_field": _encapsulate_field,
    "module_to_package": _module_to_package,
    "package_to_module": _package_to_module,
}
