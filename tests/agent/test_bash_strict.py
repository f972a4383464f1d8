"""The strict judgement of a command when no sandbox holds it (``agent.bash_strict``), on
its own: why a command line is not plain, which commands are plainly read-only, how far
a command's words reach, and what a broad allow rule may not cover. The policy tests
(test_permissions.py) see these through the decision; these pin each rule down."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.bash_programs import bash_matches, option_matches, show_part
from agent.bash_strict import plainly_read_only, reaches_only_workspace, rule_reach_ok, unplain
from agent.shell import Redirect, SimpleCommand, split_commands


def part(command: str) -> SimpleCommand:
    return split_commands(command)[-1]


def plain(command: str, ws: Path, cwd: Path | None = None) -> bool:
    return plainly_read_only(part(command), [cwd or ws], [ws])


def reach(command: str, ws: Path, secrets_ok: bool = False) -> bool:
    return reaches_only_workspace(part(command), [ws], [ws], secrets_ok)


def rule_ok(command: str, ws: Path, exact: bool = False) -> bool:
    return rule_reach_ok(part(command), [ws], [ws], exact)


# -- unplain: what the parser will not judge without a sandbox --------------------------


@pytest.mark.parametrize(
    "command", ["echo $HOME", "echo `id`", "(( x ))", "[[ $x -eq 0 ]]", "echo ${x@P}",
                "diff <(ls) b", "tee >(cat)"],
)  # fmt: skip
def test_expansions_are_not_plain(command: str) -> None:
    problem = unplain(command, split_commands(command))
    assert problem == "it expands variables, substitutions or arithmetic"


def test_assignments_and_wrappers_are_named() -> None:
    for command, problem in [
        ("GIT_DIR=../o/.git git log", "it sets GIT_DIR for a command"),
        ("A=b=c ls", "it sets A for a command"),
        ("env -C .. cat x", "a wrapper option (-C)"),
        ("ls | xargs cat", "it runs a command through xargs"),
        ("exec ls", "it runs a command through exec"),
        ("eval ls", "it runs a command through eval"),
        ("ls -la src", None),
    ]:
        assert unplain(command, split_commands(command)) == problem, command


@pytest.mark.parametrize("shell", ["sh", "bash", "zsh", "dash", "ksh"])
def test_a_shell_running_a_script_is_not_plain(shell: str) -> None:
    command = f"{shell} -c 'ls'"
    assert unplain(command, split_commands(command)) == f"it runs a command through {shell}"


# -- plainly_read_only -------------------------------------------------------------------


def test_redirections_alone(ws: Path) -> None:
    creates = SimpleCommand([], [Redirect(">", "out.txt")])
    assert not plainly_read_only(creates, [ws], [ws])  # `> out.txt` creates the file
    assert plainly_read_only(creates, [ws], [ws], writes_checked=True)
    assert plainly_read_only(SimpleCommand([], [Redirect("<", "src/a.py")]), [ws], [ws])
    assert not plain("echo x > out.txt", ws)
    assert plainly_read_only(part("echo x > out.txt"), [ws], [ws], writes_checked=True)


def test_programs_off_the_list_and_open_ended_ones(ws: Path) -> None:
    assert not plain("python x.py", ws)
    assert not plain("git push", ws)
    assert plain("git status", ws)
    assert not plainly_read_only(split_commands("ls | xargs cat")[1], [ws], [ws])


@pytest.mark.parametrize("grep", ["grep", "egrep", "fgrep"])
def test_grep_over_a_folder_is_recursive_enough_to_refuse(ws: Path, grep: str) -> None:
    assert not plain(f"{grep} x src", ws)
    assert plain(f"{grep} x src/a.py", ws)


def test_outside_the_workspace_even_bare_commands_list_outside(ws: Path) -> None:
    outside = ws.parent
    assert not plain("ls", ws, cwd=outside)
    assert not plain("ls -la", ws, cwd=outside)  # options name nothing
    assert not plain("git status", ws, cwd=outside)  # git reads the repository it is in
    assert plain("ls", ws) and plain("git status", ws)
    assert plain("cat ws/src/a.py", ws, cwd=outside)  # named paths are judged by where they are


@pytest.mark.parametrize("command", ["cd ..", "pushd ..", "popd ..", "cd /"])
def test_directory_changes_are_judged_by_what_follows(ws: Path, command: str) -> None:
    assert plain(command, ws)  # the policy follows the cd; the next command is judged there


@pytest.mark.parametrize(
    ("command", "expected"),
    [("git", False), ("git -C .. status", False), ("git --no-pager log", False),
     ("git stash list", True), ("git stash list --oneline", True), ("git stash", False),
     ("git stash pop", False), ("git stash list -n", False), ("git branch -a", True),
     ("git branch new", False)],
)  # fmt: skip
def test_git_subcommands(ws: Path, command: str, expected: bool) -> None:
    assert plain(command, ws) is expected


# -- reaches_only_workspace --------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [("cat src/a.py", True), ("cat ../outside.txt", False), ("cat -n ../outside.txt", False),
     ("cat word ../outside.txt", False), ("cat /etc/no-such-file", False),
     ("date --file=../outside.txt", False), ("date --file=src/a.py", True),
     ("cat .env", False), ("cat './a;b'", False), ("cat './a (b)'", False),
     ("cat 'a\x01b'", False),  # a control character: no path at all
     ("wc -l src/a.py", True), ("ls", True)],
)  # fmt: skip
def test_what_words_reach(ws: Path, command: str, expected: bool) -> None:
    assert reach(command, ws) is expected


def test_secrets_may_be_allowed_and_unknown_words_never(ws: Path) -> None:
    assert reach("cat .env", ws, secrets_ok=True)
    assert not reaches_only_workspace(SimpleCommand(["cat", "$HOME/x"]), [ws], [ws])
    assert not reaches_only_workspace(SimpleCommand(["cat", "`id`"]), [ws], [ws])
    assert not reaches_only_workspace(split_commands("ls | xargs cat")[1], [ws], [ws])


# -- rule_reach_ok: what a broad allow rule still may not do -----------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [("python script.py", True), ("python -c 'print(1)'", False), ("node -e x", False),
     ("awk '{print}' src/a.py", False), ("gawk 1 src/a.py", False), ("mawk 1 src/a.py", False),
     ("sed -n 1p src/a.py", False), ("ls -c src", True), ("jq . src/a.py", True),
     ("sort -o out src/a.py", False), ("sort -r src/a.py", True), ("git --version", True),
     ("git config --get user.name", True), ("git config --list", True),
     ("git config -l", True), ("git config --get-all x", True),
     ("git config --get-regexp x", True), ("git config --show-origin -l", True),
     ("git config get user.name", True), ("git config list", True),
     ("git config set user.name x", False), ("git config user.get x", False),
     ("git config user.name x", False), ("git --no-pager config user.email x", False),
     ("git -c core.pager=sh log", False), ("git log", True), ("cat ../outside.txt", False)],
)  # fmt: skip
def test_what_a_broad_rule_still_refuses(ws: Path, command: str, expected: bool) -> None:
    assert rule_ok(command, ws) is expected


def test_an_exact_rule_may_name_a_secret(ws: Path) -> None:
    assert not rule_ok("cat .env", ws)
    assert rule_ok("cat .env", ws, exact=True)
    assert not rule_ok("cat ../outside.txt", ws, exact=True)


# -- the helpers that show and match commands --------------------------------------------


def test_show_part_keeps_reasons_short() -> None:
    assert show_part(SimpleCommand(["echo", "x" * 75])) == "echo " + "x" * 75  # 80 chars
    long = SimpleCommand(["echo", "x" * 76])  # 81 chars
    assert show_part(long) == ("echo " + "x" * 76)[:79] + "…"
    redirects = SimpleCommand([], [Redirect(">", "out"), Redirect("<", "in")])
    assert show_part(redirects) == "> out < in"


@pytest.mark.parametrize(
    ("spec", "command", "expected"),
    [(":*", "ls -la", True), ("*", "rm -rf x", True), ("npm test :*", "npm test --watch", True),
     ("npm test:*", "npm testing", False), ("echo *", "echo 'a\nb'", True),
     ("ls", "ls -la", False)],
)  # fmt: skip
def test_bash_rule_specs(spec: str, command: str, expected: bool) -> None:
    assert bash_matches(spec, part(command)) is expected


def test_an_abbreviated_option_with_an_equals_sign_in_its_value() -> None:
    assert option_matches("--outp=a=b", "--output")
