"""Start-up speed: reuse the code that attrs and cattrs generate at import time.

Importing lsprotocol's ~570 attrs classes compiles ~770 small generated methods
(``__init__``, ``__eq__`` …); ``compile`` is about half of the server's start-up. The
generated source is deterministic, so we keep the compiled code objects, keyed by their
exact source text and file name, in a marshal file under the user cache folder and hand
them back instead of compiling again. The code run is exactly what ``compile`` would
produce; a missing, stale or corrupt cache only means compiling as usual.
"""

from __future__ import annotations

import builtins
import logging
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

log = logging.getLogger(__name__)

MAX_ENTRIES = 20_000


def cache_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = str(Path.home() / "Library" / "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claude-lsp"


class CompileCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.codes: dict[str, CodeType] = {}
        self.hits = self.misses = 0
        try:
            data = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            data = None
        if isinstance(data, dict) and len(data) <= MAX_ENTRIES:
            self.codes = data

    def compile(self, source: Any, filename: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or not isinstance(source, str) or not isinstance(filename, str):
            return builtins.compile(source, filename, mode, *args, **kwargs)
        key = f"{mode}\0{filename}\0{source}"
        code = self.codes.get(key)
        if code is None:
            code = builtins.compile(source, filename, mode)
            self.codes[key] = code
            self.misses += 1
        else:
            self.hits += 1
        return code

    def save(self) -> None:
        """Write the cache if it learnt anything (atomically; failures are only logged)."""
        if not self.misses or len(self.codes) > MAX_ENTRIES:
            return
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(marshal.dumps(self.codes))
            os.replace(tmp, self.path)
            self.misses = 0
        except OSError as exc:
            log.info("could not write the compile cache %s: %s", self.path, exc)
            tmp.unlink(missing_ok=True)


def install() -> CompileCache | None:
    """Route attrs' and cattrs' code generation through the cache. Call before importing
    pygls; returns None (and changes nothing) when disabled or when the libraries moved
    their code generation elsewhere."""
    if os.environ.get("CLAUDE_LSP_NO_COMPILE_CACHE"):
        return None
    try:
        import attr._make
        import cattrs.gen
        import cattrs.gen.typeddicts
    except ImportError:
        return None
    modules = [attr._make, cattrs.gen, cattrs.gen.typeddicts]
    tag = sys.implementation.cache_tag or "python"
    cache = CompileCache(cache_dir() / f"generated-code-{tag}.marshal")
    for module in modules:
        module.compile = cache.compile  # type: ignore[attr-defined]
    return cache
