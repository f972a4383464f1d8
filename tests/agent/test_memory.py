from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.memory import MAX_IMPORT_DEPTH, load_memory, load_memory_report, memory_prompt


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    project = tmp_path / "code" / "project"
    project.mkdir(parents=True)
    return project, home


def test_locations_in_order(layout: tuple[Path, Path]) -> None:
    project, home = layout
    (home / ".claude" / "CLAUDE.md").write_text("user rules")
    (project.parent / "CLAUDE.md").write_text("parent rules")
    (project / "CLAUDE.md").write_text("project rules")
    (project / ".claude").mkdir()
    (project / ".claude" / "CLAUDE.md").write_text("dot-claude rules")
    (project / "CLAUDE.local.md").write_text("local rules")
    files = load_memory(project, home)
    assert [f.content for f in files] == [
        "user rules", "parent rules", "project rules", "dot-claude rules", "local rules",
    ]  # fmt: skip
    assert [f.scope for f in files] == ["user", "parent", "project", "project", "local"]
    prompt = memory_prompt(files)
    assert prompt.index("user rules") < prompt.index("local rules")
    assert str(project / "CLAUDE.md") in prompt


def test_imports_relative_home_and_absolute(layout: tuple[Path, Path]) -> None:
    project, home = layout
    (project / "docs").mkdir()
    (project / "docs" / "style.md").write_text("style guide @more.md")
    (project / "docs" / "more.md").write_text("more")
    (home / "prefs.md").write_text("home prefs")
    absolute = project.parent / "abs.md"
    absolute.write_text("absolute")
    (project / "CLAUDE.md").write_text(
        f"See @docs/style.md and @~/prefs.md and @{absolute}.\n"
        "Mail me at someone@example.com, or @missing.md.\n"
        "Not `@docs/more.md` in code.\n```\n@abs.md\n```\n"
    )
    approve(project, home)
    files = load_memory(project, home)
    contents = [f.content for f in files]
    assert contents[1:] == ["style guide @more.md", "more", "home prefs", "absolute"]
    assert files[2].imported_from == project / "docs" / "style.md"


def approve(project: Path, home: Path) -> None:
    config = {"projects": {str(project.resolve()): {"hasClaudeMdExternalIncludesApproved": True}}}
    (home / ".claude.json").write_text(json.dumps(config))


def test_the_repository_cannot_import_files_from_outside_it_unless_approved(
    layout: tuple[Path, Path],
) -> None:
    """A cloned repository's memory would otherwise put the user's other files (tokens
    in ~/.config, other projects) into the model's context."""
    project, home = layout
    (home / ".config").mkdir()
    (home / ".config" / "hosts.yml").write_text("oauth_token: gho_abc")
    (project.parent / "other.md").write_text("another project's notes")
    (project / "notes.md").write_text("in the workspace")
    (project / "CLAUDE.md").write_text("@notes.md @~/.config/hosts.yml @../other.md")
    (project / "CLAUDE.local.md").write_text("@/etc/hostname")
    (project / ".claude").mkdir()
    (project / ".claude" / "CLAUDE.md").symlink_to(home / ".config" / "hosts.yml")
    (home / ".claude" / "CLAUDE.md").write_text("mine @~/prefs.md")
    (home / "prefs.md").write_text("my prefs")
    files, skipped = load_memory_report(project, home)
    contents = [f.content for f in files]
    assert contents[:2] == ["mine @~/prefs.md", "my prefs"]  # the user's own: not limited
    assert contents[3:] == ["in the workspace", "@/etc/hostname"]
    assert "gho_abc" not in memory_prompt(files) and "another" not in memory_prompt(files)
    assert {p.name for p in skipped} == {"hosts.yml", "other.md", "hostname", "CLAUDE.md"}
    approve(project, home)
    approved = [f.content for f in load_memory(project, home)]
    assert "another project's notes" in approved and "oauth_token: gho_abc" in approved


def test_import_cycles_end(layout: tuple[Path, Path]) -> None:
    project, home = layout
    (project / "CLAUDE.md").write_text("@a.md")
    (project / "a.md").write_text("a @b.md")
    (project / "b.md").write_text("b @a.md @CLAUDE.md")
    assert [f.content for f in load_memory(project, home)] == [
        "@a.md",
        "a @b.md",
        "b @a.md @CLAUDE.md",
    ]


def test_import_depth_is_limited(layout: tuple[Path, Path]) -> None:
    project, home = layout
    (project / "CLAUDE.md").write_text("@f1.md")
    for n in range(1, MAX_IMPORT_DEPTH + 3):
        (project / f"f{n}.md").write_text(f"level {n} @f{n + 1}.md")
    files = load_memory(project, home)
    assert len(files) == MAX_IMPORT_DEPTH + 1


def test_secrets_are_not_imported(layout: tuple[Path, Path]) -> None:
    project, home = layout
    (project / ".env").write_text("TOKEN=x")
    (project / "CLAUDE.md").write_text("@.env")
    assert [f.content for f in load_memory(project, home)] == ["@.env"]


def test_no_memory(layout: tuple[Path, Path]) -> None:
    assert load_memory(*layout) == []
    assert memory_prompt([]) == ""


def test_a_monorepo_root_memory_is_the_repository_s_not_the_user_s(
    layout: tuple[Path, Path],
) -> None:
    """Opening a package folder of a clone: the clone's root CLAUDE.md is a parent, but it
    came with the repository, so it may read the repository and nothing outside it."""
    project, home = layout
    repo = project.parent
    (repo / ".git").mkdir()
    (home / ".config" / "gh").mkdir(parents=True)
    (home / ".config" / "gh" / "hosts.yml").write_text("oauth_token: gho_abc")
    (home / "notes.md").write_text("private notes")
    (repo / "STYLE.md").write_text("repository style")
    (repo / "CLAUDE.md").write_text("root rules @STYLE.md @~/notes.md @~/.config/gh/hosts.yml")
    files, skipped = load_memory_report(project, home)
    assert [f.content for f in files] == [
        "root rules @STYLE.md @~/notes.md @~/.config/gh/hosts.yml",
        "repository style",
    ]
    assert [p.name for p in skipped] == ["notes.md", "hosts.yml"]
