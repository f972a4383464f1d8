from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from agent.tools import EditTool, MultiEditTool, ReadTool, WriteTool
from agent.tools.files import DEFAULT_LINE_LIMIT, MAX_LINE_CHARS
from agent.types import ToolContext
from tests.agent.tools_helpers import call, make_ctx, text_of

TAB_FILE = "def f(x):\n\tif x:\n\t\treturn 1\n\treturn 2\n"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = (tmp_path / "ws").resolve()
    root.mkdir()
    return root


@pytest.fixture
def tctx(ws: Path) -> ToolContext:
    return make_ctx(ws)


async def read(ctx: ToolContext, path: str) -> str:
    result = await call(ReadTool(), ctx, file_path=path)
    assert not result.is_error, result.content
    return text_of(result)


# -- Read ---------------------------------------------------------------------------------


async def test_read_numbers_lines_like_cat_n(ws: Path, tctx: ToolContext) -> None:
    (ws / "a.py").write_text("one\ntwo\r\nthree")
    assert await read(tctx, "a.py") == "     1\tone\n     2\ttwo\n     3\tthree"
    assert tctx.read_files[ws / "a.py"] == "one\ntwo\r\nthree"


async def test_read_offset_limit_and_long_lines(ws: Path, tctx: ToolContext) -> None:
    (ws / "big.txt").write_text("".join(f"line {n}\n" for n in range(1, 3001)))
    out = await read(tctx, "big.txt")
    assert out.count("\n") == DEFAULT_LINE_LIMIT  # lines plus one note
    assert "lines 1-2000 of 3000" in out
    out = await read(tctx, str(ws / "big.txt"))
    part = text_of(await call(ReadTool(), tctx, file_path="big.txt", offset=2999, limit=5))
    assert part.splitlines()[:2] == ["  2999\tline 2999", "  3000\tline 3000"]
    (ws / "wide.txt").write_text("x" * (MAX_LINE_CHARS + 50) + "\n")
    assert "[50 chars cut]" in await read(tctx, "wide.txt")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda ws: (ws / "b.bin").write_bytes(b"\x00\x01\x02"), "binary"),
        (lambda ws: (ws / "b.bin").write_bytes(b"caf\xe9\n"), "not UTF-8"),
        (lambda ws: (ws / "b.bin").mkdir(), "directory"),
        (lambda ws: None, "does not exist"),
    ],
)
async def test_read_refusals(ws: Path, tctx: ToolContext, setup: object, message: str) -> None:
    setup(ws)  # type: ignore[operator]
    result = await call(ReadTool(), tctx, file_path="b.bin")
    assert result.is_error
    assert message in text_of(result)


async def test_read_huge_file_is_refused(ws: Path, tctx: ToolContext) -> None:
    with (ws / "huge.log").open("wb") as handle:
        handle.truncate(11 * 1024 * 1024)
    result = await call(ReadTool(), tctx, file_path="huge.log")
    assert result.is_error
    assert "too large" in text_of(result)


async def test_read_outside_the_workspace_is_refused(tctx: ToolContext) -> None:
    for path in ("../x", "/etc/hostname", "~/.bashrc"):
        result = await call(ReadTool(), tctx, file_path=path)
        assert result.is_error
        assert "outside the workspace" in text_of(result)


# -- Write --------------------------------------------------------------------------------


async def test_write_creates_and_requires_a_read_to_replace(ws: Path, tctx: ToolContext) -> None:
    result = await call(WriteTool(), tctx, file_path="new/dir/a.py", content="x = 1\n")
    assert not result.is_error
    assert (ws / "new/dir/a.py").read_text() == "x = 1\n"
    (ws / "old.py").write_text("old\n")
    refused = await call(WriteTool(), tctx, file_path="old.py", content="new\n")
    assert refused.is_error
    assert "Read it first" in text_of(refused)
    assert (ws / "old.py").read_text() == "old\n"
    await read(tctx, "old.py")
    assert not (await call(WriteTool(), tctx, file_path="old.py", content="new\n")).is_error
    assert (ws / "old.py").read_text() == "new\n"


async def test_write_refuses_a_file_changed_since_read(ws: Path, tctx: ToolContext) -> None:
    (ws / "a.py").write_text("v1\n")
    await read(tctx, "a.py")
    (ws / "a.py").write_text("v2 by the user\n")
    result = await call(WriteTool(), tctx, file_path="a.py", content="v3\n")
    assert result.is_error
    assert "changed since" in text_of(result)
    assert (ws / "a.py").read_text() == "v2 by the user\n"


async def test_write_keeps_mode_and_crlf(ws: Path, tctx: ToolContext) -> None:
    script = ws / "run.sh"
    script.write_bytes(b"echo 1\r\n")
    script.chmod(0o755)
    await read(tctx, "run.sh")
    await call(WriteTool(), tctx, file_path="run.sh", content="echo 2\necho 3\n")
    assert script.read_bytes() == b"echo 2\r\necho 3\r\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    assert [p.name for p in ws.iterdir()] == ["run.sh"]  # no temporary file left


async def test_write_through_a_symlink_keeps_the_link(ws: Path, tctx: ToolContext) -> None:
    (ws / "real.txt").write_text("a\n")
    (ws / "link.txt").symlink_to(ws / "real.txt")
    await read(tctx, "link.txt")
    await call(WriteTool(), tctx, file_path="link.txt", content="b\n")
    assert (ws / "link.txt").is_symlink()
    assert (ws / "real.txt").read_text() == "b\n"


# -- Edit ---------------------------------------------------------------------------------


async def edit(ctx: ToolContext, path: str, old: str, new: str, **kw: object) -> tuple[bool, str]:
    result = await call(EditTool(), ctx, file_path=path, old_string=old, new_string=new, **kw)
    return result.is_error, text_of(result)


async def test_edit_requires_read_and_fresh_text(ws: Path, tctx: ToolContext) -> None:
    (ws / "a.py").write_text("x = 1\n")
    failed, message = await edit(tctx, "a.py", "x = 1", "x = 2")
    assert failed
    assert "has not been read" in message
    await read(tctx, "a.py")
    os.utime(ws / "a.py")  # touching alone is not a change
    (ws / "a.py").write_text("x = 10\n")
    failed, message = await edit(tctx, "a.py", "x = 10", "x = 2")
    assert failed
    assert "changed since" in message
    assert (ws / "a.py").read_text() == "x = 10\n"


async def test_edit_applies_and_allows_a_second_edit(ws: Path, tctx: ToolContext) -> None:
    (ws / "a.py").write_text("x = 1\ny = 2\n")
    await read(tctx, "a.py")
    failed, message = await edit(tctx, "a.py", "x = 1", "x = 10")
    assert not failed
    assert "     1\tx = 10" in message
    failed, _ = await edit(tctx, "a.py", "y = 2", "y = 20")
    assert not failed
    assert (ws / "a.py").read_text() == "x = 10\ny = 20\n"


async def test_edit_tolerates_tabs_vs_spaces(ws: Path, tctx: ToolContext) -> None:
    (ws / "f.py").write_text(TAB_FILE)
    await read(tctx, "f.py")
    failed, message = await edit(
        tctx, "f.py", "    if x:\n        return 1\n", "    if x:\n        return 3\n"
    )
    assert not failed, message
    assert "normalising whitespace" in message
    assert (ws / "f.py").read_text() == TAB_FILE.replace("return 1", "return 3")


async def test_edit_miss_with_tabs_changes_nothing_and_shows_closest(
    ws: Path, tctx: ToolContext
) -> None:
    (ws / "f.py").write_text(TAB_FILE)
    await read(tctx, "f.py")
    failed, message = await edit(
        tctx, "f.py", "    if x:\n        return 5\n", "    if x:\n        return 3\n"
    )
    assert failed
    assert "Nothing was changed" in message
    assert "     2\t\tif x:" in message
    assert "First difference at line 3" in message
    assert (ws / "f.py").read_text() == TAB_FILE


async def test_edit_crlf(ws: Path, tctx: ToolContext) -> None:
    (ws / "w.py").write_bytes(b"a = 1\r\nb = 2\r\nc = 3\r\n")
    await read(tctx, "w.py")
    failed, _ = await edit(tctx, "w.py", "a = 1\nb = 2\n", "a = 1\nb = 20\nb2 = 0\n")
    assert not failed
    assert (ws / "w.py").read_bytes() == b"a = 1\r\nb = 20\r\nb2 = 0\r\nc = 3\r\n"


async def test_edit_crlf_ambiguous_changes_nothing(ws: Path, tctx: ToolContext) -> None:
    original = b"x = 0\r\ny = 1\r\nx = 0\r\n"
    (ws / "w.py").write_bytes(original)
    await read(tctx, "w.py")
    failed, message = await edit(tctx, "w.py", "x = 0\n", "x = 9\n")
    assert failed
    assert "matches 2 places (lines 1, 3)" in message
    assert (ws / "w.py").read_bytes() == original
    failed, _ = await edit(tctx, "w.py", "x = 0\n", "x = 9\n", replace_all=True)
    assert not failed
    assert (ws / "w.py").read_bytes() == b"x = 9\r\ny = 1\r\nx = 9\r\n"


async def test_edit_ambiguous_and_identical_are_refused(ws: Path, tctx: ToolContext) -> None:
    (ws / "a.py").write_text("pass\npass\n")
    await read(tctx, "a.py")
    failed, message = await edit(tctx, "a.py", "pass", "return")
    assert failed
    assert "replace_all" in message
    failed, message = await edit(tctx, "a.py", "pass", "pass")
    assert failed
    assert "identical" in message
    assert (ws / "a.py").read_text() == "pass\npass\n"


async def test_edit_with_empty_old_string_creates_a_file(ws: Path, tctx: ToolContext) -> None:
    failed, _ = await edit(tctx, "n.py", "", "print(1)\n")
    assert not failed
    assert (ws / "n.py").read_text() == "print(1)\n"
    failed, message = await edit(tctx, "n.py", "", "again\n")
    assert failed
    assert "old_string is empty" in message


async def test_edit_outside_workspace_is_refused(tctx: ToolContext) -> None:
    failed, message = await edit(tctx, "../x.py", "a", "b")
    assert failed
    assert "outside the workspace" in message


# -- MultiEdit ----------------------------------------------------------------------------


async def test_multiedit_is_all_or_nothing(ws: Path, tctx: ToolContext) -> None:
    (ws / "m.py").write_text("a = 1\nb = 2\nc = 3\n")
    await read(tctx, "m.py")
    edits = [
        {"old_string": "a = 1", "new_string": "a = 10"},
        {"old_string": "b = 2", "new_string": "b = 20"},
        {"old_string": "zzz", "new_string": "c = 30"},
    ]
    result = await call(MultiEditTool(), tctx, file_path="m.py", edits=edits)
    assert result.is_error
    assert "Edit 3 of 3" in text_of(result)
    assert (ws / "m.py").read_text() == "a = 1\nb = 2\nc = 3\n"
    edits[2] = {"old_string": "c = 3", "new_string": "c = 30"}
    result = await call(MultiEditTool(), tctx, file_path="m.py", edits=edits)
    assert not result.is_error, result.content
    assert (ws / "m.py").read_text() == "a = 10\nb = 20\nc = 30\n"


async def test_multiedit_edits_apply_in_sequence(ws: Path, tctx: ToolContext) -> None:
    (ws / "m.py").write_text("name = 1\n")
    await read(tctx, "m.py")
    edits = [
        {"old_string": "name = 1", "new_string": "name = 2\nother = name"},
        {"old_string": "other = name", "new_string": "other = name * 2"},
    ]
    assert not (await call(MultiEditTool(), tctx, file_path="m.py", edits=edits)).is_error
    assert (ws / "m.py").read_text() == "name = 2\nother = name * 2\n"


async def test_multiedit_rejects_bad_input(tctx: ToolContext) -> None:
    assert (await call(MultiEditTool(), tctx, file_path="m.py", edits="nope")).is_error
