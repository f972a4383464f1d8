"""The VS Code extension offers every server setting (vscode-client/package.json), with
defaults and choices the server accepts. The extension's own unit tests check that each
contributed setting is sent to the server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.config import _KEYS, parse_settings

PACKAGE = Path(__file__).resolve().parents[2] / "vscode-client" / "package.json"
SERVER_SETTINGS = [(group, key) for group, keys in _KEYS.items() for key in keys]


def contributed() -> dict[str, Any]:
    properties: dict[str, Any] = json.loads(PACKAGE.read_text(encoding="utf-8"))["contributes"][
        "configuration"
    ]["properties"]
    return properties


@pytest.mark.parametrize(("group", "key"), SERVER_SETTINGS)
def test_every_server_setting_is_a_vscode_setting(group: str, key: str) -> None:
    entry = contributed().get(f"claude-lsp.{group}.{key}")
    assert entry is not None, f"claude-lsp.{group}.{key} is missing from package.json"
    assert entry.get("scope"), "no scope"
    assert entry.get("description") or entry.get("markdownDescription"), "no description"
    kind = _KEYS[group][key][1]
    if isinstance(kind, tuple):  # the server's choices, plus "" (unset) where offered
        assert set(entry["enum"]) - {""} == set(kind)


@pytest.mark.parametrize(("group", "key"), SERVER_SETTINGS)
def test_the_vscode_default_is_valid_on_the_server(group: str, key: str) -> None:
    default = contributed()[f"claude-lsp.{group}.{key}"]["default"]
    # The extension sends an empty optional string as null ("not set"), as settings.ts does.
    _, problems = parse_settings({"claudeLsp": {group: {key: default}}})
    if problems and default == "":
        _, problems = parse_settings({"claudeLsp": {group: {key: None}}})
    assert problems == []
