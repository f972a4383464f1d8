"""Permission rules and remembered answers, as a user sees them: the decision and its
reason, and the rules an "always allow" writes to settings.local.json. Written to kill
the mutants `scripts/mutation.sh permissions` found surviving."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from agent.permissions import Permissions
from agent.settings import Settings
from tests.agent.test_permissions import TOOLS, McpTool, decide, policy


class WebFetch(McpTool):
    name = "WebFetch"


def saved(path: Path) -> list[Any]:
    return json.loads(path.read_text())["permissions"]["allow"]


def test_reasons_name_the_rule(ws: Path) -> None:
    p = policy(ws, deny=["Read(**/*.lock)"], ask=["Edit(src/**)"], allow=["Bash(make:*)"])
    assert p.decide(TOOLS["Read"], {"file_path": "x.lock"}) == (
        "deny",
        "denied by the permission rule Read(**/*.lock)",
    )
    edit = {"file_path": "src/a.py", "old_string": "1", "new_string": "2"}
    assert p.decide(TOOLS["Edit"], edit) == ("ask", "the permission rule Edit(src/**) asks first")
    assert p.decide(TOOLS["Bash"], {"command": "make all"}) == ("allow", "every command is allowed")


def test_a_rule_may_span_lines(ws: Path) -> None:
    p = policy(ws, allow=["Bash(npm\n  test:*)"])
    assert p.warnings == []
    assert decide(p, "Bash", command="npm test --watch=false") == "allow"


def test_read_and_edit_rules_name_only_their_family(ws: Path) -> None:
    assert decide(policy(ws, deny=["Write"]), "Read", file_path="src/a.py") == "allow"
    edit = {"file_path": "src/a.py", "old_string": "1", "new_string": "2"}
    assert decide(policy(ws, deny=["Read"]), "Edit", **edit) == "ask"
    assert decide(policy(ws, deny=["Edit"]), "Grep", pattern="x", path="src") == "allow"


def test_mcp_server_rules_with_a_wildcard(ws: Path) -> None:
    mcp = McpTool()
    assert decide(policy(ws, allow=["mcp__github__*"]), mcp) == "allow"
    assert decide(policy(ws, allow=["mcp__github__"]), mcp) == "allow"
    assert decide(policy(ws, allow=["mcp__git__*"]), mcp) == "ask"


@pytest.mark.parametrize(
    ("url", "decision"),
    [
        ("https://example.com/a", "allow"),
        ("https://docs.EXAMPLE.com/a", "allow"),
        ("https://example.com.evil.net/", "ask"),
        ("https://notexample.com/", "ask"),
        ("not a url", "ask"),
    ],
)
def test_webfetch_domain_rules(ws: Path, url: str, decision: str) -> None:
    p = policy(ws, allow=["WebFetch(domain:Example.com)"])
    assert decide(p, WebFetch(), url=url) == decision
    assert decide(policy(ws, allow=["WebFetch(example.com)"]), WebFetch(), url=url) == "ask"
    assert decide(policy(ws, allow=["Read(domain:example.com)"]), WebFetch(), url=url) == "ask"


def test_path_rule_anchors(ws: Path, tmp_path: Path) -> None:
    home = (tmp_path / "home").resolve()
    (home / "notes").mkdir(parents=True)
    roots = [ws, home]
    write = {"file_path": str(home / "notes" / "n.md"), "content": ""}

    def p(*allow: str) -> Permissions:
        return Permissions("default", Settings(allow=list(allow)), roots, home=home, cwd=ws / "src")

    assert decide(p(f"Write(/{home.as_posix().lstrip('/')}/notes/*.md)"), "Write", **write) == "ask"
    assert decide(p(f"Write(/{home.as_posix()}/notes/*.md)"), "Write", **write) == "allow"
    assert decide(p("Write(~/notes/*.md)"), "Write", **write) == "allow"
    assert decide(p("Write(~/other/*.md)"), "Write", **write) == "ask"
    assert decide(p("Write(./b.py)"), "Write", file_path="b.py", content="") == "allow"
    assert decide(p("Write(./b.py)"), "Write", file_path="../b.py", content="") == "ask"
    assert decide(p("Write(b.py)"), "Write", file_path="deep/b.py", content="") == "allow"
    # a folder rule covers the folder itself
    assert decide(p("Read(./)", "Grep"), "Grep", pattern="x", path=".") == "allow"
    assert decide(p("Edit(/x/)"), "Write", file_path="../x", content="") == "ask"


def test_always_allow_is_saved_as_rules(ws: Path, tmp_path: Path) -> None:
    local = tmp_path / "settings.local.json"
    p = Permissions("default", Settings(), [ws], persist_to=local, cwd=ws / "src")
    p.remember(TOOLS["Bash"], {})  # nothing to allow: nothing saved
    assert not local.exists()
    p.remember(TOOLS["Bash"], {"command": "ls && make test"})
    assert saved(local) == ["Bash(make test)"]
    assert decide(p, "Bash", command="make test") == "allow"
    assert decide(p, "Bash", command="npm publish") == "ask"
    p.remember(TOOLS["Write"], {"file_path": "new.py", "content": ""})
    p.remember(TOOLS["Write"], {"file_path": "../docs/x[1].md", "content": ""})
    p.remember(McpTool(), {})
    assert saved(local) == [
        "Bash(make test)",
        "Write(/new.py)",
        f"Write(/{ws}/docs/x\\[1\\].md)",
        "mcp__github__create_issue",
    ]
    assert decide(p, "Write", file_path="../docs/x[1].md", content="") == "allow"
    assert decide(p, "Write", file_path="../docs/x1.md", content="") == "ask"
    assert decide(p, McpTool()) == "allow"


def test_always_allow_that_cannot_be_saved_is_reported(
    ws: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    local = tmp_path / "settings.local.json"
    local.write_text("[]")
    p = Permissions("default", Settings(), [ws], persist_to=local)
    with caplog.at_level(logging.WARNING, logger="agent.permissions"):
        p.remember(TOOLS["Bash"], {"command": "make"})
    assert p.warnings == [
        f"could not save the rule to {local}: {local} does not hold a JSON object; not changed"
    ]
    assert [r.getMessage() for r in caplog.records] == p.warnings
    assert decide(p, "Bash", command="make") == "allow"  # still allowed for the session
    assert local.read_text() == "[]"


def test_a_broad_rule_does_not_cover_reaching_outside(ws: Path, tmp_path: Path) -> None:
    local = tmp_path / "settings.local.json"
    p = Permissions("default", Settings(allow=["Bash(cat:*)", "Bash(ls)"]), [ws], persist_to=local)
    assert decide(p, "Bash", command="cat ../outside.txt") == "ask"
    p.remember(TOOLS["Bash"], {"command": "cat ../outside.txt"})
    assert saved(local) == ["Bash(cat ../outside.txt)"]


def test_commands_the_policy_cannot_read(ws: Path) -> None:
    assert policy(ws, "plan").decide(TOOLS["Bash"], {"command": "  "}) == ("deny", "empty command")
    assert decide(policy(ws, "plan"), "Bash", command="echo 'open") == "deny"
    assert decide(policy(ws, "bypassPermissions"), "Bash", command="echo 'open") == "allow"
    assert decide(policy(ws), "Bash", command="echo 'open") == "ask"


def test_secret_reads_need_an_exact_bash_rule(ws: Path) -> None:
    assert decide(policy(ws, allow=["Bash"]), "Bash", command="cat .env") == "deny"
    assert decide(policy(ws, allow=["Bash(cat:*)"]), "Bash", command="cat .env") == "deny"
    assert decide(policy(ws, allow=["Bash(cat .env)"]), "Bash", command="cat .env") == "allow"
    assert decide(policy(ws, allow=["Bash"]), "Bash", command="ls src") == "allow"


def test_writing_a_secret_through_a_redirect(ws: Path) -> None:
    p = policy(ws, "acceptEdits", allow=["Edit(.env)"])
    assert decide(p, "Bash", command="echo K=2 > .env") == "ask"  # named: asked, not denied
    assert decide(policy(ws, "acceptEdits"), "Bash", command="echo K=2 > .env") == "deny"


def test_after_a_cd_that_cannot_be_followed_writes_ask(ws: Path) -> None:
    p = policy(ws, "acceptEdits")
    assert decide(p, "Bash", command="cd - && echo hi > out.txt") == "ask"
    assert decide(p, "Bash", command="cd src && echo hi > out.txt") == "allow"
    assert decide(policy(ws), "Bash", command="cd - && cat src/a.py") == "ask"
    assert decide(policy(ws), "Bash", command="popd && cat src/a.py") == "ask"


def test_a_write_rule_must_cover_every_directory_a_cd_may_leave(ws: Path) -> None:
    p = policy(ws, allow=["Edit(/out.txt)", "Bash(echo:*)", "Bash(cd:*)"])
    assert decide(p, "Bash", command="echo hi > out.txt") == "allow"
    assert decide(p, "Bash", command="cd src && echo hi > out.txt") == "ask"


def test_a_rule_for_one_command_does_not_widen_another(ws: Path) -> None:
    p = policy(ws, allow=["Bash(cat:*)", "Bash(ls)", "Bash(cd:*)"])
    assert decide(p, "Bash", command="cat ../outside.txt") == "ask"
    assert decide(p, "Bash", command="cd .. && ls") == "ask"
    assert decide(p, "Bash", command="ls") == "allow"


def test_a_bare_redirection_is_a_write(ws: Path) -> None:
    assert decide(policy(ws, "acceptEdits"), "Bash", command="> out.txt") == "allow"
    assert decide(policy(ws), "Bash", command="> out.txt") == "ask"


def test_ask_rules_for_bash(ws: Path) -> None:
    rules = {"allow": ["Bash(git push:*)", "Bash(git:*)"], "ask": ["Bash(git push:*)"]}
    p = policy(ws, **rules)
    assert p.decide(TOOLS["Bash"], {"command": "git status && git push origin"}) == (
        "ask",
        "the permission rule Bash(git push:*) asks first",
    )
    assert decide(p, "Bash", command="git log --oneline") == "allow"
    assert decide(policy(ws, ask=["Read"]), "Bash", command="ls src") == "allow"
    bypass = policy(ws, "bypassPermissions", **rules)
    assert bypass.decide(TOOLS["Bash"], {"command": "git push origin"}) == (
        "allow",
        "bypassPermissions mode",
    )


def test_decisions_say_why(ws: Path) -> None:
    edit = {"file_path": "src/a.py", "old_string": "1", "new_string": "2"}
    bash = TOOLS["Bash"]
    assert policy(ws).decide(TOOLS["Read"], {"file_path": "src/a.py"}) == (
        "allow",
        "read-only tool",
    )
    assert policy(ws, "acceptEdits").decide(TOOLS["Edit"], edit) == ("allow", "acceptEdits mode")
    bypass = policy(ws, "bypassPermissions", ask=["Edit(src/**)", "Bash(ls:*)"])
    assert bypass.decide(TOOLS["Edit"], edit) == ("allow", "bypassPermissions mode")
    assert bypass.decide(bash, {"command": "ls"}) == ("allow", "bypassPermissions mode")
    assert policy(ws, "plan").decide(bash, {"command": "ls src"}) == ("allow", "read-only command")
    assert policy(ws).decide(bash, {"command": "ls src"}) == ("allow", "every command is allowed")
    assert policy(ws).decide(bash, {}) == ("allow", "every command is allowed")  # runs nothing
    assert policy(ws).decide(bash, {"command": "a; b; c; d"}) == (
        "ask",
        "not allowed yet: `a`, `b`, `c`",
    )
    assert policy(ws, "plan").decide(bash, {"command": "echo a > x; echo b > y"}) == (
        "deny",
        "plan mode writes nothing; `echo a` redirects into a file",
    )
    decision, reason = policy(ws).decide(TOOLS["Read"], {"file_path": "../x"})
    assert decision == "deny" and "outside the workspace" in reason
    assert policy(ws).decide(bash, "ls") == (  # type: ignore[arg-type]
        "deny",
        "the tool input must be a JSON object",
    )


def test_protected_paths_ask_for_every_tool_that_changes_things(ws: Path) -> None:
    p = policy(ws, allow=["mcp__github"])
    decision, reason = p.decide(McpTool(), {"path": ".git/hooks/pre-commit"})
    assert decision == "ask" and "always ask" in reason
    assert decide(p, McpTool(), path="src/a.py") == "allow"


def test_redirects_into_protected_files(ws: Path) -> None:
    named = policy(ws, "acceptEdits", allow=["Edit(/.git/config)"])
    assert decide(named, "Bash", command="echo x >> .git/config") == "allow"
    # bypassPermissions runs any command unasked: a redirect is no different
    assert decide(policy(ws, "bypassPermissions"), "Bash", command="echo x >> .git/config") == (
        "allow"
    )


def test_permissions_need_a_root_and_use_the_home_folder(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match=r"^Permissions needs at least one workspace root$"):
        Permissions("default", Settings(), [])
    monkeypatch.setenv("HOME", str(ws))
    p = Permissions("default", Settings(allow=["Write(~/src/*.py)"]), [ws])
    assert decide(p, "Write", file_path="src/b.py", content="") == "allow"


def test_bad_rules_are_reported_and_logged(ws: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="agent.permissions"):
        p = policy(ws, allow=["Bash(ls", "Read"])
    assert p.warnings == ["ignoring permission rule 'Bash(ls': not Tool or Tool(…)"]
    assert [r.getMessage() for r in caplog.records] == p.warnings


def test_protected_folders_anywhere_and_in_every_root(ws: Path, tmp_path: Path) -> None:
    other = (tmp_path / "other").resolve()
    other.mkdir()
    p = Permissions("acceptEdits", Settings(), [ws, other])
    for path in ("sub/.claude/settings.json", "vendor/lib/.git/config", str(other / "CLAUDE.md")):
        decision, reason = p.decide(TOOLS["Write"], {"file_path": path, "content": ""})
        assert (decision, "always ask" in reason) == ("ask", True), path
    assert decide(p, "Write", file_path=str(other / "notes.md"), content="") == "allow"


def test_folder_rules_and_odd_inputs(ws: Path) -> None:
    assert decide(policy(ws, deny=["Read(build/)"]), "Grep", pattern="x", path="src") == "allow"
    assert decide(policy(ws, deny=["Read(src/)"]), "Grep", pattern="x", path="src") == "deny"
    assert decide(policy(ws), "Read", file_path=5) == "allow"  # not a path: the tool refuses it
    relative = Permissions("default", Settings(allow=["Write(./b.py)"]), [ws], cwd=Path("src"))
    assert decide(relative, "Write", file_path="b.py", content="") == "allow"
    assert relative.decide(TOOLS["Write"], {"file_path": "../b.py", "content": ""})[0] == "ask"


class ReadResource(McpTool):
    name = "ReadMcpResourceTool"
    read_only = True


class ListResources(McpTool):
    name = "ListMcpResourcesTool"
    read_only = True


class OtherReader(McpTool):
    name = "Lookup"
    read_only = True


def test_mcp_server_rules_cover_its_resource_tools(ws: Path) -> None:
    p = policy(ws, deny=["mcp__vault"])
    read, listing = ReadResource(), ListResources()
    assert p.decide(read, {"server": "vault", "uri": "v://k"}) == (
        "deny",
        "denied by the permission rule mcp__vault",
    )
    assert decide(p, listing, server="vault") == "deny"
    assert decide(p, read, server="docs", uri="d://x") == "allow"  # another server
    assert decide(p, read, server="vaults", uri="d://x") == "allow"
    assert decide(p, OtherReader(), server="vault") == "allow"  # only the resource tools
    assert decide(p, read, server=3, uri="d://x") == "allow"  # (rejected by its schema)
    assert decide(policy(ws, deny=["mcp__vault__*"]), read, server="vault", uri="v") == "deny"
    assert decide(policy(ws, ask=["mcp__vault"]), listing, server="vault") == "ask"


def test_a_resource_servers_name_is_matched_as_its_tools_are_named(ws: Path) -> None:
    # Tool names keep letters, digits, _ and -: "my.notes" serves mcp__my_notes__*.
    read = ReadResource()
    assert decide(policy(ws, deny=["mcp__my_notes"]), read, server="my.notes", uri="n") == "deny"
    assert decide(policy(ws, deny=["mcp__My-Notes"]), read, server="My-Notes", uri="n") == "deny"
    assert decide(policy(ws, deny=["mcp__my_notes"]), read, server="My-Notes", uri="n") == "allow"
    assert decide(policy(ws, deny=["mcp__*"]), read, server="", uri="n") == "allow"
