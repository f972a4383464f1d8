"""The repository map: tree-sitter definitions, references, personalised PageRank
toward the files in play, the budget, and incremental updates by mtime."""

from __future__ import annotations

import os
from pathlib import Path

from refactor.repomap import RepoMap, extract, pagerank, python_names


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def workspace(root: Path) -> dict[str, Path]:
    return {
        "app": write(
            root,
            "shop/app.py",
            "from shop.pricing import compute_total_price\n"
            "from shop.inventory import StockLedger\n\n\n"
            "def checkout(cart):\n"
            "    ledger = StockLedger()\n"
            "    return compute_total_price(cart, ledger)\n",
        ),
        "pricing": write(
            root,
            "shop/pricing.py",
            "def compute_total_price(cart, ledger):\n    return sum(cart)\n",
        ),
        "inventory": write(
            root,
            "shop/inventory.py",
            "class StockLedger:\n    def reserve_items(self, items):\n        return items\n",
        ),
        "unrelated": write(
            root,
            "tools/render.py",
            "def render_markdown_table(rows):\n    return rows\n\n\n"
            "class TemplateEngine:\n    pass\n",
        ),
        "web": write(
            root,
            "web/cart.js",
            "function formatCartLabel(items) {\n  return items.length;\n}\n",
        ),
        "caller": write(
            root,
            "web/page.js",
            "const label = formatCartLabel([1, 2]);\n",
        ),
    }


def test_extract_definitions_and_references(tmp_path: Path) -> None:
    files = workspace(tmp_path)
    found = extract(files["inventory"], files["inventory"].read_text())
    assert found is not None
    definitions, references = found
    assert [(name, line) for name, line, _ in definitions] == [
        ("StockLedger", 0),
        ("reserve_items", 1),
    ]
    assert definitions[0][2] == "class StockLedger:"
    assert "StockLedger" not in references and references["items"] == 2
    assert extract(tmp_path / "notes.md", "# Title\n") is None


def test_the_files_in_use_rank_above_unrelated_ones(tmp_path: Path) -> None:
    files = workspace(tmp_path)
    repo = RepoMap(tmp_path)
    assert repo.refresh() == 6
    ranked = [path for path, _ in repo.rank([files["app"]])]
    assert set(ranked[:2]) == {files["pricing"], files["inventory"]}
    assert files["unrelated"] not in ranked[:2]
    js = [path for path, _ in repo.rank([files["caller"]])]
    assert js[0] == files["web"]  # across languages the same way


def test_render_fits_the_budget(tmp_path: Path) -> None:
    files = workspace(tmp_path)
    repo = RepoMap(tmp_path)
    repo.refresh()
    full = repo.render([files["app"]], 10_000)
    assert full.startswith(("shop/pricing.py\n", "shop/inventory.py\n"))
    assert "  1: def compute_total_price(cart, ledger):" in full
    assert "  1: class StockLedger:" in full
    for budget in (0, 40, 80, len(full)):
        assert len(repo.render([files["app"]], budget)) <= budget


def test_updates_follow_mtime(tmp_path: Path) -> None:
    files = workspace(tmp_path)
    repo = RepoMap(tmp_path)
    repo.refresh()
    assert repo.refresh() == 0  # nothing changed: nothing read
    files["pricing"].write_text(
        "def compute_total_price(cart, ledger):\n    return 0\n\n\n"
        "def apply_discount_code(total):\n    return total\n"
    )
    stat = files["pricing"].stat()
    os.utime(files["pricing"], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert repo.update([files["pricing"]]) == 1
    assert "apply_discount_code" in repo.definers
    files["unrelated"].unlink()
    assert repo.update([files["unrelated"]]) == 0
    assert "TemplateEngine" not in repo.definers
    assert str(files["unrelated"].resolve()) not in repo.files


def test_pagerank_prefers_what_the_seed_points_at() -> None:
    a, b, c = Path("a"), Path("b"), Path("c")
    scores = pagerank({a: {b: 1.0}, b: {}, c: {a: 1.0}}, {a: 1.0})
    assert scores[b] > scores[c]
    assert abs(sum(scores.values()) - 1.0) < 1e-9


def test_a_saved_map_loads_and_rereads_only_what_changed(tmp_path: Path) -> None:
    files = workspace(tmp_path / "ws")
    cache = tmp_path / "cache" / "map.pickle"
    first = RepoMap(tmp_path / "ws")
    first.refresh()
    first.save(cache)
    second = RepoMap(tmp_path / "ws")
    assert second.load(cache) == 6
    assert second.refresh() == 0  # nothing changed since: nothing parsed
    assert second.rank([files["app"]]) == first.rank([files["app"]])
    assert RepoMap(tmp_path).load(cache) == 0  # another workspace's cache is ignored


def bump(path: Path) -> None:
    """A later mtime, as a save a moment later would give (coarse clocks aside)."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def saved_and_loaded(root: Path, cache: Path) -> RepoMap:
    first = RepoMap(root)
    first.refresh()
    first.render([next(iter(map(Path, first.files)))], 10_000)  # some outlines parsed
    first.save(cache)
    second = RepoMap(root)
    assert second.load(cache) == len(first.files)
    return second


def test_a_start_from_the_saved_map_sees_changed_deleted_and_renamed_files(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    files = workspace(root)
    cache = tmp_path / "map.pickle"
    repo = saved_and_loaded(root, cache)
    files["pricing"].write_text(
        "def compute_total_price(cart, ledger):\n    return 0\n\n\n"
        "def apply_discount_code(total):\n    return total\n"
    )
    bump(files["pricing"])
    files["inventory"].rename(root / "shop" / "stock.py")
    files["unrelated"].unlink()
    assert repo.refresh() == 2  # the changed file and the renamed one, nothing else
    shown = repo.render([files["app"]], 10_000)
    assert "shop/stock.py\n  1: class StockLedger:" in shown
    assert "shop/inventory.py" not in shown
    assert "  5: def apply_discount_code(total):" in shown
    assert "TemplateEngine" not in repo.definers
    assert str(files["unrelated"].resolve()) not in repo.files


def test_a_file_changed_after_the_ranking_read_it_is_listed_as_it_is_now(
    tmp_path: Path,
) -> None:
    files = workspace(tmp_path)
    repo = RepoMap(tmp_path)
    repo.refresh()
    files["pricing"].write_text("\n\ndef compute_total_price(cart, ledger):\n    return 1\n")
    bump(files["pricing"])  # no refresh, no update: the listing still reads it anew
    assert "  3: def compute_total_price(cart, ledger):" in repo.render([files["app"]], 10_000)
    files["pricing"].unlink()
    assert "shop/pricing.py" not in repo.render([files["app"]], 10_000)


def test_python_listings_come_from_tree_sitter_not_the_line_pattern(tmp_path: Path) -> None:
    files = workspace(tmp_path)
    write(
        tmp_path,
        "shop/inventory.py",
        '"""Stock.\n\n    class NotReal:  # an example in a docstring\n"""\n\n\n'
        "class StockLedger:\n    capacity = 10\n\n    async def reserve_items(self):\n"
        "        return 1\n",
    )
    repo = RepoMap(tmp_path)
    repo.refresh()
    shown = repo.render([files["app"]], 10_000)
    assert "  7: class StockLedger:\n  8: capacity = 10\n  10: async def reserve_items" in shown
    assert "NotReal" not in shown


def test_python_names_by_line_pattern() -> None:
    text = (
        "import os\nLIMIT = 3\nlimit_hint: int = 4\nif LIMIT == 3:\n    pass\n"
        "print(LIMIT)\nclass Shelf(Base):\n    size = 1\n    def fill(self):\n"
        "        local = 2\n        async  def later():\n            pass\n"
        "@decorated\ndef top(): pass\n"
    )
    assert python_names(text) == ["LIMIT", "limit_hint", "Shelf", "fill", "later", "top"]
    assert python_names("x = 1") == ["x"]  # the first line counts too


def test_files_too_large_or_binary_are_remembered_not_read_again(tmp_path: Path) -> None:
    workspace(tmp_path)
    write(tmp_path, "big.py", "x = 1\n" * 60_000)  # 360 kB: past MAX_FILE_BYTES
    (tmp_path / "blob.py").write_bytes(b"\x00\x01binary")
    repo = RepoMap(tmp_path)
    assert repo.refresh() == 8
    assert repo.refresh() == 0
    assert "x" not in repo.definers


def test_a_damaged_or_old_saved_map_is_ignored(tmp_path: Path) -> None:
    import pickle

    files = workspace(tmp_path / "ws")
    cache = tmp_path / "map.pickle"
    root = str((tmp_path / "ws").resolve())
    for data in ((2, root, {"a.py": (1, 2)}), (1, root, {}, {}, {}), b"not a map"):
        cache.write_bytes(pickle.dumps(data))
        repo = RepoMap(tmp_path / "ws")
        assert repo.load(cache) == 0
        assert repo.refresh() == 6  # built from the files instead
        assert repo.rank([files["app"]])
