from __future__ import annotations

from pathlib import Path

import pytest

from agent.tools import (
    DiagnosticsTool,
    ReadTool,
    RenameTool,
    SymbolsTool,
    TodoWriteTool,
    default_tools,
)
from agent.types import ToolContext
from tests.agent.tools_helpers import call, make_ctx, text_of


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = (tmp_path / "ws").resolve()
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "shapes.py").write_text(
        "class Circle:\n    def area(self, radius):\n        return 3.14 * radius * radius\n\n\n"
        "def make_circle():\n    return Circle()\n"
    )
    (root / "pkg" / "use.py").write_text(
        "from pkg.shapes import make_circle\n\nprint(make_circle().area(radius=2))\n"
    )
    (root / "web.ts").write_text("export function makeCircle(): number { return 1; }\n")
    return root


@pytest.fixture
def tctx(ws: Path) -> ToolContext:
    return make_ctx(ws)


def test_default_tools_have_claude_code_names_and_schemas() -> None:
    tools = {tool.name: tool for tool in default_tools()}
    assert set(tools) == {
        "Read", "Write", "Edit", "MultiEdit", "Glob", "Grep", "Bash", "TodoWrite",
        "Diagnostics", "Symbols", "Rename",
    }  # fmt: skip
    assert tools["Read"].input_schema["required"] == ["file_path"]
    assert set(tools["Edit"].input_schema["properties"]) == {
        "file_path", "old_string", "new_string", "replace_all",
    }  # fmt: skip
    assert {"-i", "-n", "-A", "-B", "-C", "head_limit", "multiline"} <= set(
        tools["Grep"].input_schema["properties"]
    )
    assert [t.name for t in default_tools() if t.read_only] == [
        "Read", "Glob", "Grep", "TodoWrite", "Diagnostics", "Symbols",
    ]  # fmt: skip


async def test_diagnostics_for_one_file_and_the_workspace(ws: Path, tctx: ToolContext) -> None:
    assert "No problems" in text_of(await call(DiagnosticsTool(), tctx, file_path="pkg/shapes.py"))
    (ws / "pkg" / "broken.py").write_text("def f(:\n    pass\n")
    (ws / "pkg" / "names.py").write_text("import os\nprint(undefined_name)\n")
    out = text_of(await call(DiagnosticsTool(), tctx, file_path="pkg/broken.py"))
    assert out.startswith("pkg/broken.py:1:")
    assert "syntax" in out
    out = text_of(await call(DiagnosticsTool(), tctx))
    assert "pkg/broken.py:1:" in out
    assert "pkg/names.py:2:7: error: undefined name 'undefined_name'" in out
    assert "pkg/names.py:1:8: warning: 'os' imported but unused" in out
    assert (await call(DiagnosticsTool(), tctx, file_path="../x.py")).is_error


async def test_symbols(tctx: ToolContext) -> None:
    out = text_of(await call(SymbolsTool(), tctx, query="circle"))
    assert "pkg/shapes.py:1: class Circle" in out
    assert "pkg/shapes.py:6: function make_circle" in out
    assert "web.ts:1: function makeCircle" in out
    out = text_of(await call(SymbolsTool(), tctx, query="Circle.area"))
    assert out.splitlines()[0].startswith("pkg/shapes.py:2: method Circle.area")
    assert "make_circle" not in out
    assert "No symbols match" in text_of(await call(SymbolsTool(), tctx, query="nothing_like_it"))


async def test_rename_across_files(ws: Path, tctx: ToolContext) -> None:
    await call(ReadTool(), tctx, file_path="pkg/use.py")
    result = await call(
        RenameTool(), tctx, file_path="pkg/shapes.py", line=2, column=9, new_name="surface"
    )
    assert not result.is_error, result.content
    assert "def surface(self, radius)" in (ws / "pkg" / "shapes.py").read_text()
    assert ".surface(radius=2)" in (ws / "pkg" / "use.py").read_text()
    # the file the model had read stays fresh for a following Edit
    assert tctx.read_files[ws / "pkg" / "use.py"] == (ws / "pkg" / "use.py").read_text()


async def test_rename_refusals(ws: Path, tctx: ToolContext) -> None:
    tool = RenameTool()
    assert (
        await call(tool, tctx, file_path="pkg/shapes.py", line=1, column=7, new_name="not valid")
    ).is_error
    assert (await call(tool, tctx, file_path="web.ts", line=1, column=17, new_name="x")).is_error
    result = await call(tool, tctx, file_path="pkg/shapes.py", line=6, column=5, new_name="Circle")
    assert result.is_error
    assert "already exists" in text_of(result)


async def test_todo_write(tctx: ToolContext) -> None:
    tool = TodoWriteTool()
    todos = [
        {"content": "Write tests", "status": "completed", "activeForm": "Writing tests"},
        {"content": "Fix bug", "status": "in_progress", "activeForm": "Fixing bug"},
        {"content": "Ship", "status": "pending", "activeForm": "Shipping"},
    ]
    out = text_of(await call(tool, tctx, todos=todos))
    assert out.endswith("☒ Write tests\n▶ Fix bug\n☐ Ship")
    assert [t.status for t in tool.todos] == ["completed", "in_progress", "pending"]
    assert (await call(tool, tctx, todos=[{"content": "x", "status": "done"}])).is_error
    assert len(tool.todos) == 3
