"""Project layout and environment: source folders as the project declares them, workspace
code before installed copies, add-import candidates from the project's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from refactor.python.edits import RefactorError
from refactor.python.environment import environment, find_interpreter, stdlib_only
from refactor.python.imports import _autoimport, _index_package, import_candidates
from refactor.python.layout import discover
from refactor.python.rename import rename, rename_module
from refactor.python.workspace import PythonWorkspace
from refactor.text import Position


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _relative(root: Path) -> list[str]:
    return discover(str(root)).relative_folders()


@pytest.mark.parametrize(
    ("declaration", "folder"),
    [
        ('[tool.setuptools.packages.find]\nwhere = ["lib"]\n', "lib"),
        ('[tool.setuptools]\npackage-dir = {"" = "lib"}\n', "lib"),
        ('[tool.hatch.build.targets.wheel]\npackages = ["lib/pkg"]\n', "lib"),
        ('[tool.hatch.build]\nsources = ["lib"]\n', "lib"),
        ('[tool.poetry]\npackages = [{include = "pkg", from = "lib"}]\n', "lib"),
        ('[tool.pdm.build]\npackage-dir = "lib"\n', "lib"),
        ('[tool.rope]\nsource_folders = ["lib"]\n', "lib"),
    ],
)
def test_source_folders_from_pyproject(tmp_path: Path, declaration: str, folder: str) -> None:
    _write(tmp_path, {"pyproject.toml": declaration, f"{folder}/pkg/__init__.py": ""})
    assert _relative(tmp_path) == [folder]
    assert discover(str(tmp_path)).first_party == {"pkg"}


def test_source_folders_from_setup_cfg_and_setup_py(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {"setup.cfg": "[options]\npackage_dir =\n    =code\n", "code/pkg/__init__.py": ""},
    )
    assert _relative(tmp_path) == ["code"]
    other = tmp_path / "other"
    _write(other, {"setup.py": "setup(package_dir={'': 'code'})\n", "code/pkg/__init__.py": ""})
    assert _relative(other) == ["code"]


def test_flit_module_under_src_and_the_src_convention(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {"pyproject.toml": '[tool.flit.module]\nname = "pkg"\n', "src/pkg/__init__.py": ""},
    )
    assert _relative(tmp_path) == ["src"]
    bare = tmp_path / "bare"
    _write(bare, {"src/pkg/__init__.py": "", "tests/__init__.py": ""})
    assert _relative(bare) == ["src"]  # tests is a package: imported as ``tests.x``


def test_test_folders_that_are_not_packages_are_source_folders(tmp_path: Path) -> None:
    _write(tmp_path, {"pkg/__init__.py": "", "tests/helpers.py": "", "tests/typing/x.py": ""})
    layout = discover(str(tmp_path))
    assert layout.relative_folders() == ["tests"]
    assert "helpers" in layout.first_party
    assert "typing" not in layout.first_party  # a tests/typing/ folder is not ``typing``
    assert layout.module_name(str(tmp_path / "tests" / "helpers.py")) == "helpers"


def test_module_names_come_from_the_deepest_source_folder(tmp_path: Path) -> None:
    _write(tmp_path, {"src/pkg/__init__.py": "", "src/pkg/sub/mod.py": ""})
    layout = discover(str(tmp_path))
    assert layout.module_name(str(tmp_path / "src/pkg/sub/mod.py")) == "pkg.sub.mod"
    assert layout.module_name(str(tmp_path / "src/pkg/__init__.py")) == "pkg"
    assert layout.is_source_prefix("src.pkg.sub.mod")
    assert not layout.is_source_prefix("pkg.sub.mod")


# -- a src layout with an installed copy of the package ---------------------------------

CORE = (
    '"""Core."""\n\n\ndef compute(x):\n    return x + 1\n\n\n'
    "class Widget:\n    def size(self):\n        return compute(1)\n"
)
TEST = (
    "from mypkg.core import compute\nfrom mypkg import Widget\n\n\n"
    "def test_compute():\n    assert compute(1) == 2\n    assert Widget().size() == 2\n"
)


@pytest.fixture
def src_layout(tmp_path: Path) -> Iterator[PythonWorkspace]:
    """``src/mypkg`` + a ``tests`` package, and a stale copy installed in ``.venv``."""
    _write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "mypkg"\n',
            "src/mypkg/__init__.py": "from mypkg.core import Widget, compute\n",
            "src/mypkg/core.py": CORE,
            "tests/__init__.py": "",
            "tests/test_core.py": TEST,
        },
    )
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / ".venv")], check=True
    )
    (site,) = (tmp_path / ".venv" / "lib").glob("python3*/site-packages")
    _write(
        site,
        {
            "mypkg/__init__.py": "from mypkg.core import Widget, compute\n",
            "mypkg/core.py": CORE,
            "thirdparty_mod.py": "def helper_fn():\n    pass\n",
        },
    )
    workspace = PythonWorkspace(str(tmp_path))
    yield workspace
    workspace.close()


def test_rename_in_src_layout_reaches_the_tests(src_layout: PythonWorkspace) -> None:
    root = Path(src_layout.root)
    core, test = root / "src/mypkg/core.py", root / "tests/test_core.py"
    expected = {str(core), str(test), str(root / "src/mypkg/__init__.py")}
    edit = src_layout.run(lambda s: rename(s, str(core), Position(3, 5), "calc"))
    assert set(edit.changes) == expected
    # the same rename, started from the tests: not "defined outside the workspace"
    edit = src_layout.run(lambda s: rename(s, str(test), Position(5, 12), "calc"))
    assert set(edit.changes) == expected
    # a class and a method too
    edit = src_layout.run(lambda s: rename(s, str(test), Position(1, 19), "Gadget"))
    assert set(edit.changes) == expected
    edit = src_layout.run(lambda s: rename(s, str(test), Position(6, 23), "extent"))
    assert set(edit.changes) == {str(core), str(test)}


def test_module_rename_in_src_layout_reaches_the_tests(src_layout: PythonWorkspace) -> None:
    root = Path(src_layout.root)
    edit = src_layout.run(lambda s: rename_module(s, str(root / "src/mypkg/core.py"), "engine"))
    assert str(root / "tests/test_core.py") in edit.changes
    assert edit.renames == [(str(root / "src/mypkg/core.py"), str(root / "src/mypkg/engine.py"))]


def test_import_candidates_come_from_the_project_environment(
    src_layout: PythonWorkspace,
) -> None:
    root = Path(src_layout.root)
    test = str(root / "tests/test_core.py")
    assert find_interpreter(str(root)) == str(root / ".venv" / "bin" / "python")

    def candidates(name: str) -> list[str]:
        return src_layout.run(lambda s: import_candidates(s, test, name))

    assert candidates("compute") == ["mypkg.core"]  # never src.mypkg.core
    assert candidates("itertools") == ["itertools"]  # stdlib module names
    assert candidates("abc") == ["abc"]  # not test.test_importlib.test_abc
    src_layout.run(lambda s: _index_package(s, _autoimport(s), "thirdparty_mod"))
    assert candidates("helper_fn") == ["thirdparty_mod"]
    # the server's own environment is not the project's
    folders = src_layout.run(lambda s: [f.real_path for f in s.project.get_python_path_folders()])
    server_site = [p for p in sys.path if p.endswith("site-packages")]
    assert not set(server_site) & set(folders)
    assert any(f.startswith(str(root / ".venv")) for f in folders)


def test_without_an_environment_only_the_standard_library_is_searched(tmp_path: Path) -> None:
    os.environ.pop("VIRTUAL_ENV", None)
    assert find_interpreter(str(tmp_path)) is None
    folders = stdlib_only().path
    assert folders and not any("site-packages" in f for f in folders)


def test_the_setting_wins_and_a_venv_folder_is_accepted(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "elsewhere")], check=True
    )
    assert find_interpreter(str(tmp_path), "elsewhere") == str(tmp_path / "elsewhere/bin/python")
    assert find_interpreter(str(tmp_path), "no-such-python") is None


def test_a_module_is_renamed_from_an_import_only_when_it_is_the_workspaces(
    src_layout: PythonWorkspace,
) -> None:
    root = Path(src_layout.root)
    _write(root, {"src/mypkg/json.py": "X = 1\n", "src/mypkg/use.py": "import json\n"})
    use, test = root / "src/mypkg/use.py", root / "tests/test_core.py"
    with pytest.raises(RefactorError, match="module outside the workspace"):
        src_layout.run(lambda s: rename(s, str(use), Position(0, 8), "json2"))
    edit = src_layout.run(lambda s: rename(s, str(test), Position(0, 12), "engine"))
    assert edit.renames == [(str(root / "src/mypkg/core.py"), str(root / "src/mypkg/engine.py"))]
    assert str(test) in edit.changes


def test_a_changed_declaration_moves_the_source_folders(tmp_path: Path) -> None:
    _write(tmp_path, {"code/pkg/__init__.py": "", "code/pkg/mod.py": "def f():\n    pass\n"})
    workspace = PythonWorkspace(str(tmp_path))
    try:
        workspace.run(lambda s: None)
        assert workspace.layout is not None and workspace.layout.relative_folders() == []
        _write(tmp_path, {"pyproject.toml": '[tool.setuptools]\npackage-dir = {"" = "code"}\n'})
        workspace.files_changed([str(tmp_path / "pyproject.toml")])
        workspace.run(lambda s: None)
        assert workspace.layout.relative_folders() == ["code"]
    finally:
        workspace.close()


def test_a_dependency_in_the_workspace_venv_is_not_renamed(src_layout: PythonWorkspace) -> None:
    """Its files are under the workspace folder, in .venv: renaming a name from there
    renamed only the workspace's imports of it (ImportError), a module renamed its file
    in .venv, and a renamed override stopped overriding."""
    root = Path(src_layout.root)
    (site,) = (root / ".venv" / "lib").glob("python3*/site-packages")
    _write(site, {"thirdparty_base.py": "class Base:\n    def hook(self):\n        pass\n"})
    use = root / "src/mypkg/use.py"
    text = (
        "import thirdparty_mod\nfrom thirdparty_mod import helper_fn\n"
        "from thirdparty_base import Base\n\n\nclass Mine(Base):\n    def hook(self):\n"
        "        return helper_fn(), thirdparty_mod\n"
    )
    _write(root, {"src/mypkg/use.py": text})
    for at, new, message in [
        ((1, 30), "helper", "'helper_fn' is defined outside the workspace"),
        ((0, 10), "party", "'thirdparty_mod' is a module outside the workspace"),
        (
            (6, 9),
            "run",
            "'hook' overrides Base.hook, defined outside the workspace: renamed, it would "
            "no longer override it",
        ),
    ]:
        with pytest.raises(RefactorError) as info:
            src_layout.run(lambda s, at=at, new=new: rename(s, str(use), Position(*at), new))
        assert str(info.value) == message


def test_a_workspace_venv_is_read_never_run(tmp_path: Path) -> None:
    # A sandboxed command can write .venv/bin/python or a .pth with code: the server
    # must not run either outside the sandbox.
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    ws, marker = tmp_path / "ws", tmp_path / "ran-outside"
    venv = ws / ".venv"
    site = venv / "lib" / f"python{version}" / "site-packages"
    site.mkdir(parents=True)
    (venv / "bin").mkdir()
    (venv / "bin" / "python").write_text(f"#!/bin/sh\ntouch {marker}\n")
    (venv / "bin" / "python").chmod(0o755)
    home = Path(sys.base_prefix) / "bin"
    (venv / "pyvenv.cfg").write_text(f"home = {home}\nversion_info = {version}.1\n")
    (ws / "src").mkdir()
    (ws / "libs").mkdir()
    (site / "editable.pth").write_text(
        f"# an editable install\n{ws / 'src'}\nimport os; os.system('touch {marker}')\n"
        "../../../../libs\nno-such-folder\n"
    )
    env = environment(find_interpreter(str(ws)))
    assert not marker.exists()
    stdlib = sysconfig.get_paths(vars={"installed_base": sys.base_prefix})["stdlib"]
    assert env.interpreter == str(venv / "bin" / "python") and env.stdlib == (stdlib,)
    assert env.path[0] == stdlib
    assert env.path[-3:] == (str(site), str(ws / "src"), str(ws / "libs"))


def test_a_venv_read_from_its_files_imports_what_its_python_would(tmp_path: Path) -> None:
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    [site] = venv.glob("lib/python3*/site-packages")
    (tmp_path / "extra").mkdir()
    (site / "extra.pth").write_text(f"{tmp_path / 'extra'}\n")
    python = str(venv / "bin" / "python")
    probe = "import json, os, sys; print(json.dumps([p for p in sys.path if os.path.isdir(p)]))"
    ran = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    real = json.loads(ran.stdout)
    assert list(environment(python).path) == real


def test_a_virtualenv_style_config_is_read_by_its_python_version(tmp_path: Path) -> None:
    # virtualenv writes its own version as `virtualenv`, uv and virtualenv the Python's as
    # `version_info`; a `version` that is not the Python's must not send us elsewhere.
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    venv = tmp_path / "venv"
    site = venv / "lib" / f"python{version}" / "site-packages"
    site.mkdir(parents=True)
    (venv / "bin").mkdir()
    (venv / "bin" / "python").write_text("#!/bin/sh\nexit 1\n")
    (venv / "bin" / "python").chmod(0o755)
    (venv / "pyvenv.cfg").write_text(
        f"home = /nowhere/bin\nversion = 20.24.0\nvirtualenv = 20.24.0\n"
        f"version_info = {version}.2.final.0\nbase-prefix = {sys.base_prefix}\n"
    )
    env = environment(str(venv / "bin" / "python"))
    stdlib = sysconfig.get_paths(vars={"installed_base": sys.base_prefix})["stdlib"]
    assert env.stdlib == (stdlib,) and str(site) in env.path
