"""Wrappers that run another command (``env``, ``timeout``, ``xargs``, ``sh -c``, …):
``split_commands`` reports the command they run, never one of their option values in
its place, and raises for an option it does not know (its value could be the program)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.permissions import Permissions
from agent.settings import Settings
from agent.shell import ShellSyntaxError, split_commands
from agent.tools import default_tools

BASH = next(tool for tool in default_tools() if tool.name == "Bash")


def only(command: str) -> tuple[list[str], list[str], bool]:
    (part,) = split_commands(command)
    return part.words, part.prefix, part.open_ended


@pytest.mark.parametrize(
    ("command", "prefix"),
    [
        ("env -u X rm y", ["env", "-u", "X"]),
        ("env -uX rm y", ["env", "-uX"]),
        ("env -iu X rm y", ["env", "-iu", "X"]),
        ("env -i0v -C /tmp rm y", ["env", "-i0v", "-C", "/tmp"]),
        ("env --unset X --chdir=/a=b rm y", ["env", "--unset", "X", "--chdir=/a=b"]),
        ("env --ch /tmp rm y", ["env", "--ch", "/tmp"]),
        ("env --ignore-environment --null rm y", ["env", "--ignore-environment", "--null"]),
        ("env --block-signal --ignore-sig=INT rm y", ["env", "--block-signal", "--ignore-sig=INT"]),
        ("env - A=1 rm y", ["env", "-", "A=1"]),
        ("env -i A=1 B=2 rm y", ["env", "-i", "A=1", "B=2"]),
        ("nohup --help rm y", ["nohup", "--help"]),
        ("nohup --vers rm y", ["nohup", "--vers"]),
        ("env A=1 -- rm y", ["env", "A=1", "--"]),
        ("timeout -s KILL 5 rm y", ["timeout", "-s", "KILL", "5"]),
        ("timeout -vk 1 5 rm y", ["timeout", "-vk", "1", "5"]),
        ("timeout --signal=KILL --kill 1 5 rm y", ["timeout", "--signal=KILL", "--kill", "1", "5"]),
        ("timeout -fp 5s rm y", ["timeout", "-fp", "5s"]),
        ("nice -n 5 rm y", ["nice", "-n", "5"]),
        ("nice -n5 rm y", ["nice", "-n5"]),
        ("nice -5 rm y", ["nice", "-5"]),
        ("nice --10 rm y", ["nice", "--10"]),
        ("nice -n 5 -5 rm y", ["nice", "-n", "5", "-5"]),
        ("nice --adj 5 rm y", ["nice", "--adj", "5"]),
        ("nohup -- rm y", ["nohup", "--"]),
        ("builtin rm y", ["builtin"]),
        ("time -p rm y", ["time", "-p"]),
        ("/usr/bin/time -o out -f %e rm y", ["/usr/bin/time", "-o", "out", "-f", "%e"]),
        ("/usr/bin/time --out ls rm y", ["/usr/bin/time", "--out", "ls"]),
        ("command -p rm y", ["command", "-p"]),
        ("exec -a name rm y", ["exec", "-a", "name"]),
        ("exec -cl rm y", ["exec", "-cl"]),
        ("stdbuf -oL -e 0 rm y", ["stdbuf", "-oL", "-e", "0"]),
        ("stdbuf --output=L --in 0 rm y", ["stdbuf", "--output=L", "--in", "0"]),
        ("ionice -c3 rm y", ["ionice", "-c3"]),
        ("ionice -c 2 -n 7 rm y", ["ionice", "-c", "2", "-n", "7"]),
        ("ionice -t rm y", ["ionice", "-t"]),
        ("ionice -tc3 rm y", ["ionice", "-tc3"]),
        ("env X=1 timeout 5 nice -n 5 rm y", ["env", "X=1", "timeout", "5", "nice", "-n", "5"]),
    ],
)
def test_wrappers_are_unwrapped_past_their_options(command: str, prefix: list[str]) -> None:
    assert only(command) == (["rm", "y"], prefix, False)


@pytest.mark.parametrize(
    ("command", "prefix"),
    [
        ("xargs rm y", ["xargs"]),
        ("xargs -0 rm y", ["xargs", "-0"]),
        ("xargs -I{} rm y", ["xargs", "-I{}"]),
        ("xargs -I {} rm y", ["xargs", "-I", "{}"]),
        ("xargs -i rm y", ["xargs", "-i"]),
        ("xargs -i{} rm y", ["xargs", "-i{}"]),
        ("xargs -l rm y", ["xargs", "-l"]),
        ("xargs -e rm y", ["xargs", "-e"]),
        ("xargs -eEND rm y", ["xargs", "-eEND"]),
        ("xargs -n1 -P 4 rm y", ["xargs", "-n1", "-P", "4"]),
        ("xargs -0rtn 1 rm y", ["xargs", "-0rtn", "1"]),
        ("xargs --replace rm y", ["xargs", "--replace"]),
        ("xargs --replace={} rm y", ["xargs", "--replace={}"]),
        ("xargs --max-args 2 rm y", ["xargs", "--max-args", "2"]),
        ("xargs --arg list rm y", ["xargs", "--arg", "list"]),
        ("xargs --process-slot-var=N rm y", ["xargs", "--process-slot-var=N"]),
    ],
)
def test_xargs_runs_an_open_ended_command(command: str, prefix: list[str]) -> None:
    assert only(command) == (["rm", "y"], prefix, True)


def test_xargs_open_ended_reaches_the_command_behind_other_wrappers() -> None:
    assert only("xargs nice rm") == (["rm"], ["xargs", "nice"], True)
    assert only("xargs") == (["echo"], ["xargs"], True)
    assert only("xargs -0") == (["echo"], ["xargs", "-0"], True)
    assert only("xargs bash x.sh") == (["bash", "x.sh"], ["xargs"], True)
    assert only("nice rm") == (["rm"], ["nice"], False)
    assert only("rm") == (["rm"], [], False)


@pytest.mark.parametrize(
    "command",
    [
        "env -i",
        "env -u X",
        "env A=1",
        "timeout 5",
        "timeout -s KILL",
        "nice",
        "nice -n 5",
        "nohup",
        "stdbuf -oL",
        "command -v rm",
        "command -V rm",
        "exec",
    ],
)
def test_a_wrapper_with_nothing_to_run_is_its_own_command(command: str) -> None:
    assert only(command) == (command.split(), [], False)


def test_a_lone_dash_is_the_program() -> None:
    assert only("eval - x") == (["-", "x"], ["eval", "-c"], False)
    assert only("nohup - x") == (["-", "x"], ["nohup"], False)


def test_command_minus_v_only_names_a_program() -> None:
    assert only("command -v rm") == (["command", "-v", "rm"], [], False)
    assert only("command -p -v rm") == (["rm"], ["command", "-p", "-v"], False)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("env -S 'rm -rf x'", "env -S is not split"),
        ("env -iS'rm -rf x'", "env -S is not split"),
        ("env --split-string='rm -rf x'", "env -S is not split"),
        ("env --split 'rm -rf x'", "env -S is not split"),
        ("env --frobnicate ls", "env: unknown or ambiguous option --frobnicate"),
        ("env --i ls", "env: unknown or ambiguous option --i"),
        ("env -Z ls", "env: unknown option -Z"),
        ("env -i: ls", "env: unknown option -:"),
        ("timeout --v 5 ls", "timeout: unknown or ambiguous option --v"),
        ("nohup -p ls", "nohup: unknown option -p"),
        ("xargs -Z ls", "xargs: unknown option -Z"),
        ("xargs --max ls", "xargs: unknown or ambiguous option --max"),
        ("eval -x ls", "eval option -x"),
    ],
)
def test_options_that_hide_the_program_raise(command: str, message: str) -> None:
    with pytest.raises(ShellSyntaxError) as raised:
        split_commands(command)
    assert str(raised.value) == message


# -- sh -c, bash -lc, eval -----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "prefix"),
    [
        ("sh -c 'rm y'", ["sh", "-c"]),
        ("bash -lc 'rm y'", ["bash", "-c"]),
        ("zsh -c 'rm y'", ["zsh", "-c"]),
        ("dash -ec 'rm y'", ["dash", "-c"]),
        ("ksh -c 'rm y'", ["ksh", "-c"]),
        ("/bin/bash -c 'rm y' name arg", ["/bin/bash", "-c"]),
        ("bash -c -e 'rm y'", ["bash", "-c"]),
        ("bash -c -- 'rm y'", ["bash", "-c"]),
        ("bash -c - 'rm y'", ["bash", "-c"]),
        ("bash -o pipefail -c 'rm y'", ["bash", "-c"]),
        ("bash -O extglob +o errexit -c 'rm y'", ["bash", "-c"]),
        ("bash --norc --rcfile f -c 'rm y'", ["bash", "-c"]),
        ("eval rm y", ["eval", "-c"]),
        ("eval -- rm y", ["eval", "-c"]),
        ("bash --init-file f -c 'rm y'", ["bash", "-c"]),
        ("env X=1 sh -c 'A=2 rm y'", ["env", "X=1", "sh", "-c", "A=2"]),
    ],
)
def test_shell_scripts_are_split(command: str, prefix: list[str]) -> None:
    assert only(command) == (["rm", "y"], prefix, False)


def test_shell_script_commands_keep_their_own_order_and_redirections() -> None:
    parts = split_commands("bash -c 'ls > a; rm y' > b")
    assert [(p.words, p.write_targets()) for p in parts] == [
        (["ls"], ["a"]),
        (["rm", "y"], []),
        ([], ["b"]),
    ]
    assert [p.text for p in split_commands("eval 'ls;' 'rm y'")] == ["ls", "rm y"]


@pytest.mark.parametrize(
    "command",
    [
        "bash",
        "bash x.sh",
        "bash -c",
        "bash -e x.sh -c 'rm y'",
        "sh +c x.sh",
        "bash --norc x.sh",
        "bash - -c 'rm y'",
        "bash -- -c 'rm y'",
    ],
)
def test_a_shell_without_a_script_is_its_own_command(command: str) -> None:
    (part,) = split_commands(command)
    assert part.program in ("bash", "sh")
    assert part.prefix == []


def test_a_shell_without_a_script_keeps_open_ended_and_redirections() -> None:
    (part,) = split_commands("xargs bash x.sh > out")
    assert (part.words, part.prefix, part.open_ended) == (["bash", "x.sh"], ["xargs"], True)
    assert part.write_targets() == ["out"]


# -- what the policy sees ------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "env -iu ls rm -rf x",
        "env --ch /tmp rm -rf x",
        "ls | xargs -i rm ls",
        "ionice -t rm -rf x",
        "bash -c -e 'rm -rf x'",
        "bash -o pipefail -c 'rm -rf x'",
        "eval -- rm -rf x",
    ],
)
def test_a_deny_rule_sees_the_command_behind_the_wrapper(tmp_path: Path, command: str) -> None:
    policy = Permissions("default", Settings(allow=["Bash(ls:*)"], deny=["Bash(rm:*)"]), [tmp_path])
    decision, reason = policy.decide(BASH, {"command": command})
    assert decision == "deny"
    assert "Bash(rm:*)" in reason


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("env --split-string='rm -rf x'", "env -S is not split"),
        ('echo "$(case a in a) rm -rf x;; esac)"', "case inside"),
    ],
)
def test_what_cannot_be_split_is_asked(tmp_path: Path, command: str, why: str) -> None:
    policy = Permissions("default", Settings(allow=["Bash(env:*)", "Bash(echo:*)"]), [tmp_path])
    decision, reason = policy.decide(BASH, {"command": command})
    assert decision == "ask"
    assert f"cannot split this command safely ({why}" in reason
