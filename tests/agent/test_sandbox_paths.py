"""Which folders outside the workspace a sandboxed command sees: the tools on PATH
(a virtual environment and the Python it was made from, a version manager's shims),
``allowRead`` / ``allowWrite``; and never the home folder, a folder holding the
workspace, or what a command-written ``pyvenv.cfg`` names (bubblewrap required)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from agent.permissions import Permissions
from agent.sandbox import Sandbox, SandboxSettings
from agent.settings import Settings
from agent.tools import BashTool
from tests.agent.tools_helpers import call, make_ctx, text_of


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/home (with a key and the project ws), tmp/tools (Pythons, a venv, shims)."""
    tmp = tmp_path.resolve()
    (tmp / "home" / ".ssh").mkdir(parents=True)
    (tmp / "home" / ".ssh" / "id_ed25519").write_text("PRIVATE KEY\n")
    (tmp / "home" / ".local" / "lib" / "python3.99" / "site-packages").mkdir(parents=True)
    (tmp / "home" / "ws").mkdir()
    for python in ("py", "py=2"):
        (tmp / "tools" / python / "lib" / "python3.99").mkdir(parents=True)
        (tmp / "tools" / python / "lib" / "python3.99" / "os.py").write_text("# stdlib\n")
        (tmp / "tools" / python / "bin").mkdir()
    framework = tmp / "tools" / "brew" / "Frameworks" / "Python.framework" / "Versions"
    (framework / "3.99" / "lib" / "python3.99").mkdir(parents=True)
    (framework / "3.99" / "lib" / "python3.99" / "os.py").write_text("# macOS stdlib\n")
    (tmp / "tools" / "brew" / "bin").mkdir()
    for venv, home in (("venv", "py/bin"), ("venv2", "py=2"), ("venv3", "brew/bin")):
        (tmp / "tools" / venv / "bin").mkdir(parents=True)
        (tmp / "tools" / venv / "pyvenv.cfg").write_text(f"x = y\nhome = {tmp / 'tools' / home}\n")
    (tmp / "tools" / "pyenv" / "shims").mkdir(parents=True)
    (tmp / "tools" / "pyenv" / "versions").mkdir()
    (tmp / "tools" / "other").mkdir()
    return tmp


async def run(box: Sandbox, ws: Path, command: str, path: str) -> str:
    ctx = make_ctx(ws)
    old = os.environ["PATH"]
    os.environ["PATH"] = path
    try:
        return text_of(await call(BashTool(box), ctx, command=command))
    finally:
        os.environ["PATH"] = old


def sandbox(tree: Path, settings: SandboxSettings | None = None) -> Sandbox:
    box = Sandbox(settings or SandboxSettings(), [tree / "home" / "ws"], home=tree / "home")
    assert box.active, f"{box.reason}: install bubblewrap (.ci/run does)"
    return box


def tool_binds(box: Sandbox, ws: Path, env: Mapping[str, str]) -> list[str]:
    """The bwrap arguments between the private /tmp and the workspace: the tool folders."""
    argv = box.prepare("/bin/sh", "true", ws, env).argv
    start = argv.index("--tmpfs") + 2
    return argv[start : argv.index(str(ws)) - 1]


async def test_a_venv_its_python_and_shims_are_shown_read_only(tree: Path) -> None:
    tools = tree / "tools"
    venvs = [f"{tools}/venv/bin", f"{tools}/venv2/bin", f"{tools}/venv3/bin"]
    path = os.pathsep.join([*venvs, f"{tools}/pyenv/shims", "/usr/bin", "/bin"])
    box = sandbox(tree)
    ws = tree / "home" / "ws"
    out = await run(box, ws, f"ls {tools}; cat {tools}/py=2/lib/python3.99/os.py", path)
    assert out.splitlines() == ["brew", "py", "py=2", "pyenv", "venv", "venv2", "venv3", "# stdlib"]
    out = await run(box, ws, f"touch {tools}/venv/bin/x {tools}/py/x; ls {tools}/pyenv", path)
    assert out.count("Read-only file system") == 2 and out.endswith("shims\nversions")
    box.close()


async def test_the_home_folder_and_what_holds_the_workspace_are_never_shown(
    tree: Path,
) -> None:
    home, ws = tree / "home", tree / "home" / "ws"
    (tree / "file-on-path").write_text("")
    for entry in (str(home), str(tree), "/", "relative/bin", str(tree / "file-on-path"), ""):
        path = os.pathsep.join([entry, "/usr/bin", "/bin"])
        out = await run(sandbox(tree), ws, f"ls {home}/.ssh {tree}/tools; ls .. 2>&1", path)
        assert "id_ed25519" not in out and "No such file" in out, entry
        assert out.endswith("ws"), entry


async def test_a_venv_written_by_a_command_cannot_show_other_folders(tree: Path) -> None:
    """Escape fixed: a ``pyvenv.cfg`` in the workspace (commands can write it) whose
    ``home`` named ``~/.ssh`` showed that folder to the next session's commands."""
    ws = tree / "home" / "ws"
    (ws / ".venv" / "bin").mkdir(parents=True)
    path = os.pathsep.join([f"{ws}/.venv/bin", "/usr/bin", "/bin"])
    for home in (tree / "home" / ".ssh", tree / "home" / ".local" / "bin"):
        (ws / ".venv" / "pyvenv.cfg").write_text(f"home = {home}\n")
        shown = home.parent if home.name == "bin" else home  # what it would have shown
        out = await run(sandbox(tree), ws, f"ls {shown}", path)
        assert "No such file" in out, home


def test_system_folders_and_folders_inside_shown_ones_add_nothing(tree: Path) -> None:
    box = sandbox(tree)
    ws = tree / "home" / "ws"
    system = "/usr/local/bin:/usr/bin:/bin:/sbin:/usr"
    assert tool_binds(box, ws, {"PATH": system}) == []
    a = tree / "tools" / "other"
    (a / "bin").mkdir()
    nested = {"PATH": f"{a}/bin:{a}:{system}"}
    assert tool_binds(box, ws, nested) == ["--ro-bind", str(a), str(a)]
    (tree / "file-on-path").write_text("")
    odd = os.pathsep.join([".", str(tree / "file-on-path"), "relative", str(a)])
    assert tool_binds(box, ws, {"PATH": odd}) == ["--ro-bind", str(a), str(a)]
    assert tool_binds(box, ws, {}) == []  # no PATH at all
    broken = tree / "tools" / "broken"
    (broken / "bin").mkdir(parents=True)
    (broken / "pyvenv.cfg").write_bytes(b"home = \n")  # no home: the venv alone
    assert tool_binds(box, ws, {"PATH": f"{broken}/bin"}) == ["--ro-bind", str(broken), str(broken)]


async def test_allow_read_and_allow_write(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, ws = tree / "home", tree / "home" / "ws"
    monkeypatch.setenv("HOME", str(home))
    (home / "docs").mkdir()
    (home / "docs" / "a.txt").write_text("doc\n")
    (home / "cache").mkdir()
    (home / "shared").mkdir()
    settings = SandboxSettings(
        allow_read=("~/docs", "~/missing"), allow_write=("~/cache", "../shared", "~/gone")
    )
    box = sandbox(tree, settings)
    path = os.environ["PATH"]
    out = await run(box, ws, "cat ~/docs/a.txt; echo x > ~/docs/b.txt", path)
    assert out.startswith("doc\n") and "Read-only file system" in out
    out = await run(box, ws, "echo c > ~/cache/c.txt && echo s > ../shared/s.txt && echo ok", path)
    assert out == "ok" and (home / "cache" / "c.txt").read_text() == "c\n"
    assert (home / "shared" / "s.txt").read_text() == "s\n"
    Permissions("plan", Settings(), [ws], sandbox=box)
    out = await run(box, ws, "echo p > ~/cache/p.txt; ls ~/docs", path)
    assert "No such file" in out and out.endswith("a.txt")
    assert not (home / "cache" / "p.txt").exists()
    box.close()


def test_the_home_folder_and_slash_are_never_shown_even_without_a_root_inside(
    tree: Path,
) -> None:
    tools = tree / "tools"
    elsewhere = Sandbox(SandboxSettings(), [tree / "home" / "ws"], home=tools)
    assert tool_binds(elsewhere, tree / "home" / "ws", {"PATH": str(tools)}) == []
    rootless = Sandbox(SandboxSettings(), [], home=tree / "home")
    argv = rootless.prepare("/bin/sh", "true", tree, {"PATH": "/"}).argv
    assert not any(argv[i : i + 3] == ["--ro-bind", "/", "/"] for i in range(len(argv)))
