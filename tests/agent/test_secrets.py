"""Secret values: which ones a session collects, and redaction in the forms a shell
pipeline produces cheaply (the commands run for real, so the forms are real)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent.secrets import (
    REDACTED,
    Redactor,
    StreamRedactor,
    collect_secrets,
    credential_names,
    scrub_environment,
    secret_files,
)

KEY = "sk-ant-api03-Zq8Xv2Lm9Pk4Wn7Rt5Yb"


def shell(command: str) -> str:
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize(
    "transform",
    ["cat", "tr a-z A-Z", "rev", "od -c", "od -x", "xxd", "base64", "base32",
     "tr a-zA-Z n-za-mN-ZA-M", "sed 's/./& /g'", "cut -c5-30", "fold -w 7"],
)  # fmt: skip
@pytest.mark.parametrize("before", ["", "x", "xy"])
def test_transformed_key_is_redacted(transform: str, before: str) -> None:
    redact = Redactor([KEY])
    out = shell(f"printf '%s' '{before} {KEY} tail' | {transform}")
    shown = redact(out)
    assert REDACTED in shown
    # Nothing of the random part survives: no 8 characters of it in a row, any form.
    secret = "Zq8Xv2Lm9Pk4Wn7Rt5Yb".lower()
    norm = "".join(c for c in shown.lower() if c.isalnum())
    for i in range(len(secret) - 11):
        assert secret[i : i + 12] not in norm and secret[i : i + 12][::-1] not in norm


def test_ordinary_output_is_left_alone() -> None:
    redact = Redactor([KEY, "hunter2hunter2", "short"])
    text = "Python 3.11.7\n* main\nx = 1\ncommit 4849005 One utf8_prefix for byte columns\n"
    assert redact(text) == text
    assert redact(f"key = {KEY}\n") == f"key = {REDACTED}\n"
    assert redact("HUNTER2HUNTER2") == REDACTED
    assert Redactor(["short"]).exact == []  # under 8 characters: not worth hiding


def test_stream_redaction_catches_a_secret_split_across_chunks() -> None:
    stream = StreamRedactor(Redactor([KEY]))
    text = "a" * 3000 + KEY + "b" * 3000
    shown = "".join(stream.feed(text[i : i + 7]) for i in range(0, len(text), 7))
    shown += stream.flush()
    assert KEY not in shown and shown.count(REDACTED) == 1
    assert shown == "a" * 3000 + REDACTED + "b" * 3000


def test_credentials_are_recognised_by_name() -> None:
    env = {
        "ANTHROPIC_API_KEY": "k" * 20,
        "GITHUB_TOKEN": "t" * 20,
        "AWS_SECRET_ACCESS_KEY": "s" * 20,
        "DB_PASSWORD": "p" * 20,
        "SSH_AUTH_SOCK": "/tmp/agent.sock",
        "GIT_AUTHOR_NAME": "Ada",
        "PATH": "/usr/bin",
        "PWD": "/work",
        "KEYBOARD": "us",
    }
    names = set(credential_names(env))
    assert names == {
        "ANTHROPIC_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD",
        "SSH_AUTH_SOCK",
    }  # fmt: skip
    clean, values = scrub_environment(env)
    assert set(clean) == {"GIT_AUTHOR_NAME", "PATH", "PWD", "KEYBOARD"}
    assert "/tmp/agent.sock" not in values and "k" * 20 in values


def test_session_secrets_from_files_and_git_history(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "deploy").mkdir(parents=True)
    (ws / "node_modules" / "x").mkdir(parents=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=ws, check=True)
    (ws / ".env").write_text("OLD_TOKEN=oldvalue-in-history-123\n")
    subprocess.run([*git, "add", "-A"], cwd=ws, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=ws, check=True)
    (ws / ".env").write_text('export API_TOKEN="current-value-456789"\nDEBUG=1\n')
    (ws / "deploy" / "credentials.json").write_text('{"client_secret": "json-secret-value-1"}')
    (ws / "node_modules" / "x" / ".env").write_text("NOT=collected-from-deps-1\n")
    (ws / ".env.example").write_text("API_TOKEN=placeholder-value\n")
    files = sorted(p.relative_to(ws).as_posix() for p in secret_files([ws]))
    assert files == [".env", "deploy/credentials.json"]
    values = collect_secrets([ws], env={"MY_TOKEN": "env-token-value-42", "HOME": "/root"})
    assert {"current-value-456789", "oldvalue-in-history-123", "json-secret-value-1",
            "env-token-value-42"} <= set(values)  # fmt: skip
    assert "placeholder-value" not in values and "collected-from-deps-1" not in values
    assert "1" not in values and "/root" not in values
