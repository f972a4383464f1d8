"""The ``claudeLsp.python.path`` setting: the project's interpreter, parsed once."""

from __future__ import annotations

from server.config import Settings, parse_settings


def test_python_path_is_read_under_the_section_or_flat() -> None:
    settings, problems = parse_settings({"claudeLsp": {"python": {"path": ".venv/bin/python"}}})
    assert problems == []
    assert settings.python.path == ".venv/bin/python"
    settings, _ = parse_settings({"python": {"path": "/usr/bin/python3"}}, settings)
    assert settings.python.path == "/usr/bin/python3"


def test_a_bad_python_path_gets_one_message_and_the_default() -> None:
    settings, problems = parse_settings({"python": {"path": 3}})
    assert settings.python == Settings().python
    assert problems == ["claudeLsp.python.path: expected a string, got 3; using ''"]
