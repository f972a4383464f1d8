"""The repository map: tree-sitter definitions, references, personalised PageRank
toward the files in play, the budget, and incremental updates by mtime."""

from __future__ import annotations

import os
from pathlib import Path

from refactor.repomap import RepoMap, extract, pagerank


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
