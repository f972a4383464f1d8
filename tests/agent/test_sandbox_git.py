"""What a sandboxed command may do to git: git runs later outside the sandbox, with the
config, hooks and shared folder that ``.git`` names, so none of those may be written or
created inside, and a ``.git`` file may not show anything above the workspace
(bubblewrap required)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.sandbox import Sandbox, SandboxSettings
from agent.tools import BashTool
from tests.agent.tools_helpers import call, make_ctx, text_of

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]


async def run(box: Sandbox, root: Path, command: str) -> str:
    return text_of(await call(BashTool(box), make_ctx(root), command=command))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home folder holding a key and the project (a workspace usually lives there)."""
    home = (tmp_path / "home").resolve()
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY\n")
    (home / "proj").mkdir()
    return home


def boxed(roots: list[Path], home: Path) -> Iterator[Sandbox]:
    box = Sandbox(SandboxSettings(), roots, home=home)
    assert box.active, f"{box.reason}: install bubblewrap (.ci/run does)"
    yield box
    box.close()


def git_status_runs_no_hook(root: Path) -> None:
    """``git status`` outside, as an editor runs it: nothing the command planted runs."""
    subprocess.run(["git", "status"], cwd=root, capture_output=True, check=False)
    assert not (root / "PWNED").exists()


async def test_a_git_file_cannot_show_the_folders_above_the_workspace(home: Path) -> None:
    """Escape fixed: a ``.git`` file naming a folder whose ``commondir`` leads up to the
    home folder showed the home folder (``~/.ssh``) read-only to every command."""
    ws = home / "proj"
    (ws / ".git").write_text("gitdir: sub/own\n")
    (ws / "sub" / "own").mkdir(parents=True)
    (ws / "sub" / "own" / "commondir").write_text("../../..\n")
    for box in boxed([ws], home):
        out = await run(box, ws, "cat ../.ssh/id_ed25519; ls -a ..; echo made > new.txt")
        assert "PRIVATE KEY" not in out and "No such file" in out
        assert out.splitlines()[-1] == "proj"  # ls -a .. shows the root only
        assert (ws / "new.txt").read_text() == "made\n"  # and the root stays writable


def _repository_with_linked_worktree(tmp_path: Path) -> tuple[Path, Path]:
    """``tmp_path/main``, a repository with one commit, and ``tmp_path/linked``, its
    linked worktree on branch ``side``."""
    main, linked = tmp_path / "main", tmp_path / "linked"
    main.mkdir()
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=main, check=True)
    (main / "a.txt").write_text("a\n")
    subprocess.run([*GIT, "add", "-A"], cwd=main, check=True)
    subprocess.run([*GIT, "commit", "-qm", "first"], cwd=main, check=True)
    subprocess.run([*GIT, "worktree", "add", "-q", "-b", "side", str(linked)], cwd=main, check=True)
    return main, linked


async def test_odd_git_files_are_ignored_and_later_roots_still_work(tmp_path: Path) -> None:
    """No ``.git``, or a ``.git`` file that is not a pointer, not UTF-8, or names a folder without a
    ``commondir`` or outside its shared folder shows nothing; a linked worktree given
    after such roots still reads its repository."""
    _, linked = _repository_with_linked_worktree(tmp_path)
    for name in ("bare", "og", "shared", "badc"):
        (tmp_path / name).mkdir()
    (tmp_path / "og" / "commondir").write_text("../shared\n")  # not above its own folder
    (tmp_path / "badc" / "commondir").write_bytes(b"\xff\n")
    odd = {
        "text": b"not a pointer\n",
        "binary": b"gitdir: \xff\xfe\n",
        "nocommon": b"gitdir: ../bare\n",
        "outside": b"gitdir: ../og\n",
        "badcommon": b"gitdir: ../badc\n",
    }
    (tmp_path / "plain").mkdir()  # no .git at all
    roots = [tmp_path / "plain"]
    for name, text in odd.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / ".git").write_bytes(text)
        roots.append(tmp_path / name)
    for box in boxed([*roots, linked], tmp_path):
        assert (await run(box, linked, "git log --oneline -1")).endswith("first")
        out = await run(box, linked, "ls ../bare ../og ../shared ../badc 2>&1; true")
        assert out.count("No such file") == 4


async def test_a_command_cannot_point_git_at_its_own_config(home: Path) -> None:
    """Escape fixed: ``.git/commondir`` (git then reads config and hooks from the folder
    it names) could be created by a command, and ``git status`` outside then ran the
    planted ``core.fsmonitor``. A created one is removed, and the user is told."""
    ws = home / "proj"
    subprocess.run([*GIT, "init", "-q"], cwd=ws, check=True)
    plant = (
        "cp -r .git evil && printf '[core]\\n\\tfsmonitor = \"touch PWNED; false\"\\n' "
        "> evil/config && echo ../evil > .git/commondir"
    )
    for box in boxed([ws], home):
        out = await run(box, ws, plant)
        assert out == (
            "Removed commondir: the command created it, and commands may not create "
            "protected paths (use Write, which asks the user)."
        )
        assert not (ws / ".git" / "commondir").exists()
    git_status_runs_no_hook(ws)


async def test_git_init_keeps_the_repository_but_not_its_config(home: Path) -> None:
    """Escape fixed: without a ``.git`` folder before the command, nothing of it was
    protected; ``git init`` plus a config with ``core.fsmonitor`` ran on the next
    ``git status`` outside. The repository stays, its config and hooks go."""
    ws = home / "proj"
    plant = "git init -q && git config core.fsmonitor 'touch PWNED; false' && echo ok"
    for box in boxed([ws], home):
        out = await run(box, ws, plant)
        assert out.startswith("ok\nRemoved config, hooks: the command created it")
        assert (ws / ".git" / "HEAD").is_file()
        assert not (ws / ".git" / "config").exists() and not (ws / ".git" / "hooks").exists()
    git_status_runs_no_hook(ws)


async def test_a_git_file_made_by_a_command_is_removed(home: Path) -> None:
    """A ``.git`` file names the folder git takes its config from: one a command makes
    is removed; a linked worktree's own ``.git`` file cannot be rewritten."""
    ws = home / "proj"
    for box in boxed([ws], home):
        out = await run(box, ws, "echo 'gitdir: evil' > .git; mkdir evil")
        assert out.startswith("Removed .git: the command created it")
        assert not (ws / ".git").exists() and (ws / "evil").is_dir()


async def test_a_linked_worktree_cannot_redirect_its_repository(tmp_path: Path) -> None:
    main, linked = _repository_with_linked_worktree(tmp_path)
    own = main / ".git" / "worktrees" / "linked"
    pointer = (linked / ".git").read_text()
    for box in boxed([linked], tmp_path):
        out = await run(
            box,
            linked,
            f"echo 'gitdir: evil' > .git; rm -f .git; echo ../evil > {own}/commondir; "
            f"git status --short && touch {own}/index && echo writable",
        )
        assert out.count("Read-only file system") == 2 and "Device or resource busy" in out
        assert out.endswith("writable")  # its own folder (index, HEAD) stays writable
    assert (linked / ".git").read_text() == pointer
    assert (own / "commondir").read_text() == "../..\n"


async def test_the_main_checkout_cannot_redirect_its_linked_worktrees(tmp_path: Path) -> None:
    """Escape fixed: in the main checkout, ``.git/worktrees/NAME/commondir`` was
    writable; pointed at a planted config, ``git status`` in the linked worktree (another
    folder, outside the sandbox) ran its ``core.fsmonitor``."""
    main, linked = _repository_with_linked_worktree(tmp_path)
    plant = (
        "cp -r .git evil && printf '[core]\\n\\tfsmonitor = \"touch PWNED; false\"\\n' "
        "> evil/config; echo ../../../evil > .git/worktrees/linked/commondir; "
        "rm -rf .git/worktrees/linked; git log --oneline -1"
    )
    for box in boxed([main], tmp_path):
        out = await run(box, main, plant)
        assert out.count("Read-only file system") == 1 and "Device or resource busy" in out
        assert out.endswith("first")
    assert (main / ".git" / "worktrees" / "linked" / "commondir").read_text() == "../..\n"
    git_status_runs_no_hook(linked)
