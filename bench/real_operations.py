"""The operations `bench.real_packages` runs on a real package: how their targets are
chosen (by ``ast``, deterministically, on the unpacked sdist) and how they are sent to
claude-lsp (`Editor`, `rename`, `action`, `source_action`).

Each operation is what an editor user does: a ``textDocument/rename`` at a name, a code
action listed at a selection or cursor and then resolved, or a source action
(``source.fixAll``, ``source.organizeImports``) on every file. Targets:

- rename function / class: the module-level one used in the most other files (the
  class rename starts from a use in the tests when there is one: renames from the tests
  side must work);
- rename method with overrides: a method of a class that a subclass overrides, renamed
  at the base class;
- rename module: the module imported by the most files, renamed at an import;
- extract method / variable, inline variable / function: the first candidates in file
  order that the server offers (up to `TRIES`; a refusal moves on to the next one, so
  the operation is *refused* only when every candidate is).
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.lsp import EDITOR_CAPABILITIES, LspProcess, apply_workspace_edit
from bench.servers import claude_server

Message = dict[str, Any]
TRIES = 5
TEST_PARTS = frozenset({"tests", "test", "testing"})


@dataclass
class Target:
    """Where an operation acts: a file, a position or range, and what to expect."""

    path: Path
    start: tuple[int, int]  # 0-based line, UTF-8 column (ast's), converted when sent
    end: tuple[int, int] | None = None
    name: str = ""  # the name acted on
    title: str = ""  # the code action title to pick (prefix)
    label: str = ""  # for the report


def is_test(root: Path, path: Path) -> bool:
    return bool(TEST_PARTS & set(path.relative_to(root).parts[:-1])) or path.name.startswith(
        ("test_", "conftest")
    )


def parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None


def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b")


def _files_using(files: list[Path], name: str, besides: Path) -> int:
    pattern = _word(name)
    return sum(1 for f in files if f != besides and pattern.search(f.read_text(encoding="utf-8")))


def _name_column(path: Path, line: int, name: str, after: int = 0) -> int | None:
    """The UTF-8 column of ``name`` as a whole word on 1-based ``line``, from ``after``."""
    text = path.read_text(encoding="utf-8").splitlines()[line - 1].encode("utf-8")
    match = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b").search(text, after)
    return match.start() if match else None


def _definitions(code: list[Path], kinds: tuple[type, ...]) -> Iterator[tuple[Path, Any]]:
    for path in code:
        tree = parse(path)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, kinds) and not node.name.startswith("__"):
                yield path, node


def _best_used(code: list[Path], every: list[Path], kinds: tuple[type, ...]) -> Any:
    best, score = None, 0
    for path, node in _definitions(code, kinds):
        used = _files_using(every, node.name, path)
        if used > score:
            best, score = (path, node), used
    return best


def rename_function(root: Path, code: list[Path], every: list[Path]) -> Target | None:
    found = _best_used(code, every, (ast.FunctionDef, ast.AsyncFunctionDef))
    if found is None:
        return None
    path, node = found
    column = _name_column(path, node.lineno, node.name, node.col_offset)
    assert column is not None
    return Target(path, (node.lineno - 1, column), name=node.name, label=f"{node.name}()")


def rename_class(root: Path, code: list[Path], every: list[Path]) -> Target | None:
    found = _best_used(code, every, (ast.ClassDef,))
    if found is None:
        return None
    path, node = found
    for test in (f for f in every if is_test(root, f)):
        use = _import_of(test, node.name)
        if use is not None:
            return Target(
                test,
                use,
                name=node.name,
                label=f"{node.name} (from {test.relative_to(root)})",
            )
    column = _name_column(path, node.lineno, node.name, node.col_offset)
    assert column is not None
    return Target(path, (node.lineno - 1, column), name=node.name, label=node.name)


def _import_of(path: Path, name: str) -> tuple[int, int] | None:
    """Where ``path`` imports ``name`` (``from pkg import name``), or uses it as an
    attribute of an imported module (``pkg.name``): (0-based line, UTF-8 column)."""
    tree = parse(path)
    if tree is None:
        return None
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == name for a in node.names):
            column = _name_column(path, node.lineno, name, node.col_offset + 5)
            if column is not None:
                return node.lineno - 1, column
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == name
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            column = (node.end_col_offset or 0) - len(name.encode())
            return node.lineno - 1, column
    return None


def rename_method(root: Path, code: list[Path], every: list[Path]) -> Target | None:
    classes: dict[str, tuple[Path, ast.ClassDef]] = {}
    for path, node in _definitions(code, (ast.ClassDef,)):
        classes.setdefault(node.name, (path, node))
    best, score = None, 0
    for _, child in classes.values():
        for base in child.bases:
            base_name = base.id if isinstance(base, ast.Name) else None
            if base_name not in classes:
                continue
            base_path, parent = classes[base_name]
            own = {n.name: n for n in parent.body if isinstance(n, ast.FunctionDef)}
            for method in child.body:
                if not isinstance(method, ast.FunctionDef) or method.name.startswith("__"):
                    continue
                if method.name in own:
                    used = _files_using(every, method.name, Path())
                    if used > score:
                        best, score = (base_path, parent.name, own[method.name]), used
    if best is None:
        return None
    path, parent_name, method = best
    column = _name_column(path, method.lineno, method.name, method.col_offset)
    assert column is not None
    return Target(
        path,
        (method.lineno - 1, column),
        name=method.name,
        label=f"{parent_name}.{method.name} (overridden)",
    )


def _dotted(source_root: Path, path: Path) -> str:
    parts = list(path.relative_to(source_root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(source_root: Path, path: Path, node: ast.ImportFrom | ast.Import) -> set[str]:
    """The modules an import statement may import (``from a import b``: a and a.b)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    base = node.module or ""
    if node.level:
        try:
            package = _dotted(source_root, path).split(".")
        except ValueError:
            return set()
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    return {base, *(f"{base}.{a.name}" for a in node.names)}


def rename_module(root: Path, code: list[Path], every: list[Path]) -> Target | None:
    """The workspace module imported by the most files, renamed at its first import."""
    source_root = root / code_root_of(root, code)
    modules = {
        _dotted(source_root, p): p
        for p in code
        if p.name != "__init__.py" and p.stem.isidentifier()
    }
    importers: dict[str, list[tuple[Path, ast.stmt]]] = {}
    for path in every:
        tree = parse(path)
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Import | ast.ImportFrom):
                for dotted in _imported(source_root, path, node) & modules.keys():
                    seen = importers.setdefault(dotted, [])
                    if path not in [p for p, _ in seen] and path != modules[dotted]:
                        seen.append((path, node))
    if not importers:
        return None
    dotted = max(sorted(importers), key=lambda d: len(importers[d]))
    path, node = importers[dotted][0]
    stem = dotted.rsplit(".", 1)[-1]
    column = _name_column(path, node.lineno, stem, node.col_offset)
    if column is None:
        return None
    where = path.relative_to(root)
    return Target(path, (node.lineno - 1, column), name=stem, label=f"{dotted} (at {where})")


def code_root_of(root: Path, code: list[Path]) -> Path:
    """The folder the package is imported from (``src`` or the root), relative."""
    package = min(code, key=lambda p: len(p.parts)).parent
    while (package.parent / "__init__.py").exists():
        package = package.parent
    return package.parent.relative_to(root)


def _functions(code: list[Path]) -> Iterator[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for path in code:
        tree = parse(path)
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield path, node


def extract_method(root: Path, code: list[Path], every: list[Path]) -> Iterator[Target]:
    for path, function in _functions(code):
        body = [s for s in function.body if not _is_docstring(s)]
        if len(body) >= 4:
            first, last = body[1], body[2]
            yield Target(
                path,
                (first.lineno - 1, first.col_offset),
                ((last.end_lineno or last.lineno) - 1, last.end_col_offset or 0),
                title="Extract method",
                label=f"{function.name}: 2 statements",
            )


def extract_variable(root: Path, code: list[Path], every: list[Path]) -> Iterator[Target]:
    for path, function in _functions(code):
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and node.lineno == node.end_lineno:
                for argument in node.args:
                    if isinstance(argument, ast.Call | ast.BinOp) and (
                        argument.lineno == argument.end_lineno
                    ):
                        yield Target(
                            path,
                            (argument.lineno - 1, argument.col_offset),
                            (argument.lineno - 1, argument.end_col_offset or 0),
                            title="Extract variable",
                            label=f"{function.name}: {ast.unparse(argument)[:40]}",
                        )


def inline_variable(root: Path, code: list[Path], every: list[Path]) -> Iterator[Target]:
    for path, function in _functions(code):
        stores: dict[str, list[ast.Name]] = {}
        loads: dict[str, int] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Store):
                    stores.setdefault(node.id, []).append(node)
                else:
                    loads[node.id] = loads.get(node.id, 0) + 1
        for statement in ast.walk(function):
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
            ):
                target = statement.targets[0]
                if len(stores.get(target.id, [])) == 1 and loads.get(target.id):
                    yield Target(
                        path,
                        (target.lineno - 1, target.col_offset),
                        name=target.id,
                        title="Inline variable",
                        label=f"{function.name}: {target.id}",
                    )


def inline_function(root: Path, code: list[Path], every: list[Path]) -> Iterator[Target]:
    for path, node in _definitions(code, (ast.FunctionDef,)):
        body = [s for s in node.body if not _is_docstring(s)]
        simple = len(body) == 1 and isinstance(body[0], ast.Return) and not node.decorator_list
        if simple and _files_using(every, node.name, Path()) >= 1:
            column = _name_column(path, node.lineno, node.name, node.col_offset)
            if column is not None:
                yield Target(
                    path,
                    (node.lineno - 1, column),
                    name=node.name,
                    title="Inline function",
                    label=f"{node.name}()",
                )


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


# -- through the LSP -----------------------------------------------------------------------


def utf16_position(path: Path, line: int, utf8_column: int) -> Message:
    """An LSP position (UTF-16) from a 0-based line and a UTF-8 column."""
    text = path.read_text(encoding="utf-8").splitlines()[line]
    prefix = text.encode("utf-8")[:utf8_column].decode("utf-8", errors="replace")
    return {"line": line, "character": len(prefix.encode("utf-16-le")) // 2}


# -- the LSP session ---------------------------------------------------------------------


class Editor:
    """claude-lsp driven like VS Code: open buffers, apply workspace edits, notify."""

    def __init__(self, root: Path, python: Path, timeout: float, log_path: Path) -> None:
        self.root = root
        self.python = python
        self.timeout = timeout
        self.lsp = LspProcess(claude_server().argv, root, log_path=log_path)
        self.versions: dict[str, int] = {}

    def __enter__(self) -> Editor:
        self.lsp.start()
        options = {"claudeLsp": {"python": {"path": str(self.python)}}}
        if self.lsp.initialize(self.root, self.timeout, options, EDITOR_CAPABILITIES) is None:
            raise RuntimeError("claude-lsp did not answer initialize")
        self.lsp.notify("initialized", {})
        return self

    def __exit__(self, *exc: object) -> None:
        self.lsp.close(timeout=3.0)

    def open(self, path: Path) -> str:
        uri = path.as_uri()
        text = path.read_text(encoding="utf-8")
        if uri in self.versions:
            self.versions[uri] += 1
            self.lsp.did_change(uri, self.versions[uri], [{"text": text}])
        else:
            self.versions[uri] = 1
            self.lsp.did_open(uri, text)
        return text

    def request(self, method: str, params: Any) -> tuple[Any, str]:
        """(result, error message): a refusal is an answer, not an exception."""
        answer = self.lsp.request(method, params, self.timeout)
        if answer is None:
            raise TimeoutError(f"{method}: no answer within {self.timeout:.0f} s")
        message = answer[1]
        if "error" in message:
            return None, str(message["error"].get("message"))
        return message.get("result"), ""

    def apply(self, edit: Message) -> list[Path]:
        """Write the edit, then tell the server as an editor would; the files changed."""
        written = apply_workspace_edit(edit)
        watched = []
        for path in written:
            if path.as_uri() in self.versions and path.exists():
                self.open(path)
            else:
                watched.append({"uri": path.as_uri(), "type": 2})
        if watched:
            self.lsp.notify("workspace/didChangeWatchedFiles", {"changes": watched})
        return list(written)


@dataclass
class Result:
    operation: str
    status: str = "n/a"  # green | refused | no-op | n/a | WRONG
    target: str = ""
    detail: str = ""
    files: int = 0
    ms: float = 0.0


def rename(editor: Editor, target: Target, suffix: str, result: Result) -> list[Path]:
    editor.open(target.path)
    new_name = target.name + suffix
    position = utf16_position(target.path, *target.start)
    document = {"textDocument": {"uri": target.path.as_uri()}, "position": position}
    started = time.perf_counter()
    edit, error = editor.request("textDocument/rename", {**document, "newName": new_name})
    result.ms = (time.perf_counter() - started) * 1000
    if error or not edit:
        result.status, result.detail = "refused", error or "no edit"
        return []
    return editor.apply(edit)


def action(editor: Editor, target: Target, kind: str, result: Result) -> list[Path]:
    editor.open(target.path)
    start = utf16_position(target.path, *target.start)
    end = utf16_position(target.path, *(target.end or target.start))
    params = {
        "textDocument": {"uri": target.path.as_uri()},
        "range": {"start": start, "end": end},
        "context": {"diagnostics": [], "only": [kind], "triggerKind": 1},
    }
    started = time.perf_counter()
    actions, error = editor.request("textDocument/codeAction", params)
    chosen = next(
        (a for a in actions or [] if str(a.get("title", "")).startswith(target.title)), None
    )
    if chosen is None:
        result.status, result.detail = "refused", error or f"no '{target.title}' offered"
        return []
    resolved, error = editor.request("codeAction/resolve", chosen)
    result.ms = (time.perf_counter() - started) * 1000
    if error or not resolved or not resolved.get("edit"):
        result.status, result.detail = "refused", error or "resolve gave no edit"
        return []
    return editor.apply(resolved["edit"])


def source_action(editor: Editor, files: list[Path], kind: str, result: Result) -> list[Path]:
    changed: list[Path] = []
    started = time.perf_counter()
    for path in files:
        editor.open(path)
        params = {
            "textDocument": {"uri": path.as_uri()},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": [], "only": [kind], "triggerKind": 1},
        }
        actions, error = editor.request("textDocument/codeAction", params)
        if error:
            result.detail = f"{path.name}: {error}"
        for action in actions or []:
            if action.get("kind") == kind and action.get("edit"):
                changed += editor.apply(action["edit"])
    result.ms = (time.perf_counter() - started) * 1000
    if not changed:
        result.status = "no-op"
    return changed


Finder = Callable[[Path, list[Path], list[Path]], Any]
RENAMES: dict[str, tuple[Finder, str]] = {
    "rename function": (rename_function, "_renamed"),
    "rename class": (rename_class, "Renamed"),
    "rename method (overrides)": (rename_method, "_renamed"),
    "rename module": (rename_module, "_renamed"),
}
ACTIONS: dict[str, tuple[Finder, str]] = {
    "extract method": (extract_method, "refactor.extract"),
    "extract variable": (extract_variable, "refactor.extract"),
    "inline variable": (inline_variable, "refactor.inline"),
    "inline function": (inline_function, "refactor.inline"),
}
SOURCE_ACTIONS = {"fix all": "source.fixAll", "organize imports": "source.organizeImports"}
