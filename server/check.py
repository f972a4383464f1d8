"""``claude-lsp check [PATH ...]``: the server's diagnostics, headless, for CI and hooks."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from refactor.check import FileResult, check_paths

FORMATS = ("text", "json", "github")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="claude-lsp check",
        description="Report syntax errors (and, where available, Python checks) in files and "
        "folders. Folders are walked honouring .gitignore; binary files are skipped. "
        "Exit status: 0 clean, 1 problems found, 2 usage error.",
    )
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: .)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument(
        "--max-file-size",
        type=int,
        default=2_000_000,
        metavar="BYTES",
        help="skip larger files (default: 2000000)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    return p


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _github(value: str, is_property: bool = False) -> str:
    """Escaped for a GitHub workflow command: a comma or colon in a file name would end
    the property, a newline the command."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if is_property else value


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    paths = args.paths or [Path()]
    missing = [p for p in paths if not p.exists()]
    if missing:
        for path in missing:
            print(f"claude-lsp check: no such file or folder: {path}", file=sys.stderr)
        return 2
    files = problems = 0
    skipped: list[FileResult] = []
    records: list[dict[str, object]] = []
    for result in check_paths(paths, args.max_file_size):
        if result.skipped:
            skipped.append(result)
            continue
        files += 1
        for f in result.findings:
            problems += 1
            line, col = f.range.start.line + 1, f.range.start.character + 1
            name = _display(result.path)
            if args.format == "text":
                print(f"{name}:{line}:{col}: {f.message} [{f.source}/{f.code}]")
            elif args.format == "github":
                level = "error" if f.severity == "error" else "warning"
                print(
                    f"::{level} file={_github(name, True)},line={line},col={col},"
                    f"title={f.source}::{_github(f.message)}"
                )
            else:
                records.append(
                    {
                        "path": name,
                        "line": line,
                        "column": col,
                        "endLine": f.range.end.line + 1,
                        "endColumn": f.range.end.character + 1,
                        "severity": f.severity,
                        "source": f.source,
                        "code": f.code,
                        "message": f.message,
                    }
                )
    if args.format == "json":
        json.dump(records, sys.stdout, indent=2)
        print()
    if not args.quiet:
        for result in skipped:
            print(f"skipped {_display(result.path)}: {result.skipped}", file=sys.stderr)
        print(
            f"checked {files} file{'s' * (files != 1)}: "
            f"{problems} problem{'s' * (problems != 1)}"
            + (f", {len(skipped)} skipped" if skipped else ""),
            file=sys.stderr,
        )
    return 1 if problems else 0
