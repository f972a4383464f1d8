"""The start-up compile cache returns exactly what compile() would, and survives damage."""

from __future__ import annotations

import os
from pathlib import Path

from server.compile_cache import CompileCache
from tests.raw_lsp import INITIALIZE, RawServer

SOURCE = "def __init__(self, x):\n    self.x = x\n"


def test_round_trip_gives_the_same_code(tmp_path: Path):
    path = tmp_path / "cache.marshal"
    first = CompileCache(path)
    code = first.compile(SOURCE, "<attrs generated init Foo>", "exec")
    assert (first.hits, first.misses) == (0, 1)
    first.save()
    second = CompileCache(path)
    again = second.compile(SOURCE, "<attrs generated init Foo>", "exec")
    assert (second.hits, second.misses) == (1, 0)
    assert again.co_code == code.co_code
    assert again.co_filename == "<attrs generated init Foo>"
    namespace: dict[str, object] = {}
    exec(again, namespace)
    assert callable(namespace["__init__"])
    # A different file name is a different entry, even for the same source.
    second.compile(SOURCE, "<attrs generated init Bar>", "exec")
    assert second.misses == 1


def test_corrupt_cache_is_ignored_and_rewritten(tmp_path: Path):
    path = tmp_path / "cache.marshal"
    path.write_bytes(b"\x00garbage")
    cache = CompileCache(path)
    assert cache.codes == {}
    cache.compile(SOURCE, "<x>", "exec")
    cache.save()
    assert CompileCache(path).codes


def test_server_starts_with_a_corrupt_cache(tmp_path: Path, monkeypatch):
    cache_home = tmp_path / "cache"
    (cache_home / "claude-lsp").mkdir(parents=True)
    for name in ("generated-code-cpython-311.marshal", "generated-code-cpython-312.marshal"):
        (cache_home / "claude-lsp" / name).write_bytes(b"not marshal")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    for _ in range(2):  # the first run rewrites the cache, the second uses it
        raw = RawServer()
        assert "capabilities" in raw.request("initialize", INITIALIZE)["result"]
        code, _ = raw.close()
        assert code == 0
    assert any(os.path.getsize(p) > 100_000 for p in (cache_home / "claude-lsp").iterdir())
