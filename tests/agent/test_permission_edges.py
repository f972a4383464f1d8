"""Permission decisions at the edges the mutation run found untested: with a sandbox that
does not auto-allow, after a directory change the policy cannot follow, with an exact
rule beside a secret, and "Always allow" in trusted and untrusted folders. Each case is
the decision (and its reason) a user would see."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.permissions import Permissions
from agent.sandbox import Sandbox, SandboxSettings
from agent.settings import Settings
from agent.trust import trust
from tests.agent.test_permissions import TOOLS

BASH = TOOLS["Bash"]


@pytest.fixture
def asking_box(ws: Path) -> Iterator[Sandbox]:
    """A sandbox whose commands still go through the usual questions."""
    box = Sandbox(SandboxSettings(auto_allow=False), [ws])
    assert box.active, f"{box.reason}: install bubblewrap (.ci/run does)"
    yield box
    box.close()


@pytest.fixture
def box(ws: Path) -> Iterator[Sandbox]:
    box = Sandbox(SandboxSettings(), [ws])
    assert box.active, f"{box.reason}: install bubblewrap (.ci/run does)"
    yield box
    box.close()


def bash(p: Permissions, command: str) -> tuple[str, str]:
    return p.decide(BASH, {"command": command})


def test_sandboxed_decisions_say_so(ws: Path, box: Sandbox) -> None:
    assert bash(Permissions("default", Settings(), [ws], sandbox=box), "make") == (
        "allow",
        "runs in the sandbox",
    )
    assert bash(Permissions("plan", Settings(), [ws], sandbox=box), "make") == (
        "allow",
        "plan mode: runs in the sandbox with nothing writable",
    )
    bypass = Permissions("bypassPermissions", Settings(), [ws], sandbox=box)
    assert bash(bypass, "echo 'open") == ("allow", "bypassPermissions mode")


def test_in_a_sandbox_a_rule_reaches_as_far_as_the_sandbox_lets_it(
    ws: Path, asking_box: Sandbox
) -> None:
    # The sandbox, not the parser, bounds what `cat` may read: the rule decides alone.
    rules = Settings(allow=["Bash(cat:*)"])
    boxed = Permissions("default", rules, [ws], sandbox=asking_box)
    assert bash(boxed, "cat ../outside.txt")[0] == "allow"
    assert bash(Permissions("default", rules, [ws]), "cat ../outside.txt")[0] == "ask"


def test_in_an_asking_sandbox_the_reason_is_not_the_missing_sandbox(
    ws: Path, asking_box: Sandbox
) -> None:
    p = Permissions("default", Settings(), [ws], sandbox=asking_box)
    assert bash(p, "echo $HOME") == ("ask", "not allowed yet: `echo $HOME`")
    assert "no sandbox" in bash(Permissions("default", Settings(), [ws]), "echo $HOME")[1]


def test_a_directory_change_the_policy_cannot_follow(ws: Path, asking_box: Sandbox) -> None:
    plan = Permissions("plan", Settings(), [ws])
    # `popd +1` goes to a folder the policy does not know: what follows is not judged.
    assert bash(plan, "popd +1 && cat src/a.py")[0] == "deny"
    assert bash(plan, "cd src && cat a.py")[0] == "allow"
    accept = Permissions("acceptEdits", Settings(), [ws])
    assert bash(accept, "popd +1; echo x > out.txt")[0] == "ask"
    assert bash(accept, "popd +1; > out.txt")[0] == "ask"  # where is out.txt?
    assert bash(accept, "> out.txt")[0] == "allow"
    assert bash(accept, "echo x > out.txt")[0] == "allow"
    boxed = Permissions("default", Settings(), [ws], sandbox=asking_box)
    assert bash(boxed, "cd $D && cat src/a.py")[0] == "ask"
    assert bash(boxed, "cd src && cat a.py")[0] == "allow"


def test_plan_mode_denies_writing_a_protected_file(ws: Path) -> None:
    assert bash(Permissions("plan", Settings(), [ws]), "echo x > CLAUDE.md") == (
        "deny",
        "plan mode writes nothing; `echo x` redirects into a file",
    )
    assert bash(Permissions("default", Settings(), [ws]), "echo x > CLAUDE.md")[0] == "ask"


def test_a_lone_input_redirection_reads_nothing_in_plan_mode(ws: Path) -> None:
    assert bash(Permissions("plan", Settings(), [ws]), "< src/a.py") == (
        "allow",
        "read-only command",
    )


def test_an_exact_rule_for_another_command_does_not_open_a_secret(ws: Path) -> None:
    p = Permissions("default", Settings(allow=["Bash(ls)", "Bash(cat .env)"]), [ws])
    assert bash(p, "ls")[0] == "allow"
    assert bash(p, "cat .env")[0] == "allow"  # the exact rule is the whole command
    assert bash(p, "head .env")[0] == "deny"


def test_a_broad_rule_does_not_read_a_secret_named_in_an_option(ws: Path) -> None:
    for rules in (["Bash(grep:*)"], ["Bash(grep:*)", "Bash(ls)"]):
        p = Permissions("default", Settings(allow=rules), [ws])
        assert bash(p, "grep -n x src/a.py")[0] == "allow"
        assert bash(p, "grep --file=.env x src/a.py")[0] == "ask", rules


def test_always_allow_warns_only_in_an_untrusted_folder(ws: Path, tmp_path: Path) -> None:
    home, local = tmp_path / "home", ws / ".claude" / "settings.local.json"
    home.mkdir()
    untrusted = Permissions("default", Settings(), [ws], home=home, persist_to=local)
    untrusted.remember(BASH, {"command": "make"})
    assert untrusted.warnings == [
        f"saved the rule to {local}; this folder is not trusted, so its allow rules apply in "
        "later sessions only once you run `claude-lsp trust`"
    ]
    trust(ws, home)
    trusted = Permissions("default", Settings(), [ws], home=home, persist_to=local)
    trusted.remember(BASH, {"command": "make test"})
    assert trusted.warnings == []
    assert "Bash(make test)" in local.read_text()


def test_a_home_rule_with_no_home_folder_matches_nothing(ws: Path, tmp_path: Path) -> None:
    home = tmp_path / "no-such-home"
    p = Permissions("default", Settings(deny=["Read(~/notes/**)"]), [ws], home=home)
    assert p.decide(TOOLS["Read"], {"file_path": "src/a.py"}) == ("allow", "read-only tool")
    notes = home / "notes" / "n.md"
    assert p.decide(TOOLS["Read"], {"file_path": str(notes)})[0] == "deny"
