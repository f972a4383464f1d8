"""The sandbox as the user meets it: what it says it is (``describe``, the reason it is
off), which commands run outside, what a command may not leave behind, the private
``/tmp`` and ``TMPDIR``, the masking of ``/etc`` and of secret links, the proxy that
did not start, and the seatbelt command line on macOS (bubblewrap required)."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.permissions import Permissions
from agent.sandbox import Prepared, Sandbox, SandboxSettings
from agent.sandbox_system import etc_masked
from agent.seatbelt import profile
from agent.settings import Settings
from agent.tools import BashTool
from tests.agent.tools_helpers import call, make_ctx, text_of

NOTE = ": the command created it, and commands may not create protected paths"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = (tmp_path / "ws").resolve()
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "claude.md").write_text("rules\n")
    (root / ".env").write_text("TOKEN=abcdefgh12345678\n")
    (tmp_path / "outside.env").write_text("TOKEN=outside12345678\n")
    return root


@pytest.fixture
def box(ws: Path) -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxSettings(), [ws])
    assert sandbox.active, f"{sandbox.reason}: install bubblewrap (.ci/run does)"
    yield sandbox
    sandbox.close()


async def run(box: Sandbox, ws: Path, command: str) -> str:
    return text_of(await call(BashTool(box), make_ctx(ws), command=command))


def test_describe_says_what_the_network_is(ws: Path) -> None:
    def said(**settings: object) -> str:
        return Sandbox(SandboxSettings(**settings), [ws]).describe()  # type: ignore[arg-type]

    assert said() == "Bash runs in a bubblewrap sandbox (no network)"
    assert said(network=True) == "Bash runs in a bubblewrap sandbox (network on)"
    assert said(allowed_domains=("pypi.org", "*.github.com")) == (
        "Bash runs in a bubblewrap sandbox (network only to pypi.org, *.github.com)"
    )
    assert said(enabled=False) == (
        "no OS sandbox for Bash (sandbox.enabled is false in the settings)"
    )


async def test_a_proxy_that_cannot_start_leaves_the_network_off_and_says_so(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    deep = tmp_path / ("d" * 120)  # a Unix socket path longer than 108 bytes
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    box = Sandbox(SandboxSettings(allowed_domains=("localhost",)), [ws])
    probe = "exec 3<>/dev/tcp/127.0.0.1/9 && echo connected || echo refused; echo $HTTP_PROXY."
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-proxy-test-0123456789")
    (ws / "CLAUDE.local.md").symlink_to("docs/claude.md")
    undo = "rm CLAUDE.local.md; touch CLAUDE.md CLAUDE.local.md; env | grep -c sk-ant-proxy"
    with caplog.at_level(logging.WARNING, logger="agent.sandbox"):
        first = await run(box, ws, f"{undo}; {probe}")  # the command that found out
        assert (
            first.startswith("0\n") and "refused\n.\nRemoved CLAUDE.md, CLAUDE.local.md:" in first
        )
        assert (await run(box, ws, "pwd; cat .env; echo end")) == f"{ws}\nend"
        assert (await run(box, ws, probe)).endswith("refused\n.")
    assert os.readlink(ws / "CLAUDE.local.md") == "docs/claude.md"
    problems = [r.getMessage() for r in caplog.records if "proxy did not start" in r.message]
    assert len(problems) == 1 and problems[0].startswith("sandbox: the network proxy did not")
    assert problems[0].endswith("; commands run without network")
    assert box.describe().startswith(
        "Bash runs in a bubblewrap sandbox (no network: the network proxy did not start ("
    )
    box.close()


def test_why_the_sandbox_is_off(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(name: str, script: str) -> str:
        path = tmp_path / name
        path.write_text(f"#!/bin/sh\n{script}\n")
        path.chmod(0o755 if name != "noexec" else 0o644)
        return str(path)

    for name, script, reason in (
        ("failing", "echo 'no user namespaces' >&2; exit 1", "cannot create a sandbox here (no"
         " user namespaces)"),
        ("silent", "exit 3", "cannot create a sandbox here (exit 3)"),
        ("noexec", "exit 0", "does not start ([Errno 13] Permission denied"),
    ):  # fmt: skip
        bwrap = fake(name, script)
        monkeypatch.setenv("CLAUDE_LSP_BWRAP", bwrap)
        off = Sandbox(SandboxSettings(), [ws])
        assert not off.active and off.reason.startswith(f"{bwrap} {reason}"), off.reason
    monkeypatch.setattr(sys, "platform", "freebsd14")
    assert Sandbox(SandboxSettings(), [ws]).reason == "no sandbox on freebsd14"
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert Sandbox(SandboxSettings(), [ws]).reason == "sandbox-exec not found"


async def test_the_bwrap_on_path_runs_else_the_systems(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug fixed: with no bwrap on the agent's PATH the probe (run with the system's
    PATH) passed, and then every command failed to start."""
    monkeypatch.delenv("CLAUDE_LSP_BWRAP", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    box = Sandbox(SandboxSettings(), [ws])
    assert box.active and await run(box, ws, "echo hi") == "hi"
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho not this one >&2; exit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}/usr/bin:/bin")
    assert Sandbox(SandboxSettings(), [ws]).reason == (
        f"{fake} cannot create a sandbox here (not this one)"
    )
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(os, "defpath", str(tmp_path / "nothing"))  # no bwrap at all
    assert Sandbox(SandboxSettings(), [ws]).reason == "bwrap not found (install bubblewrap)"


def test_seatbelt_runs_the_command_under_its_profile(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (ws / ".claude").symlink_to("docs")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sandbox-exec").write_text("#!/bin/sh\n")
    (bin_dir / "sandbox-exec").chmod(0o755)
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setenv("PATH", str(bin_dir))
    settings = SandboxSettings(allowed_domains=("pypi.org",))
    box = Sandbox(settings, [ws])
    assert box.kind == "seatbelt" and not box.filtering
    assert box.describe() == "Bash runs in a seatbelt sandbox (no network)"
    env = {"PATH": str(bin_dir), "ANTHROPIC_API_KEY": "sk-ant-x", "HOME": "/h"}
    prepared = box.prepare("/bin/zsh", "make", ws, env)
    text = profile([ws], True, settings, [bin_dir])
    assert prepared.argv == ["sandbox-exec", "-p", text, "/bin/zsh", "-c", "make"]
    assert f'(subpath "{ws}/.git/commondir")' in text  # where git would take its config
    assert prepared.env == {"PATH": str(bin_dir), "HOME": "/h", "TMPDIR": "/tmp"}
    assert [p.name for p in prepared.missing][-2:] == ["CLAUDE.md", "CLAUDE.local.md"]
    assert prepared.links == {ws / ".claude": "docs"}  # put back if the command replaces it
    Permissions("plan", Settings(), [ws], sandbox=box)
    planned = box.prepare("/bin/zsh", "make", ws, env)
    assert planned.argv[2] == profile([ws], False, settings, [bin_dir]) != text
    assert planned.missing == []


def test_excluded_commands(ws: Path) -> None:
    box = Sandbox(SandboxSettings(excluded_commands=("docker:*", "kubectl*", " npm run ")), [ws])
    for command in ("docker ps", "docker", "cd x && kubectl get pods", "npm run build"):
        assert box.excluded(command), command
    for command in ("dockerd", "echo docker ps", "npm install", "docker 'unterminated"):
        assert not box.excluded(command), command
    assert not Sandbox(SandboxSettings(), [ws]).excluded("docker ps")


async def test_protected_files_a_command_creates_are_removed(box: Sandbox, ws: Path) -> None:
    out = await run(box, ws, "echo x > CLAUDE.md; ln -s docs .claude; echo '{}' > .mcp.json")
    assert out == f"Removed .claude, .mcp.json, CLAUDE.md{NOTE} (use Write, which asks the user)."
    assert not any(os.path.lexists(ws / n) for n in ("CLAUDE.md", ".claude", ".mcp.json"))
    assert (ws / "docs" / "claude.md").read_text() == "rules\n"  # the link's target stays
    assert await run(box, ws, "echo y > CLAUDE.local.md") == f"Removed CLAUDE.local.md{NOTE}" + (
        " (use Write, which asks the user)."
    )


async def test_editor_settings_are_read_only_and_new_ones_removed(box: Sandbox, ws: Path) -> None:
    # VS Code runs a task marked runOn folderOpen, and the interpreter its settings name,
    # outside any sandbox; JetBrains its run configurations.
    (ws / ".vscode").mkdir()
    (ws / ".vscode" / "settings.json").write_text("{}\n")
    tasks = '{"tasks": [{"command": "touch ../pwned", "runOptions": {"runOn": "folderOpen"}}]}'
    out = await run(
        box,
        ws,
        f"echo '{tasks}' > .vscode/tasks.json; echo x >> .vscode/settings.json; "
        "mkdir -p .idea/runConfigurations && echo '<x/>' > .idea/runConfigurations/r.xml",
    )
    assert out.count("Read-only file system") == 2
    assert out.endswith(f"Removed .idea{NOTE} (use Write, which asks the user).")
    assert os.listdir(ws / ".vscode") == ["settings.json"]
    assert (ws / ".vscode" / "settings.json").read_text() == "{}\n"
    assert not (ws / ".idea").exists()


async def test_existing_protected_links_are_read_only_and_never_lead_outside(
    box: Sandbox, ws: Path, tmp_path: Path
) -> None:
    """Bug fixed: an absolute link (``CLAUDE.md`` -> ``docs/claude.md``) made bwrap fail
    for every command ("Can't create file"). And a command could replace a protected
    link with a file or folder of its own (``.claude/settings.json`` hooks run outside)."""
    (ws / ".claude").symlink_to(tmp_path / "outside.env")
    (ws / ".mcp.json").write_text("{}\n")
    (ws / "CLAUDE.md").symlink_to(ws / "docs" / "claude.md")
    (ws / "CLAUDE.local.md").symlink_to(ws / "docs" / "local.md")  # not there yet
    out = await run(box, ws, "cat .claude; echo a >> .mcp.json; echo b >> CLAUDE.md; cat CLAUDE.md")
    assert "outside12345678" not in out and "No such file" in out
    assert out.count("Read-only file system") == 2 and out.endswith("rules")
    assert (ws / ".mcp.json").read_text() == "{}\n"
    replace = "rm .claude CLAUDE.md && mkdir .claude && echo e > CLAUDE.md; echo l > docs/local.md"
    assert await run(box, ws, replace) == (
        f"Removed local.md, .claude, CLAUDE.md{NOTE} (use Write, which asks the user)."
    )
    assert os.readlink(ws / ".claude") == str(tmp_path / "outside.env")
    assert (ws / "CLAUDE.md").read_text() == "rules\n" and (ws / "CLAUDE.md").is_symlink()
    assert not (ws / "docs" / "local.md").exists()
    out = await run(box, ws, "rm CLAUDE.local.md && echo e > CLAUDE.local.md")  # the last one
    assert out.startswith("Removed CLAUDE.local.md:")
    assert os.readlink(ws / "CLAUDE.local.md") == str(ws / "docs" / "local.md")


def test_plan_mode_never_removes_what_the_user_writes_meanwhile(box: Sandbox, ws: Path) -> None:
    (ws / ".mcp.json").symlink_to(ws / "docs" / "claude.md")
    Permissions("plan", Settings(), [ws], sandbox=box)
    prepared = box.prepare("/bin/sh", "sleep 1", ws, dict(os.environ))
    (ws / "CLAUDE.md").write_text("written by the user in the editor\n")
    (ws / ".mcp.json").unlink()
    (ws / ".mcp.json").write_text("{}\n")  # the user made the link a file
    assert prepared.restore() == []
    assert (ws / "CLAUDE.md").exists() and (ws / ".mcp.json").read_text() == "{}\n"


async def test_tmp_is_private_and_tmpdir_points_there(
    box: Sandbox, ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    out = await run(box, ws, 'echo $TMPDIR; echo x > "$TMPDIR/f" && cat /tmp/f')
    assert out == "/tmp\nx"
    mounts = 'awk \'$5 == "/tmp" {sub(/.* - /, ""); print $1}\' /proc/self/mountinfo'
    assert await run(box, ws, mounts) == "tmpfs"  # its own, wherever the workspace is
    assert not (tmp_path / "f").exists()


async def test_etc_secrets_and_secret_links_are_empty_or_absent(
    box: Sandbox, ws: Path, tmp_path: Path
) -> None:
    (ws / ".env.local").symlink_to(tmp_path / "outside.env")  # a secret outside
    (ws / "notes.txt").symlink_to(ws / ".env")  # an innocent name for one inside
    out = await run(box, ws, "wc -c < /etc/shadow; ls -A /etc/ssl/private | wc -l; cat notes.txt")
    assert out == "0\n0"  # (and notes.txt reads empty)
    out = await run(box, ws, "test -e .env.local || echo absent; ls ..")
    assert out == "absent\nws"


def test_etc_files_shown_empty(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    for name in ("shadow", "sudoers", "ssh/ssh_host_ed25519_key", "ssh/ssh_host_rsa_key",
                 "ssh/ssh_host_rsa_key.pub", "ssh/sshd_config", "krb5.keytab", "passwd",
                 "ssl/certs/ca.pem"):  # fmt: skip
        (etc / name).parent.mkdir(parents=True, exist_ok=True)
        (etc / name).write_text("x")
    (etc / "ssl" / "private").mkdir()
    shown_empty = [Path(p).relative_to(etc).as_posix() for p in etc_masked(str(etc))]
    assert shown_empty == [
        "krb5.keytab", "shadow", "ssh/ssh_host_ed25519_key", "ssh/ssh_host_rsa_key",
        "ssl/private", "sudoers",
    ]  # fmt: skip


def test_closing_leaves_nothing_behind(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    box = Sandbox(SandboxSettings(allowed_domains=("localhost",)), [ws])
    box.prepare("/bin/sh", "true", ws, dict(os.environ))
    made = sorted(p.name.rsplit("-", 1)[0] for p in scratch.iterdir())
    assert made == ["claude-lsp-masked", "claude-lsp-masked", "claude-lsp-net"]
    modes = sorted(stat.S_IMODE(p.stat().st_mode) for p in scratch.glob("*masked*"))
    assert modes == [0o444, 0o555]  # the empty file and folder shown over secrets
    box.close()
    box.close()  # twice: nothing left to do
    assert list(scratch.iterdir()) == []
    again = Sandbox(SandboxSettings(), [ws])
    again.prepare("/bin/sh", "true", ws, dict(os.environ))
    for path in scratch.glob("*masked*"):  # a temp cleaner got there first
        if path.is_file():
            path.unlink()
    again.close()
    assert list(scratch.iterdir()) == []


def test_a_protected_folder_made_read_only_is_removed_all_the_same() -> None:
    """Escape fixed: a command that made its ``.claude`` folder read-only kept it (and
    its ``settings.json`` hooks, run outside), while the user was told it was removed.
    Permissions bind only a user other than root: as root, this runs as nobody."""
    work = Path(tempfile.mkdtemp(prefix="claude-lsp-test-", dir="/tmp"))
    work.chmod(0o777)
    claude = work / ".claude"
    as_root = os.geteuid() == 0
    try:
        if as_root:
            os.setegid(65534)
            os.seteuid(65534)
        (claude / "hooks").mkdir(parents=True)
        (claude / "settings.json").write_text("{}")
        (claude / "hooks" / "run.sh").write_text("")
        (work / "shared").mkdir(mode=0o755)
        (claude / "hooks" / "shared").symlink_to(work / "shared")  # left as it is
        (claude / "hooks").chmod(0o500)
        claude.chmod(0o500)
        assert Prepared([], {}, [claude]).restore() == [".claude"]
        assert not claude.exists()
        assert stat.S_IMODE((work / "shared").stat().st_mode) == 0o755
    finally:
        if as_root:
            os.seteuid(0)
            os.setegid(0)
        subprocess.run(["rm", "-rf", str(work)], check=False)
