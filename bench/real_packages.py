"""``python -m bench.real_packages``: refactor real PyPI packages through the LSP.

The real-world proof of issue 3. For each package (pure Python, ships its test suite
in the sdist): download the sdist from PyPI with pip into a temp dir, run its tests in a
temp venv for a baseline, then through claude-lsp over stdio (the raw bench client,
declaring what VS Code declares):

1. ``textDocument/rename`` of a function used in several files; the ``WorkspaceEdit``
   (``changes`` or versioned ``documentChanges``) is written to disk, the open buffers
   get ``didChange`` and the other files ``didChangeWatchedFiles``, as an editor does;
2. one extract method through ``textDocument/codeAction`` + ``codeAction/resolve``
   on a real function body, applied the same way;

then the package's tests run again. The table compares the edits with a textual search
for the old name, flags ``__all__`` entries the rename left behind, and gives the pass
counts before and after. Nothing is committed: everything lives in the temp dir.
Progress goes to stderr, the table to stdout; exit 1 when a package's suite got worse.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
from dataclasses import dataclass, field
from pathlib import Path

from bench.lsp import (
    EDITOR_CAPABILITIES,
    LspProcess,
    Message,
    apply_workspace_edit,
    edit_counts,
)
from bench.servers import claude_server

PYTEST_TIMEOUT = 600


@dataclass(frozen=True)
class Package:
    """A PyPI package and the two refactors done on it."""

    name: str  # PyPI name
    version: str
    tests: list[str]  # pytest arguments, relative to the unpacked sdist
    rename_file: str  # where the renamed function is defined
    rename_symbol: str
    new_name: str
    extract_file: str
    extract_function: str  # a function (or Class.method) whose body statements we extract
    extract_body: tuple[int, int]  # [first, last) statements of its body
    test_deps: list[str] = field(default_factory=list)


PACKAGES = [
    Package(
        name="toolz",
        version="1.2.0",
        tests=["toolz"],
        rename_file="toolz/utils.py",
        rename_symbol="raises",
        new_name="raises_exception",
        extract_file="toolz/itertoolz.py",
        extract_function="groupby",
        extract_body=(2, 4),
    ),
    Package(
        name="idna",
        version="3.20",
        tests=["tests"],
        rename_file="idna/intranges.py",
        rename_symbol="intranges_contain",
        new_name="ranges_contain",
        extract_file="idna/core.py",
        extract_function="check_label",
        extract_body=(1, 4),
        test_deps=["hypothesis"],
    ),
    Package(
        name="more-itertools",
        version="11.2.1",
        tests=["tests"],
        rename_file="more_itertools/recipes.py",
        rename_symbol="take",
        new_name="take_first",
        extract_file="more_itertools/more.py",
        extract_function="chunked",
        extract_body=(1, 3),
    ),
]


def log(message: str) -> None:
    print(f"real-packages: {message}", file=sys.stderr, flush=True)


# -- setup -------------------------------------------------------------------------------


def download(package: Package, into: Path) -> Path:
    """The sdist from PyPI (pip, no build), unpacked under ``into``; its root folder."""
    sdists = into / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    spec = f"{package.name}=={package.version}" if package.version else package.name
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            package.name,
            "--dest",
            str(sdists),
            spec,
        ],
        check=True,
        stdout=sys.stderr,
        timeout=300,
    )
    normalized = re.sub(r"[-_.]+", "[-_.]", package.name)
    archives = [
        p
        for p in sdists.iterdir()
        if re.match(normalized + r"-", p.name, re.I) and ".tar" in p.name
    ]
    if not archives:
        raise RuntimeError(f"no sdist of {package.name} in {sdists}")
    archive = max(archives, key=lambda p: p.stat().st_mtime)
    target = into / "src"
    target.mkdir(exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
        top = tar.getnames()[0].split("/")[0]
    return target / top


def make_venv(path: Path, packages: list[Package]) -> Path:
    """A venv with pytest and the packages' test dependencies; its python."""
    python = path / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(path)
    deps = sorted({"pytest", *(d for p in packages for d in p.test_deps)})
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *deps],
        check=True,
        stdout=sys.stderr,
        timeout=600,
    )
    return python


@dataclass
class TestRun:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    xfailed: int = 0
    returncode: int = -1
    summary: str = ""

    def text(self) -> str:
        text = f"{self.passed} passed"
        if self.failed:
            text += f", {self.failed} failed"
        if self.errors:
            text += f", {self.errors} errors"
        return text


def run_tests(python: Path, root: Path, package: Package) -> TestRun:
    """The package's own suite, as its pyproject/setup.cfg configures pytest."""
    argv = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *package.tests]
    try:
        result = subprocess.run(
            argv, cwd=root, capture_output=True, text=True, timeout=PYTEST_TIMEOUT, check=False
        )
        output = result.stdout + result.stderr
        returncode = result.returncode
    except subprocess.TimeoutExpired as timeout:
        output = str(timeout.stdout or "") + "\ntimed out"
        returncode = -9
    run = TestRun(returncode=returncode)
    tail = [line for line in output.splitlines() if line.strip()][-1:] or [""]
    run.summary = tail[0].strip("= ")
    for number, word in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed)", tail[0]):
        value = int(number)
        if word == "passed":
            run.passed = value
        elif word == "failed":
            run.failed = value
        elif word.startswith("error"):
            run.errors = value
        elif word == "skipped":
            run.skipped = value
        elif word == "xfailed":
            run.xfailed = value
    if returncode not in (0, 1):
        (root.parent / f"pytest-{package.name}-{returncode}.log").write_text(output)
    return run


# -- textual checks ----------------------------------------------------------------------


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if p.is_file())


def textual_occurrences(root: Path, name: str) -> tuple[int, int]:
    """(files, occurrences) of ``name`` as a whole word in the Python files under root."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    files = occurrences = 0
    for path in python_files(root):
        found = len(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
        if found:
            files += 1
            occurrences += found
    return files, occurrences


def stale_all_entries(root: Path, name: str) -> list[str]:
    """``__all__`` string entries still naming ``name`` (a rename left them behind)."""
    stale: list[str] = []
    for path in python_files(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        if name not in text or "__all__" not in text:
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                continue
            value = getattr(node, "value", None)
            for item in ast.walk(value) if value is not None else []:
                if isinstance(item, ast.Constant) and item.value == name:
                    stale.append(f"{path.relative_to(root)}:{item.lineno}")
    return stale


def unparsable(paths: list[Path]) -> list[str]:
    bad = []
    for path in paths:
        if path.suffix != ".py" or not path.exists():
            continue
        try:
            ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError as error:
            bad.append(f"{path.name}:{error.lineno}: {error.msg}")
    return bad


def find_function(tree: ast.Module, dotted: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    scope: list[ast.stmt] = tree.body
    node: ast.AST | None = None
    for part in dotted.split("."):
        node = next(
            (
                n
                for n in scope
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and n.name == part
            ),
            None,
        )
        if node is None:
            raise LookupError(f"no {dotted} found")
        scope = node.body  # type: ignore[attr-defined]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    return node


def utf16_column(line: str, column: int) -> int:
    """An ast column (UTF-8 bytes) as an LSP character (UTF-16 units)."""
    prefix = line.encode("utf-8")[:column].decode("utf-8", errors="replace")
    return len(prefix.encode("utf-16-le")) // 2


def position_of(text: str, line: int, utf8_col: int) -> Message:
    """An LSP position from a 1-based ast line and its UTF-8 column."""
    lines = text.splitlines()
    return {"line": line - 1, "character": utf16_column(lines[line - 1], utf8_col)}


def definition_position(text: str, name: str) -> Message:
    """Where ``def name`` (or ``class name``) names it, at module level first."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        named = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        if named and node.name == name:
            line = text.splitlines()[node.lineno - 1]
            column = line.encode("utf-8").index(name.encode("utf-8"), node.col_offset)
            return position_of(text, node.lineno, column)
    raise LookupError(f"no definition of {name}")


# -- the LSP session ---------------------------------------------------------------------


class Editor:
    """claude-lsp driven like VS Code: open buffers, apply workspace edits, notify."""

    def __init__(self, root: Path, timeout: float, log_path: Path | None) -> None:
        self.root = root
        self.timeout = timeout
        server = claude_server()
        self.lsp = LspProcess(server.argv, root, log_path=log_path)
        self.versions: dict[str, int] = {}

    def start(self) -> None:
        self.lsp.start()
        answer = self.lsp.initialize(self.root, self.timeout, capabilities=EDITOR_CAPABILITIES)
        if answer is None:
            raise RuntimeError("claude-lsp did not answer initialize")
        self.lsp.notify("initialized", {})

    def close(self) -> None:
        self.lsp.close()

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

    def request(self, method: str, params: Message) -> Message:
        answer = self.lsp.request(method, params, self.timeout)
        if answer is None:
            raise TimeoutError(f"{method}: no answer within {self.timeout:.0f} s")
        message = answer[1]
        if "error" in message:
            raise RuntimeError(f"{method} failed: {message['error'].get('message')}")
        return message.get("result") or {}

    def apply(self, edit: Message) -> list[Path]:
        """Write the edit, then tell the server as an editor would; the files changed."""
        written = apply_workspace_edit(edit)
        watched = []
        for path in written:
            uri = path.as_uri()
            if uri in self.versions:
                self.open(path)  # didChange with the whole new text
            else:
                watched.append({"uri": uri, "type": 2})
        if watched:
            self.lsp.notify("workspace/didChangeWatchedFiles", {"changes": watched})
        return list(written)


@dataclass
class Outcome:
    package: str
    files: int = 0
    rename: str = ""
    rename_files: int = 0
    rename_edits: int = 0
    text_files: int = 0
    text_occurrences: int = 0
    left_after: int = 0
    stale_all: list[str] = field(default_factory=list)
    rename_ms: float = 0.0
    extract: str = ""
    extract_ms: float = 0.0
    before: TestRun = field(default_factory=TestRun)
    after: TestRun = field(default_factory=TestRun)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and self.after.passed >= self.before.passed
            and self.after.failed + self.after.errors <= self.before.failed + self.before.errors
        )


def refactor(package: Package, root: Path, outcome: Outcome, args: argparse.Namespace) -> None:
    log_path = root.parent / f"claude-lsp-{package.name}.log"
    editor = Editor(root, args.timeout, log_path)
    editor.start()
    try:
        # 1. rename
        definition = root / package.rename_file
        text = editor.open(definition)
        position = definition_position(text, package.rename_symbol)
        uri = definition.as_uri()
        document = {"textDocument": {"uri": uri}, "position": position}
        editor.request("textDocument/prepareRename", document)
        outcome.rename = f"{package.rename_symbol} -> {package.new_name}"
        outcome.text_files, outcome.text_occurrences = textual_occurrences(
            root, package.rename_symbol
        )
        started = time.perf_counter()
        edit = editor.request("textDocument/rename", {**document, "newName": package.new_name})
        outcome.rename_ms = (time.perf_counter() - started) * 1000
        outcome.rename_files, outcome.rename_edits = edit_counts(edit)
        changed = editor.apply(edit)
        outcome.problems += [f"rename broke {p}" for p in unparsable(changed)]
        outcome.left_after = textual_occurrences(root, package.rename_symbol)[1]
        outcome.stale_all = stale_all_entries(root, package.rename_symbol)
        log(
            f"{package.name}: rename {package.rename_symbol} -> {package.new_name}: "
            f"{outcome.rename_files} files / {outcome.rename_edits} edits in "
            f"{outcome.rename_ms:.0f} ms (text search: {outcome.text_files} files / "
            f"{outcome.text_occurrences}; left after: {outcome.left_after}; stale __all__: "
            f"{outcome.stale_all or 'none'})"
        )

        # 2. extract method, the VS Code way: list, then resolve the chosen action
        target = root / package.extract_file
        text = editor.open(target)
        function = find_function(ast.parse(text), package.extract_function)
        first, last = package.extract_body
        body = function.body[first:last]
        start = position_of(text, body[0].lineno, body[0].col_offset)
        end = position_of(
            text, body[-1].end_lineno or body[-1].lineno, body[-1].end_col_offset or 0
        )
        outcome.extract = f"{package.extract_function} body[{first}:{last}]"
        params = {
            "textDocument": {"uri": target.as_uri()},
            "range": {"start": start, "end": end},
            "context": {"diagnostics": [], "only": ["refactor.extract"], "triggerKind": 1},
        }
        started = time.perf_counter()
        actions = editor.request("textDocument/codeAction", params)
        chosen = next(
            (
                a
                for a in actions or []
                if isinstance(a, dict) and a.get("title") == "Extract method"
            ),
            None,
        )
        if chosen is None:
            titles = [a.get("title") for a in actions or [] if isinstance(a, dict)]
            raise RuntimeError(f"no 'Extract method' offered at {start}-{end}; got {titles}")
        resolved = editor.request("codeAction/resolve", chosen)
        outcome.extract_ms = (time.perf_counter() - started) * 1000
        if not resolved.get("edit"):
            raise RuntimeError(f"codeAction/resolve returned no edit: {json.dumps(resolved)}")
        changed = editor.apply(resolved["edit"])
        outcome.problems += [f"extract broke {p}" for p in unparsable(changed)]
        new_text = target.read_text(encoding="utf-8")
        if "def extracted" not in new_text and "extracted(" not in new_text:
            outcome.problems.append("extract method: no extracted function in the result")
        log(f"{package.name}: extract method: {outcome.extract_ms:.0f} ms")
    finally:
        editor.close()


def run_package(package: Package, work: Path, python: Path, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(package=f"{package.name} {package.version}".strip())
    folder = work / package.name
    folder.mkdir(parents=True, exist_ok=True)
    log(f"{package.name}: downloading the sdist")
    root = download(package, folder)
    outcome.files = len(python_files(root))
    log(f"{package.name}: baseline tests")
    outcome.before = run_tests(python, root, package)
    log(f"{package.name}: before: {outcome.before.summary}")
    try:
        refactor(package, root, outcome, args)
    except Exception as error:
        outcome.problems.append(f"{type(error).__name__}: {error}")
        log(f"{package.name}: {type(error).__name__}: {error}")
    log(f"{package.name}: tests after the refactors")
    outcome.after = run_tests(python, root, package)
    log(f"{package.name}: after: {outcome.after.summary}")
    return outcome


# -- report ------------------------------------------------------------------------------


def table(outcomes: list[Outcome]) -> str:
    header = (
        "package",
        "files",
        "rename (files/edits; text search files/occ.)",
        "ms",
        "stale __all__",
        "extract method",
        "ms",
        "tests before",
        "tests after",
        "result",
    )
    rows = [header]
    for o in outcomes:
        rows.append(
            (
                o.package,
                str(o.files),
                f"{o.rename} {o.rename_files}/{o.rename_edits}; "
                f"{o.text_files}/{o.text_occurrences}",
                f"{o.rename_ms:.0f}",
                str(len(o.stale_all)),
                o.extract,
                f"{o.extract_ms:.0f}",
                o.before.text(),
                o.after.text(),
                "PASS" if o.ok else "FAIL",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for o in outcomes:
        for problem in o.problems:
            lines.append(f"{o.package}: {problem}")
        if o.stale_all:
            lines.append(
                f"{o.package}: __all__ still lists the old name at {', '.join(o.stale_all)}"
            )
        if o.after.failed or o.after.errors:
            lines.append(f"{o.package}: after: {o.after.summary}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.real_packages",
        description="Rename + extract method through claude-lsp on real PyPI packages, "
        "with their test suites run before and after.",
    )
    names = [p.name for p in PACKAGES]
    parser.add_argument(
        "--packages", help=f"comma-separated subset of {','.join(names)} (default: all)"
    )
    parser.add_argument(
        "--work-dir", type=Path, help="keep everything there (default: a temp dir, deleted)"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per LSP request")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also save the results there")
    args = parser.parse_args(argv)
    if args.packages:
        wanted = [n.strip() for n in args.packages.split(",") if n.strip()]
        unknown = set(wanted) - set(names)
        if unknown:
            parser.error(f"unknown package(s): {', '.join(sorted(unknown))}")
        args.selected = [p for p in PACKAGES if p.name in wanted]
    else:
        args.selected = list(PACKAGES)
    return args


def run(args: argparse.Namespace, work: Path) -> list[Outcome]:
    log(f"test venv in {work / 'venv'}")
    python = make_venv(work / "venv", args.selected)
    return [run_package(package, work, python, args) for package in args.selected]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.work_dir:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        outcomes = run(args, args.work_dir.resolve())
    else:
        work = Path(tempfile.mkdtemp(prefix="claude-lsp-real-"))
        try:
            outcomes = run(args, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(table(outcomes))
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        **{k: v for k, v in vars(o).items() if k not in ("before", "after")},
                        "before": vars(o.before),
                        "after": vars(o.after),
                        "ok": o.ok,
                    }
                    for o in outcomes
                ],
                indent=2,
            )
        )
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
