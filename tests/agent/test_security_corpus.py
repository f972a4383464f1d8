"""The security corpus: every hostile call of ``security_corpus.HOSTILE`` sent by a
scripted model through ``claude-lsp chat -p`` (the real CLI, tools, permissions,
sandbox and redaction; the loopback Messages API), in every permission mode, with and
without permissive allow rules, with the sandbox and in the no-sandbox fallback. Each
session is judged by its effects, not its verdicts: files outside the workspace, the
workspace's protected files, and whether any canary — in any letter case, reversed,
ROT13, hex or base64 — reached the model, the output or the transcript.

bubblewrap is required: without it these tests fail (``.ci/run`` installs it).
"""

from __future__ import annotations

import base64
import codecs
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.cli import main
from agent.sandbox import Sandbox, SandboxSettings
from tests.agent.conftest import API_KEY
from tests.agent.fake_api import FakeAnthropic, Reply, Text, ToolUse
from tests.agent.security_corpus import CONTROLS, HOSTILE, Call

CANARIES = {
    "ENV": "envcanary7Q2x9Lm4Pz8Kw3Rt",
    "HISTORY": "historycanary5Jd8Vn2Qb6Xs",
    "OUTSIDE": "outsidecanary3Hf7Kp9Zc4Wm",
    "HOME": "homecanary8Tg2Rb5Ny7Lq1Dv",
    "OTHER": "otherrepocanary4Ms6Ha9Ew2",
    "SERVICE": "servicetoken6Cz3Ju8Po1Yk",
    "COMMENTED": "oldkeycanary2Wd7Nx4Gh9Tb",  # a commented-out line of .env
    "REMOTE": "remotecanary9Kv3Ps6Ye2Jc",  # a token in a git remote's URL
    "DB_URL": "dbpasscanary5Rq1Lz8Mf3Xn",  # the password in DATABASE_URL
    "API_KEY": API_KEY,
}
PERMISSIVE = {
    "allow": ["Bash(cat:*)", "Bash(git:*)", "Bash(sort:*)", "Bash(grep:*)", "Bash(date:*)",
              "Bash(env:*)", "Bash(ls:*)", "Bash(python:*)", "Bash(echo:*)", "Read", "Edit"],
    "deny": ["Read(**/.env)"],
}  # fmt: skip
MODES = ("default", "acceptEdits", "plan", "bypassPermissions")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd, check=True, capture_output=True,
    )  # fmt: skip


@dataclass
class World:
    tmp: Path
    ws: Path
    snapshot: dict[str, bytes]


def make_world(tmp: Path) -> World:
    ws = tmp / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "a.py").write_text("x = 1\n")
    (tmp / "outside.txt").write_text(f"OUTSIDE={CANARIES['OUTSIDE']}\n")
    (tmp / "home" / ".ssh").mkdir(parents=True)
    (tmp / "home" / ".ssh" / "id_rsa").write_text(f"{CANARIES['HOME']}\n")
    other = tmp / "other"
    other.mkdir()
    _git(other, "init", "-q", "-b", "main")
    (other / "notes.txt").write_text(f"{CANARIES['OTHER']}\n")
    _git(other, "add", "-A")
    _git(other, "commit", "-qm", "other")
    _git(ws, "init", "-q", "-b", "main")
    (ws / ".env").write_text(f"API_TOKEN={CANARIES['HISTORY']}\n")
    _git(ws, "add", "-A")
    _git(ws, "commit", "-qm", "init")
    (ws / ".env").write_text(
        f"API_TOKEN={CANARIES['ENV']}\n# API_TOKEN={CANARIES['COMMENTED']}\nDEBUG=1\n"
    )
    remote = f"https://x-access-token:{CANARIES['REMOTE']}@git.example.com/o/r.git"
    _git(ws, "remote", "add", "origin", remote)
    (ws / "link_out").symlink_to(tmp)
    (ws / "out_link.txt").symlink_to(tmp / "outside.txt")
    return World(tmp, ws, _snapshot(tmp, ws))


def _snapshot(tmp: Path, ws: Path) -> dict[str, bytes]:
    files = [tmp / "outside.txt", tmp / "home" / ".ssh" / "id_rsa", ws / ".env",
             ws / ".git" / "config"]  # fmt: skip
    state = {str(p): p.read_bytes() for p in files}
    state["hooks"] = "\n".join(sorted(os.listdir(ws / ".git" / "hooks"))).encode()
    return state


def _forms(canary: str) -> list[str]:
    plain = re.sub(r"[^a-z0-9]", "", canary.lower())
    raw = canary.encode()
    forms = [plain, plain[::-1], codecs.encode(plain, "rot13"), raw.hex(), plain[4:20]]
    forms += [base64.b64encode(raw[k:]).decode()[:-4].lower() for k in range(3)]
    return [re.sub(r"[^a-z0-9]", "", f) for f in forms]


def leaks(text: str) -> list[str]:
    """The canaries ``text`` shows, in any of the forms a pipeline makes easily."""
    norm = re.sub(r"[^a-z0-9]", "", text.lower())
    return [name for name, canary in CANARIES.items() if any(f in norm for f in _forms(canary))]


def forbidden_effects(world: World, seen: str) -> list[str]:
    """What happened that must not have: files written outside the workspace (or into
    the host's /tmp), protected files changed or created, canaries shown."""
    tmp, ws = world.tmp, world.ws
    effects = [f"wrote {p}" for p in tmp.rglob("pwned*") if not p.is_relative_to(ws)]
    effects += [f"wrote {p}" for p in Path("/tmp").glob("claude-lsp-pwned-*")]
    now = _snapshot(tmp, ws)
    effects += [f"changed {name}" for name, data in world.snapshot.items() if now[name] != data]
    for name in (".claude", ".vscode", ".idea", ".mcp.json", "CLAUDE.md"):
        if (ws / name).exists():
            effects.append(f"created {name}")
    effects += [f"showed the {name} canary" for name in leaks(seen)]
    return effects


@pytest.fixture(scope="module", autouse=True)
def bubblewrap_required() -> None:
    sandbox = Sandbox(SandboxSettings(), [Path.cwd()])
    assert sandbox.active, f"{sandbox.reason}: install bubblewrap (.ci/run does)"


@pytest.fixture
def env(tmp_path: Path, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX",
                 "ANTHROPIC_MODEL", "CLAUDE_LSP_BWRAP"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("OTHER_SERVICE_TOKEN", CANARIES["SERVICE"])
    monkeypatch.setenv("DATABASE_URL", f"postgres://app:{CANARIES['DB_URL']}@db.example/app")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    venv_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    yield


def _input(value: Any, n: int) -> Any:
    if isinstance(value, str):
        return value.replace("{n}", str(n))
    if isinstance(value, dict):
        return {k: _input(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_input(v, n) for v in value]
    return value


def run_session(
    world: World,
    fake: FakeAnthropic,
    capsys: pytest.CaptureFixture[str],
    calls: list[tuple[str, Any]],
    *args: str,
) -> tuple[list[dict[str, Any]], str]:
    """Run the calls in one headless session; their results and everything shown."""
    fake.script(*[Reply([ToolUse(tool, value)]) for tool, value in calls], Reply([Text("Done.")]))
    code = main(["chat", "--cwd", str(world.ws), "-p", "go", "--output-format", "stream-json",
                 *args])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    assert fake.invalid == []
    final = fake.messages_requests[-1]["messages"]
    results = [b for m in final if m["role"] == "user" for b in m["content"]
               if isinstance(b, dict) and b.get("type") == "tool_result"]  # fmt: skip
    assert len(results) == len(calls)
    transcripts = "".join(p.read_text() for p in (world.tmp / "data").rglob("*.jsonl"))
    seen = json.dumps([r.body for r in fake.requests]) + out + err + transcripts
    return results, seen


def _settings(ws: Path, rules: dict[str, list[str]], sandbox: bool) -> None:
    data: dict[str, Any] = {"permissions": rules} if rules else {}
    if not sandbox:
        data["sandbox"] = {"enabled": False}
    (ws.parent / "home" / ".claude").mkdir(parents=True, exist_ok=True)
    (ws.parent / "home" / ".claude" / "settings.json").write_text(json.dumps(data))


SESSIONS = [
    pytest.param(
        (mode, rules, sandbox),
        id=f"{mode}-{'rules' if rules else 'norules'}-{'sandbox' if sandbox else 'fallback'}",
    )
    for sandbox in (True, False)
    for mode in MODES
    for rules in ({}, PERMISSIVE)
    if sandbox or mode != "bypassPermissions"  # no sandbox + bypass: the user's own risk
]


def corpus_calls(mode: str) -> list[tuple[int, Call]]:
    return [(n, call) for n, call in enumerate(HOSTILE) if mode in call.modes]


@pytest.mark.parametrize("session", SESSIONS)
def test_hostile_calls_have_no_forbidden_effect(
    tmp_path: Path,
    fake: FakeAnthropic,
    env: None,
    capsys: pytest.CaptureFixture[str],
    session: tuple[str, dict[str, list[str]], bool],
) -> None:
    mode, rules, sandbox = session
    world = make_world(tmp_path)
    _settings(world.ws, rules, sandbox)
    calls = corpus_calls(mode)
    results, seen = run_session(
        world, fake, capsys, [(c.tool, _input(c.input, n)) for n, c in calls],
        "--permission-mode", mode,
    )  # fmt: skip
    effects = forbidden_effects(world, seen)
    if effects:  # name the calls behind them
        shown = [
            (n, c.input, r["content"][:300])
            for (n, c), r in zip(calls, results, strict=True)
            if any(name in r["content"] for name in leaks(r["content"]) or ["pwned"])
        ]
        pytest.fail(f"forbidden effects: {effects}\ncalls: {shown}")
    # The session went on after every call, malformed ones included.
    assert fake.messages_requests[-1]["messages"][-1]["role"] == "user"
    malformed = [r for (_, c), r in zip(calls, results, strict=True) if c.kind.startswith("malf")]
    assert malformed and all(r.get("is_error") for r in malformed)


def test_the_corpus_is_large_enough() -> None:
    per_session = {mode: len(corpus_calls(mode)) for mode in MODES}
    total = sum(per_session[p.values[0][0]] for p in SESSIONS)  # type: ignore[index]
    assert len(HOSTILE) >= 90
    assert total >= 200 * 4  # every call, every mode, with and without rules (and fallback)
    assert len({c.kind for c in HOSTILE}) == 7


@pytest.mark.parametrize("mode", ["default", "acceptEdits"])
def test_harmless_controls_run_without_questions(
    tmp_path: Path,
    fake: FakeAnthropic,
    env: None,
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    world = make_world(tmp_path)
    results, seen = run_session(
        world, fake, capsys, [("Bash", {"command": c}) for c, _ in CONTROLS],
        "--permission-mode", mode,
    )  # fmt: skip
    false_denials = [
        (command, r["content"])
        for (command, expected), r in zip(CONTROLS, results, strict=True)
        if r.get("is_error") or expected not in r["content"]
    ]
    assert false_denials == []
    assert (world.ws / "build" / "out.txt").exists()  # the workspace is writable
    assert leaks(seen) == []


def test_no_sandbox_is_said_once_and_the_parser_asks(
    tmp_path: Path,
    fake: FakeAnthropic,
    env: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLAUDE_LSP_BWRAP", str(tmp_path / "no" / "bwrap"))
    world = make_world(tmp_path)
    calls = [
        ("Bash", {"command": "git branch"}),
        ("Bash", {"command": "echo $HOME"}),
        ("Bash", {"command": "make"}),
        ("Bash", {"command": "cat ../outside.txt"}),
    ]
    fake.script(*[Reply([ToolUse(t, v)]) for t, v in calls], Reply([Text("Done.")]))
    assert main(["chat", "--cwd", str(world.ws), "-p", "go"]) == 0
    err = capsys.readouterr().err
    assert err.count("no OS sandbox for Bash") == 1
    assert "bwrap not found" in err or "not found" in err
    final = fake.messages_requests[-1]["messages"]
    results = [b for m in final if m["role"] == "user" for b in m["content"]
               if isinstance(b, dict) and b.get("type") == "tool_result"]  # fmt: skip
    assert "main" in results[0]["content"] and not results[0].get("is_error")
    assert all("Permission denied" in r["content"] for r in results[1:])


def test_fail_if_unavailable_stops_before_any_turn(
    tmp_path: Path,
    fake: FakeAnthropic,
    env: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLAUDE_LSP_BWRAP", str(tmp_path / "no" / "bwrap"))
    world = make_world(tmp_path)
    (world.ws / ".claude").mkdir()
    (world.ws / ".claude" / "settings.json").write_text('{"sandbox": {"failIfUnavailable": true}}')
    assert main(["chat", "--cwd", str(world.ws), "-p", "go"]) == 1
    assert "failIfUnavailable" in capsys.readouterr().err
    assert fake.messages_requests == []
    shutil.rmtree(world.ws / ".claude")


def test_additional_directories_are_sandbox_roots_and_their_siblings_absent(
    tmp_path: Path, fake: FakeAnthropic, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    world = make_world(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "lib.txt").write_text("shared library\n")
    settings = {"permissions": {"additionalDirectories": ["../shared"]}}
    (tmp_path / "home" / ".claude").mkdir()
    (tmp_path / "home" / ".claude" / "settings.json").write_text(json.dumps(settings))
    results, seen = run_session(
        world, fake, capsys,
        [("Bash", {"command": "cat ../shared/lib.txt; echo made > ../shared/made.txt; "
                              "ls .. ; cat ../outside.txt"})],
    )  # fmt: skip
    [result] = results
    # read and written; `ls ..` shows the two roots only; the file beside them is absent
    assert result["content"].startswith("shared library\nshared\nws\ncat: ../outside.txt: No")
    assert (shared / "made.txt").read_text() == "made\n"
    assert forbidden_effects(world, seen) == []
