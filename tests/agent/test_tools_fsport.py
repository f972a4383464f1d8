from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from agent.fsport import FileSystemPort
from agent.types import Event, PermissionRequest

REQUEST = PermissionRequest("Bash", {"command": "make"}, "Run `make`")


def port(
    tmp_path: Path, interactive: bool, answers: str = ""
) -> tuple[FileSystemPort, io.StringIO]:
    err = io.StringIO()
    return FileSystemPort(
        [tmp_path], interactive, io.StringIO(), err, stdin=io.StringIO(answers)
    ), err


async def test_read_and_atomic_write_keep_bytes_and_mode(tmp_path: Path) -> None:
    p, _ = port(tmp_path, False)
    target = tmp_path / "a.sh"
    target.write_bytes(b"one\r\ntwo\r\n")
    target.chmod(0o750)
    assert await p.read_text(target) == "one\r\ntwo\r\n"
    await p.write_text(target, "three\r\n")
    assert target.read_bytes() == b"three\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    await p.write_text(tmp_path / "new" / "b.txt", "b")
    assert (tmp_path / "new" / "b.txt").read_text() == "b"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["a.sh", "new"]


async def test_read_errors(tmp_path: Path) -> None:
    p, _ = port(tmp_path, False)
    with pytest.raises(FileNotFoundError):
        await p.read_text(tmp_path / "missing")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9")
    with pytest.raises(ValueError, match="not UTF-8"):
        await p.read_text(tmp_path / "latin1.txt")


@pytest.mark.parametrize(
    ("answers", "decision"),
    [
        ("y\n", "allowOnce"),
        ("a\n", "allowAlways"),
        ("n\n", "deny"),
        ("maybe\nyes\n", "allowOnce"),
        ("", "deny"),
    ],
)
async def test_interactive_permission_answers(tmp_path: Path, answers: str, decision: str) -> None:
    p, err = port(tmp_path, True, answers)
    assert await p.ask_permission(REQUEST) == decision
    assert "Run `make`" in err.getvalue()


async def test_non_interactive_denies_without_asking(tmp_path: Path) -> None:
    p, err = port(tmp_path, False, "y\n")
    assert await p.ask_permission(REQUEST) == "deny"
    assert err.getvalue() == ""


def test_emit_default_rendering_and_override(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    p = FileSystemPort([tmp_path], False, out, err)
    p.emit(Event("text", {"text": "hello"}))
    p.emit(Event("tool_call", {"name": "Bash", "input": {"command": "ls"}}))
    assert out.getvalue() == "hello"
    assert "Bash" in err.getvalue()
    seen: list[Event] = []
    p.on_event = seen.append
    p.emit(Event("text", {"text": "more"}))
    assert out.getvalue() == "hello"
    assert seen == [Event("text", {"text": "more"})]


async def test_a_symlink_swapped_in_after_the_check_cannot_lead_outside(tmp_path: Path) -> None:
    # The tools confine the path first; a directory replaced by a symlink to somewhere
    # else afterwards (a race) must still be refused when the port opens it.
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("top secret\n")
    (ws / "sub").symlink_to(outside)
    p = FileSystemPort([ws], False, io.StringIO(), io.StringIO())
    with pytest.raises(ValueError, match="outside the workspace"):
        await p.read_text(ws / "sub" / "secret.txt")
    with pytest.raises(ValueError, match="outside the workspace"):
        await p.write_text(ws / "sub" / "new.txt", "planted")
    assert sorted(x.name for x in outside.iterdir()) == ["secret.txt"]
    await p.write_text(ws / "ok.txt", "fine")  # inside: unaffected
    assert await p.read_text(ws / "ok.txt") == "fine"
