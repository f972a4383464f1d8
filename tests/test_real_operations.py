"""The real-packages bench picks its targets as documented (a small package, no PyPI)."""

from __future__ import annotations

from pathlib import Path

from bench import real_operations as ops

FILES = {
    "src/pkg/__init__.py": "from pkg.shapes import Shape, area\n",
    "src/pkg/shapes.py": (
        "def area(shape):\n    return shape.size() * 2\n\n\n"
        "def unused():\n    return 1\n\n\n"
        "class Shape:\n    def size(self):\n        return 1\n\n\n"
        "class Square(Shape):\n    def size(self):\n        side = 2\n        return side * side\n"
    ),
    "tests/__init__.py": "",
    "tests/test_shapes.py": (
        "import pkg\nfrom pkg.shapes import area\n\n\n"
        "def test_area():\n    Shape = None  # a local of the same name\n"
        "    assert area(pkg.Shape()) == 2\n"
    ),
}


def _project(tmp_path: Path) -> tuple[list[Path], list[Path]]:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    every = sorted(tmp_path.rglob("*.py"))
    code = sorted((tmp_path / "src" / "pkg").rglob("*.py"))
    return code, every


def test_renames_pick_the_most_used_names_and_start_from_the_tests(tmp_path: Path) -> None:
    code, every = _project(tmp_path)
    function = ops.rename_function(tmp_path, code, every)
    assert function is not None and (function.name, function.start) == ("area", (0, 4))
    klass = ops.rename_class(tmp_path, code, every)
    assert klass is not None and klass.name == "Shape"
    # the class is renamed from the tests, at ``pkg.Shape`` (not the local ``Shape``)
    assert klass.path == tmp_path / "tests" / "test_shapes.py"
    assert klass.start == (6, 20)
    method = ops.rename_method(tmp_path, code, every)
    assert method is not None and method.label == "Shape.size (overridden)"
    module = ops.rename_module(tmp_path, code, every)
    assert module is not None and module.name == "shapes"


def test_actions_yield_candidates_in_file_order(tmp_path: Path) -> None:
    code, every = _project(tmp_path)
    inline = next(ops.inline_variable(tmp_path, code, every))
    assert (inline.name, inline.title) == ("side", "Inline variable")
    function = next(ops.inline_function(tmp_path, code, every))
    assert function.name in ("area", "unused")
    assert list(ops.extract_method(tmp_path, code, every)) == []  # no 4-statement body
