"""`claude-lsp check`: git-aware walking, skipped files, output formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from refactor.files import TOOL_FOLDERS, walk


def _tree(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "check", *args],
        cwd=cwd,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_walk_honours_nested_gitignores_and_negation(tmp_path: Path):
    (tmp_path / ".git" / "info").mkdir(parents=True)
    _tree(
        tmp_path,
        {
            ".git/info/exclude": "secret.py\n",
            ".gitignore": "build/\n*.log\n",
            "a.py": "",
            "secret.py": "",
            "x.log": "",
            "build/out.py": "",
            "pkg/.gitignore": "*.py\n!keep.py\n",
            "pkg/drop.py": "",
            "pkg/keep.py": "",
            ".venv/lib.py": "",
            "node_modules/m.js": "",
        },
    )
    found = [p.relative_to(tmp_path).as_posix() for p in walk(tmp_path, skip=TOOL_FOLDERS)]
    assert found == [".gitignore", "a.py", "pkg/.gitignore", "pkg/keep.py"]


def test_walk_drops_symlinks_leaving_the_root(tmp_path: Path):
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "inside.py").write_text("y = 2\n")
    (root / "link.py").symlink_to(outside)
    (root / "ok.py").symlink_to(root / "inside.py")
    found = sorted(p.name for p in walk(root))
    assert found == ["inside.py", "ok.py"]


def test_check_text_output_and_exit_code(tmp_path: Path):
    _tree(
        tmp_path,
        {
            "bad.py": "def f(:\n    pass\n",
            "unused.py": "import os\n",
            "ok.json": '{"a": 1}\n',
            "bad.json": '{"a": 1,,}\n',
            "blob.py": b"x = 1\x00\x00",
            "latin1.py": "café = 1\n".encode("latin-1"),
            "notes.txt": "(((",
        },
    )
    result = _check(".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "bad.json:1:8: unexpected `,` [claude-lsp/syntax-error]",
        "bad.py:1:7: missing `)` [claude-lsp/syntax-error]",
        "unused.py:1:8: 'os' imported but unused [pyflakes/UnusedImport]",
    ]
    assert "skipped blob.py: binary" in result.stderr
    assert "skipped latin1.py: not UTF-8" in result.stderr
    assert "checked 4 files: 3 problems, 2 skipped" in result.stderr


def test_check_clean_tree_exits_zero_and_formats(tmp_path: Path):
    _tree(tmp_path, {"ok.py": "import os\n\nprint(os.sep)\n", "b.ts": "let x: number = 1;\n"})
    assert _check(".", cwd=tmp_path).returncode == 0
    _tree(tmp_path, {"bad.ts": "let x = (1;\n"})
    github = _check("--format", "github", "bad.ts", cwd=tmp_path)
    assert github.stdout.startswith("::error file=bad.ts,line=1,col=")
    as_json = json.loads(_check("--format", "json", "-q", ".", cwd=tmp_path).stdout)
    assert [(r["path"], r["source"], r["severity"]) for r in as_json] == [
        ("bad.ts", "claude-lsp", "error")
    ]


def test_check_missing_path_is_a_usage_error(tmp_path: Path):
    result = _check("nope/", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such file or folder: nope" in result.stderr


def test_github_format_escapes_file_names_and_messages(tmp_path: Path):
    _tree(tmp_path, {"a,b:c.py": "def f(:\n", "fmt.py": "print('%s %s' % (1,))\n"})
    lines = _check("--format", "github", ".", cwd=tmp_path).stdout.splitlines()
    assert lines[0] == "::error file=a%2Cb%3Ac.py,line=1,col=7,title=claude-lsp::missing `)`"
    assert lines[1].startswith("::warning file=fmt.py,line=1,col=7,title=pyflakes::'...' %25 ")
