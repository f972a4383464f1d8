"""Git context, review and commit messages headless: a real git repository made in the
test, the CLI (``claude-lsp review`` / ``commit-message``) as a subprocess against the
loopback Messages API, and the agent's system prompt at the start of a session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.git_context import changed_lines, file_diff, git_context, staged_diff, text_at
from tests.agent.fake_api import FakeAnthropic, Reply, ToolUse

SOURCE = "def half(x):\n    return x / 2\n\n\ndef double(x):\n    return x * 2\n"


def git(cwd: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Test", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "calc.py").write_text(SOURCE)
    git(root, "add", ".")
    git(root, "commit", "-qm", "Add calc helpers")
    return root


@pytest.fixture
def server() -> Iterator[FakeAnthropic]:
    fake = FakeAnthropic().start()
    yield fake
    fake.stop()


def cli(cwd: Path, fake: FakeAnthropic, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
    env.update(
        ANTHROPIC_API_KEY="sk-ant-test-cli",
        ANTHROPIC_BASE_URL=fake.url,
        ANTHROPIC_MODEL="claude-sonnet-5-5",
        HOME=str(cwd.parent / "home"),
    )
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=cwd,
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_git_context_and_diffs(repo: Path) -> None:
    (repo / "calc.py").write_text(SOURCE.replace("x * 2", "x + x"))
    (repo / "new.py").write_text("A = 1\n")
    context = git_context(repo)
    assert "Current branch: main" in context
    assert " M calc.py" in context and "?? new.py" in context
    assert "Add calc helpers" in context
    diff = file_diff(repo, repo / "calc.py")
    assert "-    return x * 2" in diff and "+    return x + x" in diff
    assert changed_lines(repo / "calc.py") == [(5, 5)]
    assert text_at(repo / "calc.py") == SOURCE
    assert text_at(repo / "new.py") == ""
    assert staged_diff(repo) == ""


def test_outside_git_everything_degrades(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    assert git_context(tmp_path) == ""
    assert file_diff(tmp_path, tmp_path / "a.py") == ""
    assert changed_lines(tmp_path / "a.py") is None
    assert text_at(tmp_path / "a.py") is None
    assert staged_diff(tmp_path) is None


def test_review_cli_reviews_only_the_changes(repo: Path, server: FakeAnthropic) -> None:
    (repo / "calc.py").write_text(SOURCE.replace("x * 2", "x ** 2"))
    findings = [
        {"line": 6, "endLine": 6, "severity": "error", "message": "squares, not doubles"},
        {"line": 2, "endLine": 2, "severity": "warning", "message": "unchanged line"},
    ]
    server.script(Reply([ToolUse("report_findings", {"findings": findings})]))
    result = cli(repo, server, "review", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == [
        {
            "path": "calc.py",
            "line": 6,
            "endLine": 6,
            "severity": "error",
            "message": "squares, not doubles",
        }
    ]
    [request] = server.messages_requests
    prompt = request["messages"][0]["content"][0]["text"]
    assert "-    return x * 2\n+    return x ** 2" in prompt
    assert "only the changed lines (6-6)" in prompt
    assert "1 finding" in result.stderr and "$" in result.stderr


def test_review_cli_text_and_github_formats_and_clean_exit(
    repo: Path, server: FakeAnthropic
) -> None:
    finding = {"line": 1, "endLine": 1, "severity": "warning", "message": "name, unclear: x"}
    server.script(
        Reply([ToolUse("report_findings", {"findings": [finding]})]),
        Reply([ToolUse("report_findings", {"findings": [finding]})]),
        Reply([ToolUse("report_findings", {"findings": []})]),
    )
    text = cli(repo, server, "review", "calc.py")
    assert (
        text.returncode == 1 and text.stdout == "calc.py:1:1: warning: name, unclear: x [claude]\n"
    )
    github = cli(repo, server, "review", "calc.py", "--format", "github")
    assert github.stdout == (
        "::warning file=calc.py,line=1,endLine=1,title=claude::name, unclear: x\n"
    )
    clean = cli(repo, server, "review", "calc.py")
    assert clean.returncode == 0 and clean.stdout == ""
    nothing = cli(repo, server, "review")  # no changes against HEAD: no model call
    assert nothing.returncode == 0 and len(server.messages_requests) == 3


def test_commit_message_for_the_staged_diff(repo: Path, server: FakeAnthropic) -> None:
    (repo / "calc.py").write_text(SOURCE + "\n\ndef triple(x):\n    return x * 3\n")
    empty = cli(repo, server, "commit-message")
    assert empty.returncode == 1 and "nothing is staged" in empty.stderr
    git(repo, "add", "calc.py")
    answer = {"subject": "Add triple helper", "body": "Completes the set."}
    server.script(Reply([ToolUse("commit_message", answer)]))
    result = cli(repo, server, "commit-message")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Add triple helper\n\nCompletes the set.\n"
    [request] = server.messages_requests
    assert request["tool_choice"] == {"type": "tool", "name": "commit_message"}
    prompt = request["messages"][0]["content"][0]["text"]
    assert "+def triple(x):" in prompt and "Add calc helpers" in prompt


def test_no_credentials_is_exit_2(repo: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server", "review", "calc.py"],
        cwd=repo,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_"))}
        | {"HOME": str(repo.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "ANTHROPIC_API_KEY" in result.stderr
