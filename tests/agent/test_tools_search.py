from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from agent.tools import GlobTool, GrepTool
from agent.tools.search import expand_braces, glob_to_regex
from agent.types import ToolContext
from tests.agent.tools_helpers import call, make_ctx, text_of

HAS_RG = shutil.which("rg") is not None


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = (tmp_path / "ws").resolve()
    files = {
        "src/app.py": "import os\n\ndef main():\n    return os.getcwd()\n",
        "src/util.py": "def helper():\n    return 'MAIN'\n",
        "src/web/page.ts": "export const main = 1;\n",
        "build/out.py": "def main(): pass\n",
        "logs/debug.log": "main started\n",
        "pkg/.gitignore": "generated.py\n",
        "pkg/generated.py": "def main(): pass\n",
        "pkg/kept.py": "x = 1\n",
        ".gitignore": "build/\n*.log\n",
        ".env": "main=secret\n",
        ".hidden/conf.py": "main = 2\n",
        "bin.dat": "",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "bin.dat").write_bytes(b"main\x00\x01")
    (root / ".git").mkdir()
    (root / ".git" / "config.py").write_text("main = 3\n")
    for age, name in enumerate(["src/util.py", "src/app.py", "src/web/page.ts", "pkg/kept.py"]):
        os.utime(root / name, (1_000_000 + age * 1000, 1_000_000 + age * 1000))
    return root


@pytest.fixture
def tctx(ws: Path) -> ToolContext:
    return make_ctx(ws)


def test_glob_translation() -> None:
    assert expand_braces("src/*.{ts,tsx}") == ["src/*.ts", "src/*.tsx"]
    import re

    assert re.fullmatch(glob_to_regex("**/*.py"), "a.py")
    assert re.fullmatch(glob_to_regex("**/*.py"), "a/b/c.py")
    assert not re.fullmatch(glob_to_regex("*.py"), "a/b.py")
    assert re.fullmatch(glob_to_regex("src/[a-c]?.py"), "src/b1.py")


async def test_glob_sorted_by_mtime_and_gitignore(ws: Path, tctx: ToolContext) -> None:
    out = text_of(await call(GlobTool(), tctx, pattern="**/*.{py,ts}")).splitlines()
    names = [str(Path(p).relative_to(ws)) for p in out]
    assert names.index("pkg/kept.py") < names.index("src/web/page.ts") < names.index("src/app.py")
    assert names.index("src/app.py") < names.index("src/util.py")
    assert "build/out.py" not in names
    assert "pkg/generated.py" not in names
    assert ".git/config.py" not in names
    assert all(Path(p).is_absolute() for p in out)


async def test_glob_with_path_and_escapes(ws: Path, tctx: ToolContext) -> None:
    out = text_of(await call(GlobTool(), tctx, pattern="*.py", path="src"))
    assert sorted(Path(p).name for p in out.splitlines()) == ["app.py", "util.py"]
    for bad in ({"pattern": "../*"}, {"pattern": "*", "path": "/etc"}, {"pattern": "/etc/*"}):
        result = await GlobTool().run(bad, tctx)
        assert result.is_error
    assert text_of(await call(GlobTool(), tctx, pattern="**/*.rs")) == "No files found"


GREPS = [pytest.param(False, id="python")]
GREPS.append(pytest.param(True, id="ripgrep", marks=pytest.mark.skipif(not HAS_RG, reason="no rg")))


@pytest.mark.parametrize("use_rg", GREPS)
async def test_grep_files_honours_gitignore_and_secrets(
    ws: Path, tctx: ToolContext, use_rg: bool
) -> None:
    out = text_of(await call(GrepTool(use_rg), tctx, pattern="main"))
    lines = out.splitlines()
    assert lines[0] == "Found 3 files"
    names = sorted(str(Path(p).relative_to(ws)) for p in lines[1:])
    assert names == [".hidden/conf.py", "src/app.py", "src/web/page.ts"]
    # -i finds MAIN too; ignored, secret, binary and .git files never show
    out = text_of(await call(GrepTool(use_rg), tctx, pattern="main", **{"-i": True}))
    assert "src/util.py" in out
    for hidden in ("build/", "debug.log", "generated.py", ".env", "bin.dat", ".git/"):
        assert hidden not in out


@pytest.mark.parametrize("use_rg", GREPS)
async def test_grep_content_with_context(ws: Path, tctx: ToolContext, use_rg: bool) -> None:
    result = await call(
        GrepTool(use_rg), tctx, pattern="def main", path="src", output_mode="content", **{"-A": 1}
    )
    app = ws / "src" / "app.py"
    assert text_of(result) == f"{app}:3:def main():\n{app}-4-    return os.getcwd()"


@pytest.mark.parametrize("use_rg", GREPS)
async def test_grep_count_glob_type_and_head_limit(
    ws: Path, tctx: ToolContext, use_rg: bool
) -> None:
    out = text_of(
        await call(
            GrepTool(use_rg), tctx, pattern="o", output_mode="count", glob="*.py", path="src"
        )
    )
    assert f"{ws / 'src' / 'app.py'}:2" in out
    out = text_of(await call(GrepTool(use_rg), tctx, pattern="main", type="ts"))
    assert out.splitlines()[1:] == [str(ws / "src/web/page.ts")]
    out = text_of(await call(GrepTool(use_rg), tctx, pattern="main", head_limit=1))
    assert "[2 more entries not shown" in out


@pytest.mark.parametrize("use_rg", GREPS)
async def test_grep_multiline(ws: Path, tctx: ToolContext, use_rg: bool) -> None:
    out = text_of(
        await call(
            GrepTool(use_rg),
            tctx,
            pattern=r"main\(\):.*getcwd",
            multiline=True,
            output_mode="content",
        )
    )
    assert ":3:def main():" in out
    assert ":4:    return os.getcwd()" in out


@pytest.mark.parametrize("use_rg", GREPS)
async def test_grep_errors(tctx: ToolContext, use_rg: bool) -> None:
    assert (await call(GrepTool(use_rg), tctx, pattern="(")).is_error
    assert (await call(GrepTool(use_rg), tctx, pattern="x", path="../")).is_error
    assert (await call(GrepTool(use_rg), tctx, pattern="x", type="cobol")).is_error
    assert (
        text_of(await call(GrepTool(use_rg), tctx, pattern="no-such-text-anywhere"))
        == "No matches found"
    )


@pytest.mark.parametrize("use_rg", GREPS)
@pytest.mark.parametrize("mode", ["content", "files_with_matches", "count"])
async def test_grep_never_shows_secret_files_found_by_directory_or_content(
    ws: Path, tctx: ToolContext, use_rg: bool, mode: str
) -> None:
    (ws / ".aws").mkdir()
    (ws / ".aws" / "credentials").write_text("aws_secret_access_key = TOKEN123\n")
    (ws / ".npmrc").write_text("//registry.npmjs.org/:_authToken=TOKEN123\n")
    (ws / "src" / "uses.py").write_text("TOKEN123 = 'placeholder'\n")
    out = text_of(await call(GrepTool(use_rg), tctx, pattern="TOKEN123", output_mode=mode))
    assert "uses.py" in out
    assert "credentials" not in out and ".npmrc" not in out and "_authToken" not in out


@pytest.mark.parametrize("use_rg", GREPS)
async def test_grep_content_without_line_numbers(ws: Path, tctx: ToolContext, use_rg: bool) -> None:
    result = await call(
        GrepTool(use_rg),
        tctx,
        pattern="def main",
        path="src",
        output_mode="content",
        **{"-n": False},
    )
    assert text_of(result) == f"{ws / 'src' / 'app.py'}:def main():"
