"""``claude-lsp review`` and ``claude-lsp commit-message``: the AI tasks headless.

``review [PATH ...] [--diff REV]`` reviews files (folders walked like git), or with
``--diff`` (the default when no path is given) only the lines changed against ``REV``,
and prints the findings as text, JSON or GitHub annotations; exit status 1 when there
are findings, 2 on errors. ``commit-message`` prints a message for the staged diff.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import NoCredentials

if TYPE_CHECKING:
    from agent.client import ModelClient
    from agent.cost import CostTracker
    from agent.review import Finding

FORMATS = ("text", "json", "github")
PARALLEL = 4
MAX_FILE_BYTES = 1_000_000


def review_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="claude-lsp review",
        description="Review code with Claude. Without paths: the files changed against "
        "--diff REV (default HEAD), only their changed lines. Exit status: 0 no findings, "
        "1 findings, 2 error.",
    )
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (reviewed whole)")
    p.add_argument("--diff", metavar="REV", help="review only the lines changed against REV")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--model", help="the model (default: as the agent chooses)")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    return p


def _setup(model: str | None) -> tuple[ModelClient, str, Path]:
    from agent.builder import AgentOptions, choose_model, project_settings
    from agent.client import make_client

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    cwd = Path.cwd().resolve()
    settings = project_settings(cwd)
    client = make_client(os.environ)
    return client, choose_model(AgentOptions(cwd=cwd, model=model), settings, None), cwd


def _files(args: argparse.Namespace, cwd: Path) -> list[Path]:
    from agent.git_context import changed_files
    from refactor.files import walk

    if not args.paths:
        found = changed_files(cwd, args.diff or "HEAD")
        if found is None:
            raise ValueError("not in a git repository: name the files or folders to review")
        return sorted(found)
    files: list[Path] = []
    for path in args.paths:
        if not path.exists():
            raise ValueError(f"no such file or folder: {path}")
        files.extend(walk(path.resolve()))
    return files


def review_main(argv: list[str]) -> int:
    args = review_parser().parse_args(argv)
    try:
        client, model, cwd = _setup(args.model)
        files = _files(args, cwd)
    except (NoCredentials, ValueError) as exc:
        print(f"claude-lsp review: {exc}", file=sys.stderr)
        return 2
    from agent.cost import CostTracker

    costs = CostTracker()
    revision = args.diff or ("HEAD" if not args.paths else None)
    try:
        results = asyncio.run(_review_all(client, model, costs, cwd, files, revision=revision))
    except Exception as exc:  # the API failed after retries, or a malformed answer
        from agent.errors import describe

        print(f"claude-lsp review: {describe(exc)}", file=sys.stderr)
        return 2
    count = _print(results, args.format)
    if not args.quiet:
        print(
            f"reviewed {len(results)} file{'s' * (len(results) != 1)}: {count} "
            f"finding{'s' * (count != 1)} · ${costs.spent_usd:.4f}",
            file=sys.stderr,
        )
    return 1 if count else 0


async def _review_all(
    client: ModelClient,
    model: str,
    costs: CostTracker,
    cwd: Path,
    files: list[Path],
    *,
    revision: str | None,
) -> list[tuple[str, list[Finding]]]:
    from agent.git_context import text_at
    from agent.review import review
    from refactor.files import read_text

    gate = asyncio.Semaphore(PARALLEL)

    async def one(path: Path) -> tuple[str, list[Finding]] | None:
        text = await asyncio.to_thread(read_text, path, MAX_FILE_BYTES)
        if text is None:
            return None
        base = await asyncio.to_thread(text_at, path, revision) if revision else None
        shown = os.path.relpath(path, cwd)
        async with gate:
            result = await review(client, model, costs, shown, text, base=base)
        return shown, result.findings

    try:
        found = await asyncio.gather(*(one(path) for path in files))
    finally:
        await client.close()
    return [r for r in found if r is not None]


def _print(results: list[tuple[str, list[Finding]]], form: str) -> int:
    records = []
    for name, findings in results:
        for f in findings:
            if form == "text":
                print(f"{name}:{f.start + 1}:1: {f.severity}: {f.message} [claude]")
            elif form == "github":
                level = {"error": "error", "warning": "warning"}.get(f.severity, "notice")
                print(
                    f"::{level} file={_github(name, True)},line={f.start + 1},"
                    f"endLine={f.end + 1},title=claude::{_github(f.message)}"
                )
            else:
                records.append({"path": name, **f.to_json()})
    if form == "json":
        json.dump(records, sys.stdout, indent=2)
        print()
    return sum(len(findings) for _, findings in results)


def _github(value: str, is_property: bool = False) -> str:
    """Escaped for a GitHub workflow command (as ``claude-lsp check`` does)."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if is_property else value


def commit_message_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="claude-lsp commit-message",
        description="Print a commit message for the staged changes (exit 1: nothing staged).",
    )
    parser.add_argument("--model", help="the model (default: as the agent chooses)")
    args = parser.parse_args(argv)
    try:
        client, model, cwd = _setup(args.model)
    except NoCredentials as exc:
        print(f"claude-lsp commit-message: {exc}", file=sys.stderr)
        return 2
    try:
        message = asyncio.run(_commit_message(client, model, cwd))
    except ValueError as exc:
        print(f"claude-lsp commit-message: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the API failed after retries, or a malformed answer
        from agent.errors import describe

        print(f"claude-lsp commit-message: {describe(exc)}", file=sys.stderr)
        return 2
    print(message)
    return 0


async def _commit_message(client: ModelClient, model: str, cwd: Path) -> str:
    from agent.cost import CostTracker
    from agent.git_context import recent_commits, staged_diff
    from agent.tasks import COMMIT_TOOL, commit_message, commit_prompt, run_task, text_block

    try:
        diff = await asyncio.to_thread(staged_diff, cwd)
        if diff is None:
            raise ValueError("not in a git repository")
        if not diff.strip():
            raise ValueError("nothing is staged (git add the changes first)")
        recent = await asyncio.to_thread(recent_commits, cwd)
        content = [text_block(commit_prompt(diff, recent))]
        answer = await run_task(client, model, COMMIT_TOOL, content, CostTracker())
    finally:
        await client.close()
    subject, body = commit_message(answer.input)
    return f"{subject}\n\n{body}" if body else subject
