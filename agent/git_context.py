"""What git knows, for the agent and the AI tasks (gitpython, imported on first use).

Every function blocks (git runs as a subprocess): call them on a worker thread. Outside a
git repository, or without git installed, they degrade to empty answers rather than
failing: a diff of ``""``, no changed lines, no context.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git import Repo

log = logging.getLogger(__name__)

MAX_DIFF_CHARS = 60_000
RECENT_COMMITS = 5
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


def repo_for(path: Path) -> Repo | None:
    """The repository holding ``path``, or None (not in one, or no git)."""
    try:
        from git import InvalidGitRepositoryError, NoSuchPathError, Repo
    except ImportError:  # gitpython without a git executable raises ImportError
        log.info("git is not available")
        return None
    start = path if path.is_dir() else path.parent
    try:
        return Repo(start, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None


def _git_error() -> type[Exception]:
    from git import GitCommandError

    return GitCommandError


def file_diff(root: Path, path: Path) -> str:
    """``git diff HEAD`` of one file (staged and unstaged), "" when clean or not in git."""
    repo = repo_for(path)
    if repo is None or repo.working_tree_dir is None:
        return ""
    try:
        relative = path.resolve().relative_to(Path(repo.working_tree_dir).resolve())
        args = ["HEAD"] if repo.head.is_valid() else ["--cached"]
        diff: str = repo.git.diff(*args, "--", relative.as_posix())
    except (ValueError, _git_error()) as exc:
        log.info("no diff for %s: %s", path, exc)
        return ""
    finally:
        repo.close()
    return _bounded(diff)


def changed_lines(path: Path) -> list[tuple[int, int]] | None:
    """0-based inclusive line ranges of ``path`` changed against HEAD (new file: all of
    it); None when the file is not in a git repository."""
    repo = repo_for(path)
    if repo is None or repo.working_tree_dir is None:
        return None
    try:
        relative = path.resolve().relative_to(Path(repo.working_tree_dir).resolve()).as_posix()
        if not repo.head.is_valid():
            return [(0, 1 << 30)]
        tracked = bool(repo.git.ls_files("--", relative))
        if not tracked:
            return [(0, 1 << 30)]
        diff = repo.git.diff("HEAD", "-U0", "--", relative)
    except (ValueError, _git_error()) as exc:
        log.info("no changed lines for %s: %s", path, exc)
        return None
    finally:
        repo.close()
    ranges = []
    for match in _HUNK.finditer(diff):
        start, count = int(match.group(1)), int(match.group(2) or 1)
        if count:
            ranges.append((start - 1, start + count - 2))
    return ranges


def staged_diff(root: Path) -> str | None:
    """The staged diff of the repository at ``root``; None when not in git."""
    repo = repo_for(root)
    if repo is None:
        return None
    try:
        names = [n for n in repo.git.diff("--cached", "--name-only", "-z").split("\0") if n]
        secret = _secret_names(Path(repo.working_tree_dir or root), names)
        excluded = [f":(exclude,literal){name}" for name in secret]
        diff: str = (
            repo.git.diff("--cached", "--", ".", *excluded)
            if excluded
            else (repo.git.diff("--cached"))
        )
    except _git_error() as exc:
        log.info("no staged diff in %s: %s", root, exc)
        return ""
    finally:
        repo.close()
    if secret:  # what the model is not shown, and why: it can still mention the change
        listed = ", ".join(secret)
        diff += f"\n(staged changes to {listed} not shown: secret files)\n"
    return _bounded(diff)


def _secret_names(top: Path, names: list[str]) -> list[str]:
    """The staged paths that are secrets (``.env``, keys, credentials): their contents
    never go to the model, in a diff or otherwise."""
    from agent.paths import secret_reason

    return [name for name in names if secret_reason(top / name)]


def recent_commits(root: Path, count: int = RECENT_COMMITS) -> list[str]:
    repo = repo_for(root)
    if repo is None:
        return []
    try:
        if not repo.head.is_valid():
            return []
        return [f"{c.hexsha[:8]} {c.summary!s}" for c in repo.iter_commits(max_count=count)]
    except _git_error() as exc:
        log.info("no log in %s: %s", root, exc)
        return []
    finally:
        repo.close()


def git_context(root: Path) -> str:
    """Branch, a status summary and recent commits, as Claude Code shows the model at the
    start of a session; "" outside git."""
    repo = repo_for(root)
    if repo is None:
        return ""
    try:
        branch = "(detached HEAD)" if repo.head.is_detached else repo.active_branch.name
        status = repo.git.status("--short")
    except (TypeError, _git_error()) as exc:
        log.info("no git status in %s: %s", root, exc)
        return ""
    finally:
        repo.close()
    lines = status.splitlines()
    shown = "\n".join(lines[:30]) + (f"\n… {len(lines) - 30} more" if len(lines) > 30 else "")
    commits = "\n".join(recent_commits(root)) or "(none yet)"
    return (
        "gitStatus: this is the git status at the start of the session; it will not update.\n"
        f"Current branch: {branch}\n\nStatus:\n{shown or '(clean)'}\n\nRecent commits:\n{commits}"
    )


def _bounded(diff: str) -> str:
    if len(diff) <= MAX_DIFF_CHARS:
        return diff
    return diff[:MAX_DIFF_CHARS] + f"\n[… diff cut at {MAX_DIFF_CHARS} characters]"


def text_at(path: Path, revision: str = "HEAD") -> str | None:
    """The file's text at ``revision``: "" when git does not have it there (a new file),
    None when it is not in a git repository."""
    repo = repo_for(path)
    if repo is None or repo.working_tree_dir is None:
        return None
    try:
        relative = path.resolve().relative_to(Path(repo.working_tree_dir).resolve()).as_posix()
        if not repo.head.is_valid():
            return ""
        text: str = repo.git.show(f"{revision}:{relative}", strip_newline_in_stdout=False)
    except ValueError:
        return None
    except _git_error():
        return ""  # not in that revision
    finally:
        repo.close()
    return text


def changed_files(root: Path, revision: str = "HEAD") -> list[Path] | None:
    """Files changed against ``revision`` (staged, unstaged, untracked); None outside git."""
    repo = repo_for(root)
    if repo is None or repo.working_tree_dir is None:
        return None
    top = Path(repo.working_tree_dir)
    try:
        names = repo.git.diff("--name-only", revision).splitlines() if repo.head.is_valid() else []
        names += repo.untracked_files
    finally:
        repo.close()
    seen: dict[Path, None] = {}
    for name in names:
        path = top / name
        if path.is_file() and path.resolve().is_relative_to(root.resolve()):
            seen[path] = None
    return list(seen)
