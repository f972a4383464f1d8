"""The program list's judgement of a command (``listed_read_only``), on its own.

Without a sandbox, a command runs unasked in plan mode or as read-only only when two
independent judgements agree: the strict one (``bash_strict.plainly_read_only``) and
this list. These tests hold the list to its contract by itself, so that loosening
either judgement later still leaves the other one standing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.bash_programs import listed_read_only, option_matches, runs_or_writes
from agent.permissions import Permissions
from agent.settings import Settings
from agent.shell import SimpleCommand, split_commands
from tests.agent.test_permissions import TOOLS


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("print(1)\n")
    (root / "notes").write_text("n\n")
    (root / ".env").write_text("TOKEN=1\n")
    (tmp_path / "outside.txt").write_text("o\n")
    os.symlink(tmp_path / "outside.txt", root / "link")
    return root


def judge(command: str, root: Path, cwd: Path | None = None) -> bool:
    part = split_commands(command)[0]
    return listed_read_only(part, [cwd or root], [root])


@pytest.mark.parametrize(
    "command",
    [
        "ls",
        "ls -la src",
        "cat src/app.py",
        "cat notes",
        "head -n 3 ./src/app.py",
        "grep -n print src/app.py",
        "rg print src",
        "git status",
        "git log --oneline -3",
        "git diff HEAD",
        "git show HEAD",
        "find src -name '*.py'",
        "sort notes",
        "tree src",
        "uniq notes",
        "wc -l notes src/app.py",
        "echo hello",
        "date",
        "cd src",
        "git --no-pager log",  # (the strict judgement refuses global options)
    ],
)
def test_reading_inside_the_workspace_is_read_only(ws: Path, command: str) -> None:
    assert judge(command, ws)


@pytest.mark.parametrize(
    "command",
    [
        "python -c 'print(1)'",  # not a listed program
        "rm notes",
        "git push",  # git, but not a reading subcommand
        "git commit -m x",
        "git -C .. push",  # the first word that is not an option is the subcommand
        "git",  # no subcommand at all
        "find . -delete",
        "find . -exec rm {} ;",
        "find . -fprint out",
        "sort -o out notes",
        "sort --output=out notes",
        "tree -o out src",
        "sort --compress-program=sh notes",
        "sort --compress-prog=sh notes",  # GNU getopt takes a prefix of a long option
        "sort --outp=out notes",
        "sort -rout notes",  # -o bundled, with its value attached
        "rg --pre ./run src",
        "rg --pre=./run src",
        "rg -z src",
        "git -c core.pager=sh log",
        "git -ccore.pager=sh log",
        "git log --output=../x",
        "git diff --ext-diff",
        "date -s tomorrow",
        "date --set=tomorrow",
        "file -C notes",
        "grep --pre=sh x notes",
        "uniq notes out",  # uniq IN OUT writes OUT
        "cat $HOME/x",
        "cat `id -un`",  # (split: cat, then id)
        "echo ${PATH}",
        "cat ../outside.txt",
        "cat /etc/hostname",
        "cat ~/.bashrc",
        "cat link",  # a symlink in the workspace pointing outside
        "cat .env",
        "head ./.env",
        "cat -n ../outside.txt",
        "cat /etc/no-such-file",
        "cat 'a\x01b'",  # a control character: no path at all
    ],
)
def test_what_runs_writes_or_reaches_out_is_not(ws: Path, command: str) -> None:
    assert not judge(command, ws)


def test_an_open_ended_command_is_never_read_only(ws: Path) -> None:
    [part] = split_commands("ls src | xargs cat")[1:]
    assert part.open_ended
    assert not listed_read_only(part, [ws], [ws])
    assert listed_read_only(SimpleCommand(["cat", "notes"]), [ws], [ws])


def test_every_working_directory_is_checked(ws: Path, tmp_path: Path) -> None:
    [part] = split_commands("cat notes")
    # From the workspace `notes` is inside; from its parent it is not.
    assert listed_read_only(part, [ws], [ws])
    (tmp_path / "notes").write_text("x\n")
    assert not listed_read_only(part, [ws, tmp_path], [ws])


def test_a_plain_word_that_names_no_file_is_not_a_path(ws: Path) -> None:
    # `grep needle file`: "needle" names nothing; only words that look like paths or
    # exist are checked against the workspace.
    assert judge("grep needle notes", ws)
    assert judge("echo outside.txt", ws)
    assert not judge("echo ./../outside.txt", ws)


@pytest.mark.parametrize(
    ("program", "args", "expected"),
    [
        ("sort", ["--compress-prog=sh"], True),  # an abbreviated long option
        ("sort", ["--compress-programs"], True),
        ("sort", ["-r"], False),
        ("git", ["-cx=y", "log"], True),
        ("git", ["-C", ".", "log"], False),  # -C alone is no config option
        ("uniq", ["-c", "in"], False),
        ("uniq", ["in", "out"], True),
        ("cat", ["--pre=x"], False),  # unsafe options are per program
    ],
)
def test_options_that_run_or_write(program: str, args: list[str], expected: bool) -> None:
    assert runs_or_writes(program, args) is expected


@pytest.mark.parametrize(
    ("arg", "option", "expected"),
    [
        ("--output", "--output", True),
        ("--output=x", "--output", True),
        ("--outp=x", "--output", True),  # abbreviated
        ("--o", "--output", True),
        ("--", "--output", False),  # the end of options
        ("--oneline", "--output", False),
        ("--outputs", "--output", True),  # longer: another option, taken to be safe
        ("-o", "-o", True),
        ("-ofile", "-o", True),  # value attached
        ("-ro", "-o", True),  # bundled
        ("-r", "-o", False),
        ("--o", "-o", False),  # a long option is not a bundle of short ones
        ("-exec", "-exec", True),  # find's single-dash long options match whole
        ("-execdir", "-exec", False),
        ("-exec=x", "-exec", True),
        ("-e", "-exec", False),
    ],
)
def test_option_matches(arg: str, option: str, expected: bool) -> None:
    assert option_matches(arg, option) is expected


def test_a_glob_that_matches_a_secret_reads_it(ws: Path) -> None:
    p = Permissions("default", Settings(), [ws])
    # bash without dotglob would not match .env, with it would: the policy assumes it may
    assert p.decide(TOOLS["Bash"], {"command": "cat *env"})[0] == "deny"
    assert p.decide(TOOLS["Bash"], {"command": "cat src/*.py"})[0] == "allow"
