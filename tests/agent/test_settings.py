from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.settings import load_settings


def write(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "project", tmp_path / "home"


def test_precedence_local_over_project_over_user(dirs: tuple[Path, Path]) -> None:
    project, home = dirs
    write(home / ".claude/settings.json", {
        "model": "user-model", "env": {"A": "user", "B": "user"},
        "permissions": {"allow": ["Read"], "defaultMode": "plan"},
    })  # fmt: skip
    write(project / ".claude/settings.json", {
        "model": "project-model", "env": {"B": "project"},
        "permissions": {"allow": ["Bash(npm test:*)"], "deny": ["Read(.env)"]},
    })  # fmt: skip
    write(project / ".claude/settings.local.json", {
        "model": "local-model", "permissions": {"defaultMode": "acceptEdits", "ask": ["Bash"]},
    })  # fmt: skip
    settings = load_settings(project, home)
    assert settings.model == "local-model"
    assert settings.default_mode == "acceptEdits"
    assert settings.env == {"A": "user", "B": "project"}
    assert settings.allow == ["Read", "Bash(npm test:*)"]
    assert settings.deny == ["Read(.env)"]
    assert settings.ask == ["Bash"]
    assert len(settings.sources) == 3
    assert settings.warnings == []


def test_missing_files_give_defaults(dirs: tuple[Path, Path]) -> None:
    settings = load_settings(*dirs)
    assert settings.model is None
    assert settings.allow == []
    assert settings.sources == []


def test_bad_json_is_a_warning_not_a_crash(dirs: tuple[Path, Path]) -> None:
    project, home = dirs
    write(project / ".claude/settings.json", '{"model": "x",,}')
    write(home / ".claude/settings.json", {"model": "user-model"})
    settings = load_settings(project, home)
    assert settings.model == "user-model"
    assert len(settings.warnings) == 1
    assert "not valid JSON" in settings.warnings[0]
    assert "line 1" in settings.warnings[0]


def test_wrong_types_are_warned_and_skipped(dirs: tuple[Path, Path]) -> None:
    project, home = dirs
    write(project / ".claude/settings.json", {
        "model": 3, "env": {"OK": "1", "N": 2, "BAD": {"x": 1}},
        "permissions": {"allow": "Bash", "deny": ["Write"], "defaultMode": "yolo"},
    })  # fmt: skip
    settings = load_settings(project, home)
    assert settings.model is None
    assert settings.env == {"OK": "1", "N": "2"}
    assert settings.allow == []
    assert settings.deny == ["Write"]
    assert settings.default_mode is None
    assert len(settings.warnings) == 4


def test_top_level_not_an_object(dirs: tuple[Path, Path]) -> None:
    project, home = dirs
    write(project / ".claude/settings.local.json", "[1, 2]")
    assert "JSON object" in load_settings(project, home).warnings[0]
