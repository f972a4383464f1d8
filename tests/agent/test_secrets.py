"""Secret values: which ones a session collects, and redaction in the forms a shell
pipeline produces cheaply (the commands run for real, so the forms are real)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from agent.secrets import (
    REDACTED,
    Redactor,
    StreamRedactor,
    collect_secrets,
    config_secrets,
    credential_names,
    file_secrets,
    history_secrets,
    scrub_environment,
    secret_files,
    text_secrets,
    url_credentials,
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


def test_an_eight_character_credential_is_scrubbed_and_collected() -> None:
    clean, values = scrub_environment({"DB_PASSWORD": "8charpw!", "PIN_SECRET": "7charpw"})
    assert clean == {}
    assert values == ["8charpw!"]  # shorter values are not worth hiding


def test_values_of_a_secret_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(
        b"# comment first\n"
        b"\n"
        b"FIRST_TOKEN=first-token-value\n"
        b"SECOND: 'second-value-here'  # and a comment\n"
        b'{"client_secret": "json-value-1234", "x": "short"}\n'
        b"EIGHT=8charval\n"
        b"SEVEN=7charva\n"
        b"LATIN=caf\xe9-au-lait-1\n"
    )
    assert file_secrets(env) == [
        "first-token-value",
        "second-value-here",
        "json-value-1234",
        "8charval",
        "caf\ufffd-au-lait-1",
    ]
    assert file_secrets(tmp_path / "missing.env") == []


def test_values_of_a_private_key_are_its_body_lines(tmp_path: Path) -> None:
    body = ["MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", "Vd0Zt7X+/ab="]
    key = tmp_path / "id_rsa"
    key.write_text(
        "\n".join(["-----BEGIN RSA PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"])
    )
    assert file_secrets(key) == body[:1]  # the short last line is not worth hiding
    body[1] = "Vd0Zt7X+/abcdefgh=="
    key.write_text("\n".join(body))
    assert file_secrets(key) == body


def test_secret_files_found_by_their_folder_and_not_through_links(tmp_path: Path) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    for folder in (ws / ".ssh", ws / ".aws", ws / "src", outside):
        folder.mkdir(parents=True)
    (ws / ".ssh" / "deploy").write_text("key\n")
    (ws / ".aws" / "credentials").write_text("[default]\n")
    (ws / "src" / "deploy").write_text("not a key\n")
    (outside / ".env").write_text("A=outside-secret\n")
    (ws / "linked").symlink_to(outside, target_is_directory=True)
    (ws / "loop").symlink_to(ws, target_is_directory=True)
    files = sorted(p.relative_to(ws).as_posix() for p in secret_files([ws]))
    assert files == [".aws/credentials", ".ssh/deploy"]


def test_secret_files_stop_after_the_entry_limit(tmp_path: Path) -> None:
    # The walk looks at the root's 4 entries, then goes on into sub/ only while it has
    # looked at fewer than `limit` entries.
    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "sub" / ".env").write_text("A=some-secret-value\n")
    assert secret_files([tmp_path], limit=4) == []
    assert secret_files([tmp_path], limit=5) == [tmp_path / "sub" / ".env"]


def test_secret_files_shallowest_first_and_a_cut_short_walk_is_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A deep tree first in the walk does not hide a secret one folder down.
    deep = tmp_path / "a-deep"
    for n in range(3):
        deep = deep / f"d{n}"
    deep.mkdir(parents=True)
    for n in range(20):
        (deep / f"f{n}.txt").write_text("x")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / ".env").write_text("A=some-secret-value\n")
    with caplog.at_level("WARNING", logger="agent.secrets"):
        assert secret_files([tmp_path], limit=6) == [tmp_path / "svc" / ".env"]
        secret_files([tmp_path], limit=6)
    [warning] = caplog.records  # once per root
    assert f"scan of {tmp_path} stopped after 6 entries" in warning.getMessage()


def test_session_secrets_default_to_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_LSP_TEST_TOKEN", "from-the-process-env-1")
    assert "from-the-process-env-1" in collect_secrets([tmp_path])


GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]


def commit_all(ws: Path) -> None:
    subprocess.run([*GIT, "add", "-A"], cwd=ws, check=True)
    subprocess.run([*GIT, "commit", "-qm", "x"], cwd=ws, check=True)


def test_history_values_only_from_secret_files(tmp_path: Path) -> None:
    ws = tmp_path
    subprocess.run([*GIT, "init", "-q"], cwd=ws, check=True)
    (ws / ".env").write_bytes(b"OLD_TOKEN=old-token-value-1\nNEXT=caf\xe9-old-value\n")
    (ws / "credentials.json").write_text('{\n"client_secret": "old-json-secret-1"\n}\n')
    (ws / "settings.py").write_text('VERSION = "release-2024-01"\n')
    (ws / b"caf\xe9.txt".decode("utf-8", "surrogateescape")).write_text("A=not-a-secret-file\n")
    commit_all(ws)
    for name in (".env", "credentials.json", "settings.py"):
        (ws / name).write_text("\n")
    commit_all(ws)
    assert sorted(set(history_secrets(ws))) == [
        "caf\ufffd-old-value", "old-json-secret-1", "old-token-value-1",
    ]  # fmt: skip


def test_history_runs_nothing_the_repository_configures(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=ws, check=True)
    (ws / ".env").write_text("OLD_TOKEN=old-token-value-1\n")
    commit_all(ws)
    marker = tmp_path / "ran"
    hook = tmp_path / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    subprocess.run(["git", "config", "core.fsmonitor", str(hook)], cwd=ws, check=True)
    assert history_secrets(ws) == ["old-token-value-1"]
    assert not marker.exists()


def test_a_broken_repository_gives_what_it_can(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("gitdir: /nonexistent/repository\n")
    (tmp_path / ".env").write_text("TOKEN=current-token-value\n")
    assert history_secrets(tmp_path) == []
    assert collect_secrets([tmp_path], env={}) == ["current-token-value"]
    # A repository whose old blob is gone: git log fails part way.
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=ws, check=True)
    (ws / ".env").write_text("OLD_TOKEN=old-token-value-1\n")
    commit_all(ws)
    blob = subprocess.run(
        ["git", "rev-parse", "HEAD:.env"], cwd=ws, capture_output=True, text=True, check=True
    ).stdout.strip()
    (ws / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    assert collect_secrets([ws], env={}) == ["old-token-value-1"]


@pytest.mark.parametrize("hangs", ["ls-files", "log"])
def test_a_hung_git_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hangs: str
) -> None:
    # As when the repository sits on a stalled network drive.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = f'case "$*" in *{hangs}*) exec sleep 600;; *ls-files*) printf ".env\\0";; esac\n'
    (bin_dir / "git").write_text("#!/bin/sh\n" + script)
    (bin_dir / "git").chmod(0o755)
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    assert history_secrets(ws, timeout=0.2) == []


def test_a_folder_that_cannot_be_opened_does_not_end_the_walk(tmp_path: Path) -> None:
    # Past PATH_MAX (4096 bytes) a folder cannot be opened by its path, even by root.
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / ".env").write_text("A=some-secret-value\n")
        fd = os.open(tmp_path / name, os.O_RDONLY)
        for _ in range(18):
            os.mkdir("d" * 250, dir_fd=fd)
            fd, parent = os.open("d" * 250, os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
        os.close(fd)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in secret_files([tmp_path]))
    assert files == ["a/.env", "b/.env"]


def test_credentials_named_the_ways_tools_read_them() -> None:
    # psql reads PGPASSWORD, mysql MYSQL_PWD, sshpass -e SSHPASS.
    env = {
        "PGPASSWORD": "pg-password-1",
        "MYSQL_PWD": "mysql-password-1",
        "SSHPASS": "ssh-password-1",
        "CI_JOB_JWT": "eyJhbGciOiJIUzI1NiJ9",
        "DBPASSWD": "db-password-1",
        "PWD": "/work",
        "OLDPWD": "/home/user",
        "PROXY_BYPASS": "localhost,127.0.0.1",
        "COMPASS_HOME": "/opt/compass",
        "PASSENGER_ROOT": "/opt/passenger",
    }
    clean, values = scrub_environment(env)
    assert clean == {
        "PWD": "/work", "OLDPWD": "/home/user", "PROXY_BYPASS": "localhost,127.0.0.1",
        "COMPASS_HOME": "/opt/compass", "PASSENGER_ROOT": "/opt/passenger",
    }  # fmt: skip
    assert sorted(values) == [
        "db-password-1", "eyJhbGciOiJIUzI1NiJ9", "mysql-password-1", "pg-password-1",
        "ssh-password-1",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("postgres://app:s3cret-pw@db:5432/app", ["s3cret-pw"]),
        ("mysql://root:p@ss@word@localhost/x", ["p@ss@word"]),  # an unencoded "@"
        ("amqp://u:p%40ss%2Fw0rd@mq/", ["p%40ss%2Fw0rd", "p@ss/w0rd"]),
        ("git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r",
         ["ghp_16C7e42F292c6912E7710c838347Ae178B4a"]),
        ('url = "https://x-access-token:ghs_abcdef123456@host/r.git"', ["ghs_abcdef123456"]),
        # A login name, a scheme-less ssh address, a URL without user info: nothing.
        ("ssh://git@github.com/o/r.git https://jonathan-smith-the-third@host/r", []),
        ("git@github.com:o/r.git see https://example.com/a@b redis://localhost:6379/0", []),
        ("https://user:@host/ mailto:ada@example.com", []),
        # A user part is a token from 20 characters of letters and digits.
        ("https://abcdefghij0123456789@h/ https://abcdefghij012345678@h/",
         ["abcdefghij0123456789"]),
        ("https://abcdefghijklmnopqrstuvwxyz@h/ https://01234567890123456789@h/", []),
    ],
)  # fmt: skip
def test_credentials_in_urls(text: str, found: list[str]) -> None:
    assert url_credentials(text) == found


def test_a_url_with_a_password_in_the_environment_is_a_credential() -> None:
    env = {
        "DATABASE_URL": "postgres://app:db-password-9@db/app",
        "CELERY_BROKER": "amqp://guest:rabbit-pass-1@mq//",
        "REDIS_URL": "redis://localhost:6379/0",
        "HOMEPAGE": "https://example.com/~ada",
        "https_proxy": "http://ada:proxy-pass-7@proxy:3128",
        "NO_PROXY": "localhost",
    }
    clean, values = scrub_environment(env)
    # The proxy keeps working (commands need it); its password is still redacted.
    assert clean == {
        "REDIS_URL": "redis://localhost:6379/0", "HOMEPAGE": "https://example.com/~ada",
        "https_proxy": "http://ada:proxy-pass-7@proxy:3128", "NO_PROXY": "localhost",
    }  # fmt: skip
    assert {"db-password-9", "rabbit-pass-1", "proxy-pass-7"} <= set(values)
    assert "redis://localhost:6379/0" not in values and "ada" not in values
    redact = Redactor(values)
    # The whole value is a secret; the password alone too.
    assert redact("psql postgres://app:db-password-9@db/app") == f"psql {REDACTED}"
    assert redact("PASSWORD=db-password-9") == f"PASSWORD={REDACTED}"
    assert redact("proxy http://ada:proxy-pass-7@proxy:3128") == (
        f"proxy http://ada:{REDACTED}@proxy:3128"
    )


def test_commented_out_assignments_in_a_secret_file_are_secrets() -> None:
    text = (
        "# rotated 2026-01; the old one still works for the batch jobs\n"
        "#OLD_API_KEY=sk-old-but-live-42\n"
        "# export LEGACY_TOKEN='legacy-token-77'\n"
        "## db.password: commented-db-pw\n"
        "# Note: rotate-quarterly\n"  # prose with a colon, not a credential name
        "# see https://wiki.example.com/secrets-policy\n"
        "# DATABASE_URL=postgres://app:hidden-pw-3@db/app\n"
        "#PREVIOUS=any-assignment-9\n"  # NAME=value counts whatever the name
        "# client-secret: dashed-secret-4\n"  # "name: value" when the name says so
        "# api.key: dotted-key-5\n"
        "# route: not-a-secret-6\n"
        "API_KEY=current-key-123\n"
    )
    values = text_secrets(text)
    found = {"sk-old-but-live-42", "legacy-token-77", "commented-db-pw", "current-key-123",
             "hidden-pw-3", "any-assignment-9", "dashed-secret-4", "dotted-key-5"}  # fmt: skip
    assert found <= set(values)
    assert "not-a-secret-6" not in values
    assert not [v for v in values if "rotate" in v or "wiki" in v or "batch" in v]


def test_credentials_in_the_git_config(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    config = [
        ("remote.origin.url", "https://x-access-token:ghs_remote9Token42@github.com/o/r.git"),
        ("remote.mirror.pushurl", "https://ada:mirror-pass-5@git.example.com/r.git"),
        ("remote.plain.url", "https://github.com/o/r.git"),
        ("http.https://git.example.com.extraHeader", "Authorization: Bearer header-token-8"),
        ("github.token", "gh-config-token-6"),
        ("hub.oauthtoken", "8charTok"),  # as short as a secret may be
        ("user.name", "Ada Lovelace-Byron"),
        ("alias.pull-mirror", "!git pull https://ada:multi-line-pw-4@git.example.com/r\necho"),
        ("sendemail.smtppass", "short"),  # too short to hide
    ]
    for key, value in config:
        subprocess.run(["git", "config", key, value], cwd=ws, check=True)
    with (ws / ".git" / "config").open("ab") as handle:  # not UTF-8: read anyway
        handle.write(b'[branch "caf\xe9"]\n\tdescription = caf\xe9\n')
    assert sorted(config_secrets(ws)) == [
        "8charTok", "gh-config-token-6", "ghs_remote9Token42", "header-token-8",
        "mirror-pass-5", "multi-line-pw-4",
    ]  # fmt: skip
    out = subprocess.run(
        ["git", "remote", "-v"], cwd=ws, capture_output=True, text=True, check=True
    ).stdout
    shown = Redactor(collect_secrets([ws], env={}))(out)
    assert "ghs_remote9Token42" not in shown and "mirror-pass-5" not in shown
    assert "https://github.com/o/r.git" in shown and "origin\thttps://x-access-token:" in shown
    assert config_secrets(tmp_path) == []  # not a repository
