"""What ``agent.shell.split_commands`` reports for a command line: every simple command
it runs (words with quotes removed), its redirections, and what unwrapping removed.
The Bash permission policy judges exactly these parts, so a command missing here is a
command that runs unjudged. Wrappers are in ``test_shell_wrappers.py``."""

from __future__ import annotations

import pytest

from agent.shell import Redirect, ShellSyntaxError, SimpleCommand, split_commands


def words(command: str) -> list[list[str]]:
    return [part.words for part in split_commands(command)]


def texts(command: str) -> list[str]:
    return [part.text for part in split_commands(command)]


# -- quoting and escapes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("echo a\\ b", [["echo", "a b"]]),
        ("echo a\\;rm x", [["echo", "a;rm", "x"]]),
        ("echo ab\\c d", [["echo", "abc", "d"]]),
        ("echo a\\", [["echo", "a"]]),
        ("ec\\\nho hi", [["echo", "hi"]]),
        ("rm \\\n-rf x", [["rm", "-rf", "x"]]),
        ("echo 'a'b'c'", [["echo", "abc"]]),
        ("echo '' 'b'", [["echo", "", "b"]]),
        ("echo 'a;b' 'c' ; rm x", [["echo", "a;b", "c"], ["rm", "x"]]),
        ('echo "a"b', [["echo", "ab"]]),
        ('echo "a";rm x', [["echo", "a"], ["rm", "x"]]),
        ('echo "a\\"b"', [["echo", 'a"b']]),
        ('echo "a\\nb"', [["echo", "a\\nb"]]),
        ('echo "a\\$b" "c\\`d" "e\\\\f"', [["echo", "a$b", "c`d", "e\\f"]]),
        ('echo "a\\\nb"', [["echo", "ab"]]),
        ('echo "\\X" "\\\\"', [["echo", "\\X", "\\"]]),
        ("echo a#b # rm x", [["echo", "a#b"]]),
        ("ls # c\npwd\nrm x", [["ls"], ["pwd"], ["rm", "x"]]),
        ("# only a comment\nrm x", [["rm", "x"]]),
        ("ls\n  # c\nrm x", [["ls"], ["rm", "x"]]),
    ],
)
def test_quotes_escapes_and_comments(command: str, expected: list[list[str]]) -> None:
    assert words(command) == expected


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("echo 'oops", "unterminated single quote"),
        ('echo "oops', "unterminated double quote"),
        ('echo "oops\\', "unterminated double quote"),
        ('echo "a\\"', "unterminated double quote"),
        ("echo `a\\`", "unterminated backquote"),
        ("echo `rm x", "unterminated backquote"),
        ("echo `rm x\\", "unterminated backquote"),
        ("echo $(rm x", "unbalanced ("),
        ("echo ${x", "unbalanced {"),
        ("echo $(echo ')", "unterminated single quote"),
        ("cat <<EOF", "unterminated here-document"),
        ("cat <<EOF ", "unterminated here-document"),
        ("cat <<EOF\nbody", "here-document without its EOF line"),
        ("echo hi >", "redirection > without a target"),
        ("echo hi > ; rm x", "redirection > without a target"),
        ("echo hi > > f", "redirection > without a target"),
        ("function f { rm x; }", "function definitions are not split"),
    ],
)
def test_what_cannot_be_read_raises_and_says_why(command: str, message: str) -> None:
    with pytest.raises(ShellSyntaxError) as raised:
        split_commands(command)
    assert str(raised.value) == message


# -- substitutions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("echo $(rm x);ls", ["echo $(rm x)", "rm x", "ls"]),
        ("echo `rm x`;ls", ["echo `rm x`", "rm x", "ls"]),
        ('echo "`rm x`"', ["echo `rm x`", "rm x"]),
        ("echo `echo \\`rm x\\``", ["echo `echo \\`rm x\\``", "echo `rm x`", "rm x"]),
        ("echo `echo \\$x \\\\a \\'`", ["echo `echo \\$x \\\\a \\'`", "echo $x a '"]),
        ("echo $(echo ')'; rm x)", ["echo $(echo ')'; rm x)", "echo )", "rm x"]),
        ('echo $(echo ")"; rm x)', ['echo $(echo ")"; rm x)', "echo )", "rm x"]),
        ("echo $(echo \\); rm x)", ["echo $(echo \\); rm x)", "echo )", "rm x"]),
        ("echo $(echo 'a') 'b)'", ["echo $(echo 'a') b)", "echo a"]),
        ("echo $(echo '')", ["echo $(echo '')", "echo "]),
        ('echo $(echo "")', ['echo $(echo "")', "echo "]),
        ("echo $(echo \\))", ["echo $(echo \\))", "echo )"]),
        ('echo `echo "\\X"`', ['echo `echo "\\X"`', "echo \\X"]),
        ('echo $(echo "$(rm x)")', ['echo $(echo "$(rm x)")', "echo $(rm x)", "rm x"]),
        ("cat <(rm x) >(rm y)", ["cat <(rm x) >(rm y)", "rm x", "rm y"]),
        ("echo $((1)) ;rm x", ["echo $((1))", "rm x"]),
        ("echo $((1));rm x", ["echo $((1))", "rm x"]),
        ("echo ${x} ;rm y", ["echo ${x}", "rm y"]),
        ("echo ${x};rm y", ["echo ${x}", "rm y"]),
        ("echo ${a}b $c", ["echo ${a}b $c"]),
        ("echo ${x:-'}'}", ["echo ${x:-'}'}"]),
    ],
)
def test_substitutions_are_split_after_their_command(command: str, expected: list[str]) -> None:
    assert texts(command) == expected


@pytest.mark.parametrize(
    "command",
    ["echo ${<(rm x)}", "echo ${x:-`rm x`}", "echo $((1 + $(rm x)))", "echo ${x:->(rm x)}"],
)
def test_commands_hidden_in_expansions_raise(command: str) -> None:
    with pytest.raises(ShellSyntaxError) as raised:
        split_commands(command)
    assert str(raised.value) == f"a command substitution inside {command[5:7]}…"


@pytest.mark.parametrize(
    "command",
    [
        "echo $(case a in a) rm x;; esac)",
        'echo "$(case a in a) rm x;; esac)"',
        "cat <(case a in a) rm x;; esac)",
    ],
)
def test_case_inside_a_substitution_raises(command: str) -> None:
    # bash runs `rm x` here; the `a)` pattern would end the substitution for a scanner
    # that counts parentheses, hiding `rm x` in an argument of echo
    with pytest.raises(ShellSyntaxError) as raised:
        split_commands(command)
    assert str(raised.value) == "case inside $( … ) is not split"
    assert texts("case a in a) rm x;; esac; echo `case a in a) ls;; esac`")[-1] == "ls"


def test_nesting_is_limited_and_counted_from_the_top() -> None:
    def dollar(depth: int, inner: str = "rm x") -> str:
        return "echo " + "$(echo " * depth + inner + ")" * depth

    assert words(dollar(8))[-1] == ["echo", "rm", "x"]
    assert words(dollar(7, "`rm x`"))[-1] == ["rm", "x"]
    assert words("eval " * 8 + "rm x") == [["rm", "x"]]
    assert words("eval " * 7 + "nohup rm x") == [["rm", "x"]]
    assert words("nohup " * 8 + "rm x") == [["rm", "x"]]
    assert words("eval " * 7 + "echo \\$\\(rm x\\)")[1] == ["rm", "x"]
    for deeper in (
        dollar(9),
        dollar(8, "`rm x`"),
        "eval " * 9 + "rm x",
        "eval " * 8 + "nohup rm x",
        "nohup " * 9 + "rm x",
        "eval " * 8 + "echo \\$\\(rm x\\)",
    ):
        with pytest.raises(ShellSyntaxError) as raised:
            split_commands(deeper)
        assert str(raised.value) == "nesting too deep"


# -- here-documents ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("cat <<'EOF'\n$(rm x)\nEOF\nls", ["cat", "ls"]),
        ('cat <<"EOF"\n$(rm x)\nEOF\nls', ["cat", "ls"]),
        ("cat <<\\EOF\n$(rm x)\nEOF\nls", ["cat", "ls"]),
        ("cat <<'E'OF\n`rm x`\nEOF\nls", ["cat", "ls"]),
        ("cat <<EOF\n$(rm x)\nEOF\nls", ["cat", "rm x", "ls"]),
        ("cat <<EOF\n$(ls\nrm x)\nEOF", ["cat", "ls", "rm x"]),
        ("cat <<EOF\na\\\nEOF\nls", ["cat", "ls"]),
        ("cat <<-EOF\n\tbody\n\t\tEOF\nrm x", ["cat", "rm x"]),
        ("cat <<EOF\n\tEOF\nEOF\nrm x", ["cat", "rm x"]),
        ("cat <<-EOF\n  EOF\n\tXEOF\nEOF\nrm x", ["cat", "rm x"]),
        ("cat <<A <<B\na\nA\nb\nB\nrm x", ["cat", "rm x"]),
        ("cat <<EOF; rm x\nbody\nEOF", ["cat", "rm x"]),
        ("cat <<< $(rm x)", ["cat", "rm x"]),
    ],
)
def test_here_documents(command: str, expected: list[str]) -> None:
    assert texts(command) == expected


def test_tab_stripped_delimiter_only_with_dash() -> None:
    with pytest.raises(ShellSyntaxError, match="without its EOF line"):
        split_commands("cat <<EOF\n\tEOF")
    with pytest.raises(ShellSyntaxError, match="without its EOF line"):
        split_commands("cat <<-EOF\nEOF\t")


# -- redirections --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "redirects", "writes"),
    [
        ("ls > a 2>&1", [(">", "a"), (">&", "1")], ["a"]),
        ("ls 2>/dev/null >>log <in", [(">", "/dev/null"), (">>", "log"), ("<", "in")], ["log"]),
        ("ls &>a &>>b >|c <>d", [("&>", "a"), ("&>>", "b"), (">|", "c"), ("<>", "d")], [*"abcd"]),
        ("ls >&out 1>&- 3<&0", [(">&", "out"), (">&", "-"), ("<&", "0")], ["out"]),
        ("ls {fd}>log", [(">", "log")], ["log"]),
        ("ls >/dev/fd/3 >/dev/stderr", [(">", "/dev/fd/3"), (">", "/dev/stderr")], []),
    ],
)
def test_redirections(command: str, redirects: list[tuple[str, str]], writes: list[str]) -> None:
    (part,) = split_commands(command)
    assert part.words == ["ls"]
    assert [(r.op, r.target) for r in part.redirects] == redirects
    assert part.write_targets() == writes


def test_a_word_before_a_redirection_is_an_argument_unless_it_names_a_descriptor() -> None:
    assert words("echo 2>f {fd}>g") == [["echo"]]
    assert words("2>f ls") == [["ls"]]
    assert words("echo 12>f") == [["echo"]]
    assert words('echo "2">f 1"2">g \\3>h \'{fd}\'>i') == [["echo", "2", "12", "3", "{fd}"]]
    assert words("echo {a>f") == [["echo", "{a"]]
    assert words("echo a}>f") == [["echo", "a}"]]
    assert words("echo x2>f") == [["echo", "x2"]]


@pytest.mark.parametrize(
    "command", ["> out", "done > out", "for x in a b > out", "sh -c 'ls' > out"]
)
def test_a_redirection_without_a_program_is_still_reported(command: str) -> None:
    (*_, last) = split_commands(command)
    assert last.words == []
    assert last.redirects == [Redirect(">", "out")]
    assert last.write_targets() == ["out"]


# -- keywords and assignments --------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("if true; then rm x; elif a; then b; else c; fi", ["true", "rm x", "a", "b", "c"]),
        ("while read l; do rm $l; done", ["read l", "rm $l"]),
        ("until false; do ls; done", ["false", "ls"]),
        ("! rm x", ["rm x"]),
        ("{ rm x; }", ["rm x"]),
        ("for f in a b; do rm $f; done", ["rm $f"]),
        ("select f in a b; do rm $f; done", ["rm $f"]),
        ("case $x in a) rm y;; esac", ["rm y"]),
        ("A=1 B[2]=3 C+=4 rm x", ["rm x"]),
        ("A=1", []),
        ("f() { rm x; }", ["f", "rm x"]),
    ],
)
def test_keywords_and_assignments_are_not_programs(command: str, expected: list[str]) -> None:
    assert texts(command) == expected


def test_prefix_keeps_what_unwrapping_removed() -> None:
    (part,) = split_commands("if A=1 env B=2 rm x")
    assert part.prefix == ["if", "A=1", "env", "B=2"]
    assert part.words == ["rm", "x"]


def test_parts_are_plain_data() -> None:
    (part,) = split_commands("/bin/rm -f x")
    assert part == SimpleCommand(["/bin/rm", "-f", "x"])
    assert part.program == "rm"
    assert SimpleCommand([]).program == ""
