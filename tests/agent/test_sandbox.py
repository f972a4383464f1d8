"""The bubblewrap sandbox through the Bash tool: what exists inside, what is writable,
the environment, the network, plan mode, settings. bubblewrap is required (these fail
without it; ``.ci/run`` installs it)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.permissions import Permissions
from agent.sandbox import Sandbox, SandboxSettings, load_sandbox_settings
from agent.settings import Settings
from agent.tools import BashTool, default_tools
from agent.types import ToolContext
from tests.agent.tools_helpers import call, make_ctx, text_of

KEY = "sk-ant-sandbox-test-9f8e7d6c5b4a"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = (tmp_path / "ws").resolve()
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("x = 1\n")
    (root / ".env").write_text("TOKEN=abcdefgh12345678\n")
    (root / "keys").mkdir()
    (root / "keys" / "deploy.pem").write_text("-----BEGIN KEY-----\nAAAA\n")
    (tmp_path / "outside.txt").write_text("outside\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


@pytest.fixture
def sandbox(ws: Path) -> Iterator[Sandbox]:
    box = Sandbox(SandboxSettings(), [ws])
    assert box.active, f"{box.reason}: install bubblewrap (.ci/run does)"
    yield box
    box.close()


@pytest.fixture
def tctx(ws: Path) -> ToolContext:
    return make_ctx(ws)


async def run(box: Sandbox, ctx: ToolContext, command: str) -> str:
    return text_of(await call(BashTool(box), ctx, command=command))


async def test_only_the_workspace_and_the_system_exist(
    sandbox: Sandbox, tctx: ToolContext, ws: Path
) -> None:
    assert await run(sandbox, tctx, "cat src/a.py") == "x = 1"
    assert "No such file" in await run(sandbox, tctx, "cat ../outside.txt")
    assert await run(sandbox, tctx, "ls ..") == "ws"
    assert "No such file" in await run(sandbox, tctx, "ls /work /home/nobody 2>&1; true")
    assert await run(sandbox, tctx, "test -x /usr/bin/env && echo system") == "system"


async def test_secrets_are_empty_and_protected_paths_read_only(
    sandbox: Sandbox, tctx: ToolContext, ws: Path
) -> None:
    assert await run(sandbox, tctx, "cat .env keys/deploy.pem; echo end") == "end"
    out = await run(sandbox, tctx, "echo x >> .git/config; echo y > .git/hooks/pre-push")
    assert out.count("Read-only file system") == 2
    assert "fsmonitor" not in (ws / ".git" / "config").read_text()
    assert not (ws / ".git" / "hooks" / "pre-push").exists()
    assert (ws / ".env").read_text() == "TOKEN=abcdefgh12345678\n"
    out = await run(sandbox, tctx, "mkdir .claude && echo '{}' > .claude/settings.json; ls -a")
    assert ".claude" in out and "Removed .claude" in out
    assert not (ws / ".claude").exists()


async def test_the_workspace_is_writable_and_tmp_is_private(
    sandbox: Sandbox, tctx: ToolContext, ws: Path
) -> None:
    marker = f"claude-lsp-test-{os.getpid()}"
    await run(sandbox, tctx, f"echo made > new.txt; touch /tmp/{marker}; echo x > ../escape")
    assert (ws / "new.txt").read_text() == "made\n"
    assert not Path("/tmp", marker).exists()
    assert not (ws.parent / "escape").exists()


async def test_plan_mode_makes_nothing_writable(
    sandbox: Sandbox, tctx: ToolContext, ws: Path
) -> None:
    Permissions("plan", Settings(), [ws], sandbox=sandbox)
    assert sandbox.mode == "plan"
    out = await run(sandbox, tctx, "touch made.txt; sed -i s/1/2/ src/a.py; cat src/a.py")
    assert "Read-only file system" in out and out.endswith("x = 1")
    assert not (ws / "made.txt").exists()


async def test_credentials_are_not_in_the_environment_or_proc(
    sandbox: Sandbox, tctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_sandboxtesttoken123456")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "kept")
    out = await run(sandbox, tctx, "env; cat /proc/1/environ /proc/1/cmdline | tr '\\0' '\\n'")
    assert KEY not in out and "ghp_sandbox" not in out
    assert "GIT_AUTHOR_NAME=kept" in out
    assert await run(sandbox, tctx, "ls /proc | grep -c '^[0-9]'") in ("1", "2", "3", "4")


async def test_network_is_off_unless_allowed(ws: Path, tctx: ToolContext) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    probe = f"exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected || echo refused"
    try:
        closed = Sandbox(SandboxSettings(), [ws])
        assert "refused" in await run(closed, tctx, probe)
        opened = Sandbox(SandboxSettings(network=True), [ws])
        assert "connected" in await run(opened, tctx, probe)
    finally:
        server.close()


async def test_excluded_commands_run_outside(ws: Path, tctx: ToolContext) -> None:
    box = Sandbox(SandboxSettings(excluded_commands=("cat",)), [ws])
    assert box.excluded("cat ../outside.txt") and not box.excluded("ls")
    assert await run(box, tctx, "cat ../outside.txt") == "outside"
    p = Permissions("default", Settings(), [ws], sandbox=box)
    tool = BashTool(box)
    assert p.decide(tool, {"command": "cat ../outside.txt"})[0] == "ask"
    assert p.decide(tool, {"command": "make"})[0] == "allow"


def test_permissions_inside_and_outside_the_sandbox(sandbox: Sandbox, ws: Path) -> None:
    tools = {t.name: t for t in default_tools(sandbox)}
    boxed = Permissions("default", Settings(deny=["Bash(rm:*)"]), [ws], sandbox=sandbox)
    bare = Permissions("default", Settings(), [ws])
    for command in ("make", "npm test", "git branch -D x", "echo $HOME"):
        assert boxed.decide(tools["Bash"], {"command": command})[0] == "allow", command
    assert bare.decide(tools["Bash"], {"command": "make"})[0] == "ask"
    assert boxed.decide(tools["Bash"], {"command": "rm -rf src"})[0] == "deny"
    assert boxed.decide(tools["Bash"], {"command": "cat .env"})[0] == "deny"
    no_auto = Sandbox(SandboxSettings(auto_allow=False), [ws])
    asking = Permissions("default", Settings(), [ws], sandbox=no_auto)
    assert asking.decide(tools["Bash"], {"command": "make"})[0] == "ask"


def test_an_unusable_bwrap_turns_the_sandbox_off(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_LSP_BWRAP", str(ws / "missing-bwrap"))
    box = Sandbox(SandboxSettings(), [ws])
    assert not box.active and "not found" in box.reason
    assert "no OS sandbox" in box.describe()
    assert not Sandbox(SandboxSettings(enabled=False), [ws]).active


def test_settings_follow_claude_code(tmp_path: Path) -> None:
    user = tmp_path / "user.json"
    project = tmp_path / "project.json"
    user.write_text(json.dumps({"sandbox": {"enabled": True, "excludedCommands": ["docker"]}}))
    project.write_text(
        json.dumps(
            {
                "sandbox": {
                    "autoAllowBashIfSandboxed": False,
                    "excludedCommands": ["podman:*"],
                    "network": {"allowedDomains": ["*"]},
                    "filesystem": {"allowWrite": ["~/.cache/pip"], "allowRead": ["/srv"]},
                    "failIfUnavailable": "yes",
                }
            }
        )
    )
    settings = load_sandbox_settings([user, project])
    assert settings.enabled and not settings.auto_allow and settings.network
    assert settings.excluded_commands == ("docker", "podman:*")
    assert settings.allow_write == ("~/.cache/pip",) and settings.allow_read == ("/srv",)
    assert not settings.fail_if_unavailable and any(
        "failIfUnavailable" in w for w in settings.warnings
    )
    project.write_text(json.dumps({"sandbox": {"network": {"allowedDomains": ["github.com"]}}}))
    narrowed = load_sandbox_settings([project])
    assert not narrowed.network and narrowed.allowed_domains == ("github.com",)


async def test_allow_write_and_tool_folders(
    tmp_path: Path, ws: Path, tctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_bin = Path(sys.executable).parent  # a virtual environment on PATH is shown
    monkeypatch.setenv("PATH", f"{venv_bin}{os.pathsep}{os.environ['PATH']}")
    cache = tmp_path / "cache"
    cache.mkdir()
    box = Sandbox(SandboxSettings(allow_write=(str(cache),)), [ws])
    assert await run(box, tctx, f"echo hit > {cache}/x && cat {cache}/x") == "hit"
    assert "Python 3." in await run(box, tctx, f"{sys.executable} --version")


async def test_a_linked_worktree_can_read_its_repository(tmp_path: Path) -> None:
    main, linked = tmp_path / "main", tmp_path / "linked"
    main.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=main, check=True)
    (main / "a.txt").write_text("a\n")
    subprocess.run([*git, "add", "-A"], cwd=main, check=True)
    subprocess.run([*git, "commit", "-qm", "first"], cwd=main, check=True)
    subprocess.run([*git, "worktree", "add", "-q", "-b", "side", str(linked)], cwd=main, check=True)
    box = Sandbox(SandboxSettings(), [linked])
    ctx = make_ctx(linked)
    assert (await run(box, ctx, "git log --oneline -1")).endswith("first")
    assert "Read-only" in await run(box, ctx, "echo x >> ../main/.git/config; ls ../main")
    assert "a.txt" not in await run(box, ctx, "ls -a ../main")  # only its .git is shown
