from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.paths import PathError, confine, resolve, secret_reason


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("s\n")
    return root.resolve()


def test_relative_and_dotdot_inside_are_resolved(ws: Path) -> None:
    assert confine("src/../src/a.py", ws, [ws]) == ws / "src" / "a.py"
    assert confine("./new/file.py", ws / "src", [ws]) == ws / "src" / "new" / "file.py"


@pytest.mark.parametrize(
    "raw", ["../outside/secret.txt", "src/../../outside/secret.txt", "/etc/passwd"]
)
def test_escapes_are_refused(ws: Path, raw: str) -> None:
    with pytest.raises(PathError, match="outside the workspace"):
        confine(raw, ws, [ws])


def test_home_is_expanded_then_refused(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(ws.parent / "outside"))
    assert resolve("~/secret.txt", ws) == (ws.parent / "outside" / "secret.txt").resolve()
    with pytest.raises(PathError):
        confine("~/secret.txt", ws, [ws])


def test_symlinks_are_resolved_before_the_check(ws: Path) -> None:
    (ws / "link.txt").symlink_to(ws.parent / "outside" / "secret.txt")
    (ws / "linkdir").symlink_to(ws.parent / "outside")
    with pytest.raises(PathError):
        confine("link.txt", ws, [ws])
    # A file that does not exist yet is judged by where its parent really is.
    with pytest.raises(PathError):
        confine("linkdir/new.txt", ws, [ws])
    (ws / "inner").symlink_to(ws / "src")
    assert confine("inner/a.py", ws, [ws]) == ws / "src" / "a.py"


def test_several_roots(ws: Path) -> None:
    other = (ws.parent / "outside").resolve()
    assert confine(str(other / "secret.txt"), ws, [ws, other]) == other / "secret.txt"


def test_empty_and_nul_paths_are_refused(ws: Path) -> None:
    with pytest.raises(PathError):
        confine("", ws, [ws])
    with pytest.raises(PathError):
        confine("a\x00b", ws, [ws])


@pytest.mark.parametrize(
    "name",
    [".env", ".env.local", "server.pem", "tls.key", "id_rsa", "id_ed25519", ".netrc",
     ".git-credentials", "cert.p12", ".aws/credentials", ".ssh/config"],
)  # fmt: skip
def test_secret_names(tmp_path: Path, name: str) -> None:
    assert secret_reason(tmp_path / name) is not None


@pytest.mark.parametrize("name", ["main.py", "id_rsa.pub", ".env.example", "keys.py", "README.md"])
def test_ordinary_names(tmp_path: Path, name: str) -> None:
    assert secret_reason(tmp_path / name) is None


def test_npmrc_is_secret_only_with_a_token(tmp_path: Path) -> None:
    npmrc = tmp_path / ".npmrc"
    npmrc.write_text("save-exact=true\n")
    assert secret_reason(npmrc) is None
    npmrc.write_text("//registry.npmjs.org/:_authToken=abc\n")
    assert secret_reason(npmrc) is not None
    assert os.path.exists(npmrc)


def test_refusals_say_why(ws: Path) -> None:
    """The model reads these messages to correct itself: they name the problem and the
    workspace roots."""
    with pytest.raises(PathError, match=r"^empty path$"):
        confine("", ws, [ws])
    with pytest.raises(PathError, match=r"^path contains a NUL byte$"):
        confine("a\x00b", ws, [ws])
    other = ws.parent / "outside"
    with pytest.raises(PathError) as caught:
        confine("/etc/passwd", ws, [ws, other])
    assert str(caught.value) == (
        f"/etc/passwd resolves to {Path('/etc/passwd').resolve()}, outside the workspace "
        f"({ws}, {other}); the agent only reads and writes files inside it"
    )
    with pytest.raises(PathError, match=r"outside the workspace \(\(none\)\)"):
        confine("src/a.py", ws, [])


def test_roots_that_do_not_exist_yet_still_confine(tmp_path: Path) -> None:
    from agent.paths import resolve_roots

    (root,) = resolve_roots([tmp_path / "later"])
    assert root == tmp_path.resolve() / "later"
    assert confine("new.py", root, [root]) == root / "new.py"


@pytest.mark.parametrize(
    ("name", "text", "secret"),
    [
        (".npmrc", "_auth=dXNlcjpwYXNz\n", True),
        (".npmrc", "//registry.example.com/:_password=cGFzcw==\n", True),
        (".npmrc", "//registry.example.com/:token=abc\n", True),
        (".yarnrc", "//registry.example.com/:_authToken abc\n", True),
        (".yarnrc.yml", 'npmRegistries:\n  "//registry.example.com":\n    npmAuthIdent: u\n', True),
        (".npmrc", "registry=https://registry.npmjs.org/\n", False),
        (".npmrc", "//registry.example.com/:email=me@example.com\n", False),
        (".npmrc", "# token and auth come from the CI\n", False),
        (".yarnrc.yml", "nodeLinker: node-modules\n", False),
    ],
)
def test_registry_files_are_secret_by_their_tokens(
    tmp_path: Path, name: str, text: str, secret: bool
) -> None:
    path = tmp_path / name
    path.write_text(text)
    assert (secret_reason(path) is not None) is secret


def test_registry_file_in_another_encoding_or_unreadable(tmp_path: Path) -> None:
    npmrc = tmp_path / ".npmrc"
    npmrc.write_bytes(b"# caf\xe9\n//registry.example.com/:_authToken=abc\n")
    assert secret_reason(npmrc) == ".npmrc holds a registry token"
    folder = tmp_path / "d" / ".npmrc"
    folder.mkdir(parents=True)  # a folder by that name cannot be read: not a token file
    assert secret_reason(folder) is None


@pytest.mark.parametrize("name", [".aws/credentials", ".ssh/deploy", ".config/gh/hosts.yml"])
def test_secret_folders_count_in_relative_paths_too(name: str) -> None:
    # Grep judges the paths ripgrep prints, relative to where it searched.
    assert secret_reason(Path(name)) is not None
    assert secret_reason(Path(name).parent / "other" / Path(name).name) is None


def test_spaces_are_allowed_and_control_characters_refused_with_the_path(ws: Path) -> None:
    assert confine("my notes.txt", ws, [ws]) == ws / "my notes.txt"
    with pytest.raises(PathError) as caught:
        confine("a" * 300 + "\tb", ws, [ws])
    assert str(caught.value) == f"path contains a control character: {'a' * 200!r}"
    with pytest.raises(PathError, match=r"^path contains a control character: 'a\\nb'$"):
        confine("a\nb", ws, [ws])
